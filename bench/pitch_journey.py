"""N residents complete the whole pitch journey at once against the local Bot API emulator.

Prints updates/s and p50/p95/p99 handling latency (time inside the Dispatcher per update)
and round trip (a resident's action until the bot's answer arrives), then the same for a
bare echo router on the same emulator in the same run, and the ratios between the two.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Dispatcher, F, Router
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.app import (
    create_bot,
    create_dispatcher,
    load_city_data,
    polling_options,
    prepare_database,
)
from core.config import Settings
from playground.emulator import FakeUser, TelegramEmulator
from storage.database import create_sessionmaker
from tests.journeys import walk_to_summary


@dataclass
class Figures:
    name: str
    updates: int = 0
    seconds: float = 0.0
    handling_ms: list[float] = field(default_factory=list)
    round_trip_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def time_updates(dispatcher: Dispatcher, figures: Figures) -> None:
    """An outer middleware that records how long each update takes inside the Dispatcher."""

    async def timer(
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            figures.handling_ms.append((time.perf_counter() - started) * 1000)
            figures.updates += 1

    dispatcher.update.outer_middleware(timer)


class RoundTrips:
    """Wraps a resident so each action's wait for the bot's answer is timed."""

    def __init__(self, user: FakeUser, figures: Figures) -> None:
        self._user, self._figures = user, figures

    def __getattr__(self, name: str) -> Any:
        return getattr(self._user, name)

    async def next_message(self, timeout: float = 30.0) -> Any:  # noqa: ASYNC109
        started = time.perf_counter()
        message = await self._user.next_message(timeout=timeout)
        self._figures.round_trip_ms.append((time.perf_counter() - started) * 1000)
        return message


async def _pitching(emulator: TelegramEmulator, database_url: str, residents: int) -> Figures:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=emulator.token,
        telegram_api_url=emulator.base_url,
        database_url=database_url,
        redis_url=None,
        admin_ids=[],
        log_level="WARNING",
    )
    city = load_city_data(settings)
    engine = await prepare_database(settings, city)
    dispatcher = create_dispatcher(settings, sessionmaker=create_sessionmaker(engine), city=city)
    figures = Figures("pitch journey")
    time_updates(dispatcher, figures)
    bot = create_bot(settings)
    users = [emulator.user(100_000 + n, language_code="en") for n in range(residents)]

    async def one(user: FakeUser) -> None:
        timed = RoundTrips(user, figures)
        summary = await walk_to_summary(timed, "en")  # type: ignore[arg-type]
        await user.press("✅ Send it", message=summary)
        await timed.next_message()

    options = polling_options(settings, dispatcher)
    async with emulator.polling(dispatcher, bot, polling_timeout=1, **options):
        started = time.perf_counter()
        await asyncio.gather(*(one(user) for user in users))
        figures.seconds = time.perf_counter() - started
    await engine.dispose()
    return figures


async def _echo(emulator: TelegramEmulator, residents: int, steps: int) -> Figures:
    """The baseline: as many updates per resident, each answered by a bare echo."""
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        builder = InlineKeyboardBuilder()
        builder.button(text="again", callback_data="again")
        await message.answer(message.text or "", reply_markup=builder.as_markup())

    @router.callback_query()
    async def again(callback: CallbackQuery) -> None:
        await callback.answer()
        await callback.message.answer("again")  # type: ignore[union-attr]

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    figures = Figures("echo router")
    time_updates(dispatcher, figures)
    bot = emulator.create_bot()
    users = [emulator.user(200_000 + n, language_code="en") for n in range(residents)]

    async def one(user: FakeUser) -> None:
        timed = RoundTrips(user, figures)
        for step in range(steps):
            if step % 2:
                await user.press("again")
            else:
                await user.send(f"message {step}")
            await timed.next_message()

    async with emulator.polling(dispatcher, bot, polling_timeout=1):
        started = time.perf_counter()
        await asyncio.gather(*(one(user) for user in users))
        figures.seconds = time.perf_counter() - started
    return figures


def report(figures: Figures) -> None:
    h, r = figures.handling_ms, figures.round_trip_ms
    print(
        f"{figures.name:>14}: {figures.updates:6d} updates in {figures.seconds:6.2f} s = "
        f"{figures.rate:7.1f} updates/s | handling ms p50 {percentile(h, 0.5):6.1f} "
        f"p95 {percentile(h, 0.95):6.1f} p99 {percentile(h, 0.99):6.1f} | round trip ms "
        f"p50 {percentile(r, 0.5):6.1f} p95 {percentile(r, 0.95):6.1f} "
        f"p99 {percentile(r, 0.99):6.1f}"
    )


async def run(residents: int) -> None:
    print(f"{residents} residents at once, SQLite, local emulator on 127.0.0.1")
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        async with TelegramEmulator() as emulator:
            pitching = await _pitching(emulator, database_url, residents)
        async with TelegramEmulator() as emulator:
            echo = await _echo(emulator, residents, steps=pitching.updates // residents)
    report(pitching)
    report(echo)
    median = statistics.median
    print(
        f"ratio pitch/echo: throughput {pitching.rate / echo.rate:.2f}x, handling p50 "
        f"{median(pitching.handling_ms) / median(echo.handling_ms):.1f}x, round trip p50 "
        f"{median(pitching.round_trip_ms) / median(echo.round_trip_ms):.1f}x"
    )
