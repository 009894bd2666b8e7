"""Health and metrics over HTTP, in every mode: `GET /healthz` (the process is alive),
`GET /readyz` (it can do its work) and `GET /metrics` (Prometheus' text format).

Polling and the clock serve them on a small aiohttp server at HEALTH_HOST:HEALTH_PORT; a
process that already has an aiohttp app (webhooks) can mount the same routes on it with
`add_health_routes(app, probes, metrics)`."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import Metrics
from core.config import ConfigError
from storage import operations

logger = logging.getLogger(__name__)

# Polling asks Telegram for updates at least every 10 s; this long without an update or a
# completed getUpdates means the process no longer hears from Telegram.
UPDATES_FRESH_SECONDS = 60.0
# A check that takes longer than this counts as failed.
CHECK_TIMEOUT = 5.0

Check = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class Readiness:
    ready: bool
    checks: dict[str, str] = field(default_factory=dict)


class Probes:
    """What /readyz looks at: the database, Redis if configured, whether updates still come
    (where the process takes updates), and whether it is shutting down."""

    def __init__(
        self,
        *,
        database: Check,
        redis: Check | None = None,
        updates_fresh_within: float | None = None,
        timeout: float = CHECK_TIMEOUT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._database = database
        self._redis = redis
        self._fresh_within = updates_fresh_within
        self._timeout = timeout
        self._monotonic = monotonic
        self._last_contact: float | None = None
        self.shutting_down = False

    def heard_from_telegram(self) -> None:
        """An update arrived, or a getUpdates call returned."""
        self._last_contact = self._monotonic()

    def shut_down(self) -> None:
        """From now on not ready: load balancers stop sending work here."""
        self.shutting_down = True

    async def readiness(self) -> Readiness:
        checks = {"database": await self._check(self._database)}
        if self._redis is not None:
            checks["redis"] = await self._check(self._redis)
        if self._fresh_within is not None:
            checks["updates"] = self._updates_state()
        checks["shutdown"] = "shutting down" if self.shutting_down else "no"
        ready = not self.shutting_down and all(
            state == "ok" for name, state in checks.items() if name != "shutdown"
        )
        return Readiness(ready, checks)

    async def _check(self, check: Check) -> str:
        try:
            await asyncio.wait_for(check(), self._timeout)
        except Exception as error:
            logger.warning("readiness check failed: %s", type(error).__name__)
            return "unreachable"
        return "ok"

    def _updates_state(self) -> str:
        if self._last_contact is None:
            return "none yet"
        age = self._monotonic() - self._last_contact
        return "ok" if age <= (self._fresh_within or 0.0) else "stale"


def database_check(sessionmaker: async_sessionmaker[AsyncSession]) -> Check:
    async def check() -> None:
        async with sessionmaker() as session:
            await operations.ping(session)

    return check


def create_probes(
    sessionmaker: async_sessionmaker[AsyncSession], fsm_storage: object, *, takes_updates: bool
) -> Probes:
    """The probes of a process: its database, the Redis of its FSM storage if it has one,
    and (when it takes updates) whether it still hears from Telegram."""
    redis = getattr(fsm_storage, "redis", None)
    return Probes(
        database=database_check(sessionmaker),
        redis=redis.ping if redis is not None else None,
        updates_fresh_within=UPDATES_FRESH_SECONDS if takes_updates else None,
    )


def add_health_routes(app: web.Application, probes: Probes, metrics: Metrics | None) -> None:
    """/healthz, /readyz and (with `metrics`) /metrics on an aiohttp app."""

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(_request: web.Request) -> web.Response:
        state = await probes.readiness()
        body = {"status": "ready" if state.ready else "not ready", "checks": state.checks}
        return web.Response(
            text=json.dumps(body),
            status=200 if state.ready else 503,
            content_type="application/json",
        )

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    if metrics is not None:

        async def metrics_page(_request: web.Request) -> web.Response:
            response = web.Response(body=await metrics.exposition())
            response.headers["Content-Type"] = CONTENT_TYPE_LATEST
            return response

        app.router.add_get("/metrics", metrics_page)


def create_health_app(probes: Probes, metrics: Metrics | None) -> web.Application:
    app = web.Application()
    add_health_routes(app, probes, metrics)
    return app


class HealthServer:
    """The health routes on their own port, for modes without a web server of their own."""

    def __init__(self, probes: Probes, metrics: Metrics | None, host: str, port: int) -> None:
        self._app = create_health_app(probes, metrics)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._port).start()
        except OSError as error:
            await runner.cleanup()
            raise ConfigError(
                f"HEALTH_PORT {self._port} on {self._host} cannot be used ({error.strerror}): "
                "set HEALTH_PORT to a free port, or set it empty to turn the server off."
            ) from None
        self._runner = runner
        logger.info("health and metrics on http://%s:%s", self._host, self._port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
