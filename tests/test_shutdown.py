"""SIGTERM to a real bot process in the middle of a burst: every update it took is handled
to the end, the rest is handled after the restart, none twice (polling and webhook)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from bot.shutdown import Grace, RunningJobs
from playground.emulator import FakeUser, TelegramEmulator
from storage.database import create_engine, create_sessionmaker
from storage.models import PitchDraft
from tests.bot_processes import BotProcess, free_port, web_env
from tests.journeys import step_of, translator

RESIDENTS = 50
T = translator("sv")


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(first_update_id=random.randrange(10**8, 2 * 10**9)) as emu:
        yield emu


@pytest.fixture
async def processes() -> AsyncIterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for process in started:
        await process.close()


async def titles(database_url: str) -> dict[int, str | None]:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            drafts = (await session.execute(select(PitchDraft))).scalars()
            return {draft.user_id: draft.title for draft in drafts}
    finally:
        await engine.dispose()


def asked_step_two(user: FakeUser) -> int:
    return sum(1 for message in user.messages if step_of(message, T, 2))


async def at_step_one(user: FakeUser) -> None:
    await user.send("/pitch")
    await user.next_messages(2, timeout=30)


@pytest.mark.parametrize("command", ["run", "web"])
async def test_sigterm_during_a_burst_leaves_no_update_half_done(
    emulator: TelegramEmulator,
    database_url: str,
    tmp_path: Path,
    processes: list[BotProcess],
    command: str,
) -> None:
    env = web_env(free_port()) if command == "web" else {}
    bot = BotProcess(emulator, database_url, tmp_path, command=command, **env)
    processes.append(bot)
    await bot.start()
    if command == "web":
        emulator.balance_webhook([bot.backend_url])
    base = random.randrange(10**6, 10**9)
    residents = [emulator.user(base + n, language_code="sv") for n in range(RESIDENTS)]
    await asyncio.gather(*(at_step_one(user) for user in residents))

    # Each answer takes a moment, so SIGTERM finds updates in flight.
    emulator.inject_latency(0.3, "sendMessage")
    for user in residents:
        await user.send(f"Idé nummer {user.id}")
    await emulator.wait_for(
        lambda: sum(map(asked_step_two, residents)) >= 5, 60, description="no answers came"
    )
    bot.terminate()
    assert await bot.wait_exit() == 0
    emulator.clear_faults()

    # What was taken was handled to the end: the draft and the bot's answer agree.
    stored = await titles(database_url)
    handled = [user for user in residents if stored[user.id] == f"Idé nummer {user.id}"]
    assert len(handled) >= 5
    for user in residents:
        saved = stored[user.id] == f"Idé nummer {user.id}"
        assert asked_step_two(user) == (1 if saved else 0), user
        if not saved:
            assert stored[user.id] is None
    log = bot.stderr()
    assert "received sigterm" in log.lower()
    assert "cut off" not in log and "Traceback" not in log and "never awaited" not in log

    # The rest is handled by the next process, and nothing a second time.
    await bot.start()
    await emulator.wait_for(
        lambda: all(asked_step_two(user) for user in residents),
        90,
        description=lambda: f"not all answered:\n{emulator.debug_summary()}",
    )
    await emulator.wait_for(lambda: not emulator.pending_updates, 30)
    assert await bot.stop() == 0
    assert [asked_step_two(user) for user in residents] == [1] * RESIDENTS
    stored = await titles(database_url)
    assert all(stored[user.id] == f"Idé nummer {user.id}" for user in residents)
    assert bot.stdout() == ""


async def test_the_clock_stops_on_sigterm(
    emulator: TelegramEmulator, database_url: str, tmp_path: Path, processes: list[BotProcess]
) -> None:
    clock = BotProcess(emulator, database_url, tmp_path, command="clock")
    processes.append(clock)
    await clock.start()
    assert await clock.stop() == 0
    assert "received SIGTERM" in clock.stderr()
    assert "Traceback" not in clock.stderr()


async def test_a_stop_lets_a_running_job_finish_and_starts_no_other() -> None:
    scheduler = AsyncIOScheduler()
    running = RunningJobs.watch(scheduler)
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def slow_job() -> None:
        started.set()
        await release.wait()
        finished.append("slow")

    scheduler.add_job(slow_job, id="slow")
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    assert running.count == 1

    stopping = asyncio.create_task(running.finish(scheduler, Grace(10)))
    await asyncio.sleep(0)
    assert not stopping.done()

    async def late_job() -> None:
        finished.append("late")

    scheduler.add_job(late_job, id="late")  # due now, but the scheduler is stopping
    for _ in range(5):  # the turns of the loop in which a running scheduler would start it
        await asyncio.sleep(0)
    release.set()
    await asyncio.wait_for(stopping, 10)
    assert finished == ["slow"]
    assert running.count == 0
    assert not scheduler.running


async def test_a_job_that_outlasts_the_grace_is_cut_off() -> None:
    scheduler = AsyncIOScheduler()
    running = RunningJobs.watch(scheduler)
    started = asyncio.Event()

    async def endless_job() -> None:
        started.set()
        await asyncio.Event().wait()

    scheduler.add_job(endless_job, id="endless")
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.wait_for(running.finish(scheduler, Grace(0.2)), 10)
    assert not scheduler.running
