"""`python -m bot web`: updates posted by Telegram to WEBHOOK_URL, behind a reverse proxy.

A request is answered 200 only once its update is handled, so Telegram re-sends what a
stopped or failed process did not finish; redelivered updates are handled once
(bot/redelivery.py). On SIGTERM new requests get 503 while those in flight finish."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import traceback
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from bot.app import UpdateProcess
from bot.health import Probes, add_health_routes
from bot.metrics import Metrics
from bot.redelivery import HANDLING_BOUND_SECONDS
from bot.shutdown import Grace, finish_tasks, on_stop_signal
from core.config import ConfigError, Settings

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class WebhookHandler(SimpleRequestHandler):
    """aiogram's request handler, answering only once the update is handled (within
    `bound` seconds), refusing a wrong secret with 401 and, once draining, with 503."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        *,
        secret_token: str,
        concurrency: int,
        bound: float = HANDLING_BOUND_SECONDS,
    ) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret_token)
        self.bound = bound
        self.accepting = True
        # As many updates at once as polling handles (the database pool is sized for them).
        self._slots = asyncio.Semaphore(concurrency)
        self._in_flight: set[asyncio.Task[None]] = set()

    async def handle(self, request: web.Request) -> web.Response:
        if not self.accepting:
            return web.Response(status=503, text="Stopping")
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), self.bot):
            why = "a wrong" if SECRET_HEADER in request.headers else "no"
            logger.warning("refused a webhook request with %s secret token", why)
            return web.Response(status=401, text="Unauthorized")
        update = await self._read_update(request)
        if update is None:
            return web.Response(status=400, text="Bad Request")
        task = asyncio.create_task(self._feed(update))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        # Not cancelled when the request ends early: the update is handled to the end.
        done, _ = await asyncio.wait({task}, timeout=self.bound)
        if not done:
            logger.warning(
                "update %s takes longer than %s s; it goes on, Telegram will send it again",
                update.update_id,
                self.bound,
            )
            return web.Response(status=503, text="Still handling")
        if task.cancelled() or task.exception() is not None:
            return web.Response(status=500, text="Not handled")
        return web.json_response({})

    async def _read_update(self, request: web.Request) -> Update | None:
        try:
            raw = await request.json(loads=self.bot.session.json_loads)
            return Update.model_validate(raw, context={"bot": self.bot})
        except (ValueError, ValidationError):
            logger.warning("refused a webhook request that is not an update")
            return None

    async def _feed(self, update: Update) -> None:
        try:
            async with self._slots:
                result = await self.dispatcher.feed_update(self.bot, update, **self.data)
                if isinstance(result, TelegramMethod):
                    await self.dispatcher.silent_call_request(bot=self.bot, result=result)
        except Exception as error:
            # The traceback without the exception's message: that may quote what was written.
            logger.error(
                "update %s failed: %s (Telegram will send it again)\n%s",
                update.update_id,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            raise

    async def drain(self, grace: Grace) -> None:
        """Take no new updates (503) and let those in flight finish within the grace."""
        self.accepting = False
        await finish_tasks(list(self._in_flight), "updates", grace)

    async def close(self) -> None:
        """The bot's session outlives the server: the outbox sender finishes after it."""


def listen_host(webhook_url: str) -> str:
    """Behind a proxy on this machine (a loopback URL) listen there only, else everywhere."""
    host = urlsplit(webhook_url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return "127.0.0.1" if loopback else "0.0.0.0"  # noqa: S104 - the proxy reaches us


async def start_server(
    handler: WebhookHandler,
    *,
    webhook_url: str,
    port: int,
    probes: Probes | None = None,
    metrics: Metrics | None = None,
) -> web.AppRunner:
    """The aiohttp server on PORT at WEBHOOK_URL's path (AppRunner: no banner printed),
    with /healthz, /readyz and /metrics beside it when given the probes."""
    app = web.Application()
    handler.register(app, path=urlsplit(webhook_url).path or "/")
    if probes is not None:
        add_health_routes(app, probes, metrics)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=5)
    await runner.setup()
    await web.TCPSite(runner, listen_host(webhook_url), port).start()
    return runner


async def register_webhook(
    bot: Bot, dispatcher: Dispatcher, settings: Settings, *, webhook_url: str, secret: str
) -> None:
    """setWebhook with the secret and the update types used (idempotent: every process of
    several may call it); a URL Telegram refuses is a configuration error."""
    try:
        await bot.set_webhook(
            webhook_url,
            secret_token=secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
            max_connections=settings.max_concurrent_updates,
            drop_pending_updates=False,
        )
    except TelegramBadRequest as error:
        msg = f"WEBHOOK_URL was refused by Telegram ({error.message}): check the URL."
        raise ConfigError(msg) from None


def lifecycle_data(bot: Bot, dispatcher: Dispatcher) -> dict[str, Any]:
    """What the startup and shutdown hooks are given, as with polling."""
    return {**dispatcher.workflow_data, "bot": bot, "dispatcher": dispatcher}


async def run_webhook(settings: Settings) -> None:
    """Serve the webhook until SIGTERM or SIGINT, then stop without losing an update."""
    webhook_url, secret = settings.require_webhook()
    process = await UpdateProcess.wire(settings, polling=False)
    bot, dispatcher = process.bot, process.dispatcher
    handler = WebhookHandler(
        dispatcher, bot, secret_token=secret, concurrency=settings.max_concurrent_updates
    )
    stop = asyncio.Event()
    restore_signals = on_stop_signal(stop.set)
    runner: web.AppRunner | None = None
    started = False
    try:
        async with contextlib.AsyncExitStack() as operations:
            await dispatcher.emit_startup(**lifecycle_data(bot, dispatcher))
            started = True
            await process.operate(operations, settings)
            runner = await start_server(
                handler,
                webhook_url=webhook_url,
                port=settings.port,
                probes=dispatcher["probes"],
                metrics=dispatcher["metrics"],
            )
            await register_webhook(
                bot, dispatcher, settings, webhook_url=webhook_url, secret=secret
            )
            logger.info("taking updates at the webhook, port %s", settings.port)
            await stop.wait()
            dispatcher["probes"].shut_down()
            grace: Grace = dispatcher["grace"]
            grace.begin()
            await handler.drain(grace)
    finally:
        restore_signals()
        if runner is not None:
            await runner.cleanup()
        if started:
            await dispatcher.emit_shutdown(**lifecycle_data(bot, dispatcher))
        await dispatcher.storage.close()
        await process.close()
