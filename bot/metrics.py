"""Prometheus metrics: one registry per running bot, filled by an outer middleware (updates),
a Bot API session middleware (calls), the outbox sender, the scheduler's events and the
leadership of the roles; what needs the database is counted when Prometheus scrapes.

Every metric name starts with `tillsammans_`; the README's Operations section lists them."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.schedulers.base import BaseScheduler
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.pitch_rules import STATUSES
from storage import operations

logger = logging.getLogger(__name__)

ROLES = ("outbox-sender", "clock")
# Handling an update is mostly waiting on the database and on Telegram.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# The database gauges are counted at most this often, however often Prometheus scrapes.
DATABASE_GAUGES_MAX_AGE = 5.0


class Metrics:
    """The metrics of one bot process, in a registry of its own."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
        *,
        max_age: float = DATABASE_GAUGES_MAX_AGE,
    ) -> None:
        self.registry = CollectorRegistry()
        self._sessionmaker = sessionmaker
        # Seconds the database gauges are kept between scrapes.
        self.max_age = max_age
        self._counted_at: float | None = None
        self._define_traffic(self.registry)
        self._define_work(self.registry)
        for role in ROLES:
            self.leader.labels(role=role).set(0)
        for status in STATUSES:
            self.pitches.labels(status=status).set(0)

    def _define_traffic(self, registry: CollectorRegistry) -> None:
        self.updates = Counter(
            "tillsammans_updates",
            "Updates from Telegram, by type and outcome (handled, unhandled, error).",
            ["type", "outcome"],
            registry=registry,
        )
        self.update_seconds = Histogram(
            "tillsammans_update_handling_seconds",
            "How long handling an update took, by type.",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.errors = Counter(
            "tillsammans_errors",
            "Exceptions, by where they happened (update, job) and their type.",
            ["component", "exception"],
            registry=registry,
        )
        self.api_calls = Counter(
            "tillsammans_bot_api_calls",
            "Bot API calls, by method and result (ok, 400, 403, 429, 5xx, network).",
            ["method", "result"],
            registry=registry,
        )

    def _define_work(self, registry: CollectorRegistry) -> None:
        self.messages_sent = Counter(
            "tillsammans_messages_sent",
            "Messages the outbox sender delivered; rate() of it is messages per second.",
            registry=registry,
        )
        self.outbox_attempts = Counter(
            "tillsammans_outbox_attempts",
            "The outbox sender's attempts, by outcome (sent, blocked, retry_after, ...).",
            ["outcome"],
            registry=registry,
        )
        self.outbox_queued = Gauge(
            "tillsammans_outbox_queued_messages",
            "Messages waiting in the outbox.",
            registry=registry,
        )
        self.outbox_oldest_age = Gauge(
            "tillsammans_outbox_oldest_queued_age_seconds",
            "How long the oldest message still queued has waited (0 when none is).",
            registry=registry,
        )
        self.pitches = Gauge(
            "tillsammans_pitches", "Pitches, by status.", ["status"], registry=registry
        )
        self.job_runs = Counter(
            "tillsammans_job_runs",
            "Scheduled job runs, by job (ids without numbers) and outcome (ok, error).",
            ["job", "outcome"],
            registry=registry,
        )
        self.job_misfires = Counter(
            "tillsammans_job_misfires",
            "Scheduled runs missed beyond their grace time, by job.",
            ["job"],
            registry=registry,
        )
        self.leader = Gauge(
            "tillsammans_leader",
            "1 while this process holds the role (outbox-sender, clock), else 0.",
            ["role"],
            registry=registry,
        )

    # -- what other parts report --------------------------------------------------------------
    def outbox_attempt(self, outcome: str) -> None:
        """The outbox sender's observer: one call per attempt."""
        self.outbox_attempts.labels(outcome=outcome).inc()
        if outcome == "sent":
            self.messages_sent.inc()

    def leadership(self, role: str) -> Callable[[bool], None]:
        """The observer of a role's leadership."""
        return lambda held: self.leader.labels(role=role).set(1 if held else 0)

    def watch_scheduler(self, scheduler: BaseScheduler) -> None:
        scheduler.add_listener(
            self._job_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
        )

    def _job_event(self, event: JobExecutionEvent) -> None:
        job = job_family(event.job_id)
        if event.code == EVENT_JOB_MISSED:
            self.job_misfires.labels(job=job).inc()
        elif event.exception is not None:
            self.job_runs.labels(job=job, outcome="error").inc()
            self.errors.labels(component="job", exception=type(event.exception).__name__).inc()
        else:
            self.job_runs.labels(job=job, outcome="ok").inc()

    # -- a scrape -----------------------------------------------------------------------------
    async def exposition(self) -> bytes:
        """The metrics in Prometheus' text format, with the database gauges fresh."""
        await self._count_database()
        return generate_latest(self.registry)

    async def _count_database(self) -> None:
        now = time.monotonic()
        if self._sessionmaker is None or (
            self._counted_at is not None and now - self._counted_at < self.max_age
        ):
            return
        self._counted_at = now
        try:
            async with self._sessionmaker() as session:
                backlog = await operations.outbox_backlog(session)
                pitches = await operations.pitches_by_status(session)
        except Exception as error:  # the scrape still answers; /readyz tells the rest
            logger.warning("could not count the outbox and pitches: %s", type(error).__name__)
            return
        self.outbox_queued.set(backlog.queued)
        oldest = backlog.oldest_queued_at
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        self.outbox_oldest_age.set(max(age, 0.0))
        for status in {*STATUSES, *pitches}:
            self.pitches.labels(status=status).set(pitches.get(status, 0))


def job_family(job_id: str) -> str:
    """A job id without its numbers (`event:42:remind:24h` → `event:remind:24h`), so the
    metrics have one series per kind of job, not per event."""
    return ":".join(part for part in job_id.split(":") if not part.isdigit()) or "unknown"


def api_result(error: BaseException | None) -> str:
    """The `result` label of a Bot API call."""
    if error is None:
        return "ok"
    if isinstance(error, TelegramRetryAfter):
        return "429"
    if isinstance(error, TelegramForbiddenError):
        return "403"
    if isinstance(error, TelegramServerError):
        return "5xx"
    if isinstance(error, TelegramBadRequest):
        return "400"
    if isinstance(error, TelegramNetworkError):
        return "network"
    return "error"


class UpdateMetrics(BaseMiddleware):
    """Counts and times every update (an outer middleware, so it sees every one) and tells
    the readiness probe an update arrived."""

    def __init__(self, metrics: Metrics, on_update: Callable[[], None] | None = None) -> None:
        self._metrics = metrics
        self._on_update = on_update

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if self._on_update is not None:
            self._on_update()
        kind = update_type(event)
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = "unhandled" if result is UNHANDLED else "handled"
            return result
        except Exception as error:
            self._metrics.errors.labels(component="update", exception=type(error).__name__).inc()
            raise
        finally:
            self._metrics.updates.labels(type=kind, outcome=outcome).inc()
            self._metrics.update_seconds.labels(type=kind).observe(time.perf_counter() - started)


def update_type(event: TelegramObject) -> str:
    if not isinstance(event, Update):
        return "other"
    try:
        return event.event_type
    except Exception:  # a kind of update newer than this aiogram
        return "unknown"


class BotApiMetrics(BaseRequestMiddleware):
    """Counts every Bot API call by method and result; a getUpdates that returned tells the
    readiness probe that polling works."""

    def __init__(self, metrics: Metrics, on_polled: Callable[[], None] | None = None) -> None:
        self._metrics = metrics
        self._on_polled = on_polled

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = getattr(method, "__api_method__", type(method).__name__)
        try:
            response = await make_request(bot, method)
        except Exception as error:
            self._metrics.api_calls.labels(method=name, result=api_result(error)).inc()
            raise
        self._metrics.api_calls.labels(method=name, result="ok").inc()
        if isinstance(method, GetUpdates) and self._on_polled is not None:
            self._on_polled()
        return response
