"""The webhook's request handler in the test's own process: an update answered 200 only once
handled, a slow one left running while Telegram is told to send it again, a stop that lets
the updates in flight finish while new ones get 503."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiogram import Dispatcher, Router
from aiogram.types import Message
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.redelivery import DatabaseLedger, HandleOnce
from bot.shutdown import Grace
from bot.webhook import WebhookHandler, start_server
from playground.emulator import TelegramEmulator
from tests.bot_processes import free_port

SECRET = "in-process_secret"


@dataclass
class Served:
    emulator: TelegramEmulator
    handler: WebhookHandler
    url: str
    release: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    handled: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def update(self, update_id: int, text: str = "slow") -> dict[str, object]:
        user = self.emulator.user(77)
        return {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1_700_000_000,
                "chat": user.chat_dict(),
                "from": user.as_dict(),
                "text": text,
            },
        }

    async def post(self, update: dict[str, object]) -> int | None:
        return await self.emulator.post_update(update, url=self.url, secret=SECRET)


@pytest.fixture
async def served(
    emulator: TelegramEmulator, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Served]:
    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(HandleOnce(DatabaseLedger(sessionmaker)))
    router = Router()
    dispatcher.include_router(router)
    bot = emulator.create_bot()
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    handler = WebhookHandler(dispatcher, bot, secret_token=SECRET, concurrency=4, bound=0.5)
    served = Served(emulator, handler, url)

    @router.message()
    async def on_message(message: Message) -> None:
        served.started.set()
        if message.text == "slow":
            await served.release.wait()
        text = message.text or ""
        if text.startswith("fails once") and message.message_id not in served.failed:
            served.failed.append(message.message_id)
            raise RuntimeError(text)  # an exception quoting what the resident wrote
        served.handled.append(message.message_id)

    runner: web.AppRunner = await start_server(handler, webhook_url=url, port=port)
    try:
        yield served
    finally:
        served.release.set()
        await handler.drain(Grace(5))
        await runner.cleanup()
        await bot.session.close()


async def test_a_slow_update_goes_on_and_its_copy_waits_for_it(served: Served) -> None:
    update = served.update(1)
    assert await served.post(update) == 503  # past the bound: Telegram will send it again
    assert served.handled == []
    copy = asyncio.create_task(served.post(update))
    served.release.set()
    assert await copy == 200
    assert served.handled == [1]
    assert await served.post(update) == 200
    assert served.handled == [1]


async def test_a_stop_finishes_the_updates_in_flight_and_refuses_new_ones(
    served: Served,
) -> None:
    in_flight = asyncio.create_task(served.post(served.update(2)))
    await served.started.wait()
    draining = asyncio.create_task(served.handler.drain(Grace(5)))
    await served.emulator.wait_for(lambda: not served.handler.accepting)
    assert await served.post(served.update(3, text="quick")) == 503
    assert not draining.done()
    served.release.set()
    await draining
    assert await in_flight == 200
    assert served.handled == [2]


async def test_a_failed_update_gets_500_and_is_handled_when_sent_again(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    update = served.update(4, text="fails once: Lucía's secret idea")
    assert await served.post(update) == 500
    assert served.failed == [4] and served.handled == []
    assert "update 4 failed: RuntimeError" in caplog.text
    assert "secret idea" not in caplog.text
    assert await served.post(update) == 200
    assert served.handled == [4]
