"""The outbox sender against the local Bot API emulator.

1. N recipients (default 20 000) with the overall rate limit off: deliveries/s the engine
   pushes (queue read, send, outcome recorded), against a baseline measured in the same run:
   bare `bot.send_message` calls to the same emulator, as many at once as the sender allows.
2. The rate limit at 30/s for S seconds (default 60): the achieved rate against the configured
   one, and the most sends seen in any 1-second window.
Peak memory (tracemalloc) of the sender's run is printed too.

`python -m bench.delivery [--recipients N] [--seconds S]`
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import tempfile
import time
import tracemalloc
from pathlib import Path

from aiogram import Bot

from bot.delivery import OutboxSender
from bot.delivery_outcomes import DeliveryOptions
from core.languages import create_i18n
from core.outbox_messages import text_payload
from playground.emulator import TelegramEmulator
from storage import outbox
from storage.database import create_engine, create_sessionmaker
from storage.migrate import upgrade_to_head
from storage.outbox import QueuedMessage

FIRST_CHAT = 10_000_000
CONCURRENCY = 32


async def _queue(sessionmaker: object, recipients: int) -> None:
    messages = (
        QueuedMessage(
            FIRST_CHAT + n,
            text_payload(f"<b>Malmö Hour</b> on Thursday · {n}"),
            dedupe_key=f"bench:{n}",
        )
        for n in range(recipients)
    )
    async with sessionmaker() as session:  # type: ignore[operator]
        await outbox.enqueue(session, list(messages))
        await session.commit()


def _sends(emulator: TelegramEmulator) -> list[float]:
    return sorted(call.time for call in emulator.calls_to("sendMessage") if call.ok)


def busiest_second(times: list[float]) -> int:
    """The most sends in any window of one second."""
    return max(
        (bisect.bisect_left(times, start + 1.0) - index for index, start in enumerate(times)),
        default=0,
    )


async def _sender_run(
    folder: Path, recipients: int, *, trace_memory: bool
) -> tuple[float, int, int]:
    """Deliver `recipients` queued messages, no rate limit; (seconds, delivered, peak bytes).
    Tracing memory slows Python down, so the timed run and the traced one are separate."""
    engine = create_engine(f"sqlite+aiosqlite:///{folder / f'outbox-{trace_memory}.db'}")
    await upgrade_to_head(engine)
    sessionmaker = create_sessionmaker(engine)
    await _queue(sessionmaker, recipients)
    async with TelegramEmulator() as emulator:
        bot = emulator.create_bot()
        sender = OutboxSender(
            bot,
            sessionmaker,
            create_i18n("sv"),
            options=DeliveryOptions(rate=None, concurrency=CONCURRENCY, batch_size=500),
        )
        if trace_memory:
            tracemalloc.start()
        started = time.perf_counter()
        await sender.run_until_idle()
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace_memory else 0
        tracemalloc.stop()
        await bot.session.close()
        delivered = len(_sends(emulator))
    await engine.dispose()
    return seconds, delivered, peak


async def _baseline(recipients: int) -> tuple[float, int]:
    """Bare send_message calls, CONCURRENCY at once, no database."""
    async with TelegramEmulator() as emulator:
        bot: Bot = emulator.create_bot()
        slots = asyncio.Semaphore(CONCURRENCY)

        async def one(n: int) -> None:
            async with slots:
                await bot.send_message(FIRST_CHAT + n, f"<b>Malmö Hour</b> on Thursday · {n}")

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(recipients)))
        seconds = time.perf_counter() - started
        await bot.session.close()
        return seconds, len(_sends(emulator))


async def _rate_limited(folder: Path, rate: float, seconds: float) -> tuple[float, int, int]:
    """Run the sender at `rate` for `seconds` with more queued than it can send."""
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'limited.db'}")
    await upgrade_to_head(engine)
    sessionmaker = create_sessionmaker(engine)
    await _queue(sessionmaker, int(rate * seconds * 1.5) + 100)
    async with TelegramEmulator() as emulator:
        bot = emulator.create_bot()
        sender = OutboxSender(
            bot, sessionmaker, create_i18n("sv"), options=DeliveryOptions(rate=rate)
        )
        sender.start()
        await asyncio.sleep(seconds)
        await sender.stop()
        await bot.session.close()
        times = _sends(emulator)
    await engine.dispose()
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    achieved = (len(times) - 1) / span if span else 0.0
    return achieved, len(times), busiest_second(times)


async def run(recipients: int, seconds: float, rate: float = 30.0) -> None:
    print(f"outbox sender, {recipients} recipients, SQLite, local emulator on 127.0.0.1")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        engine_seconds, delivered, _ = await _sender_run(folder, recipients, trace_memory=False)
        _, _, peak = await _sender_run(folder, recipients, trace_memory=True)
        base_seconds, base_delivered = await _baseline(recipients)
        engine_rate = delivered / engine_seconds
        base_rate = base_delivered / base_seconds
        print(
            f"  rate limit off: {delivered} delivered in {engine_seconds:.2f} s = "
            f"{engine_rate:.0f}/s; peak Python memory {peak / 1_048_576:.1f} MiB (tracemalloc, "
            "sender and emulator together)"
        )
        print(
            f"  baseline (bare send_message, {CONCURRENCY} at once): {base_delivered} in "
            f"{base_seconds:.2f} s = {base_rate:.0f}/s; "
            f"engine/baseline {engine_rate / base_rate:.2f}x"
        )
        achieved, sent, busiest = await _rate_limited(folder, rate, seconds)
        print(
            f"  rate limit {rate:.0f}/s for {seconds:.0f} s: {sent} sent, achieved "
            f"{achieved:.2f}/s = {achieved / rate:.3f} of the configured rate; "
            f"busiest second {busiest} sends ({busiest / rate:.2f}x the rate)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.delivery", description=__doc__)
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="the rate-limited run")
    parser.add_argument("--rate", type=float, default=30.0, help="messages/s of that run")
    args = parser.parse_args()
    asyncio.run(run(args.recipients, args.seconds, args.rate))


if __name__ == "__main__":
    main()
