"""Two real `python -m bot` processes polling the emulator on one database, each trying to be
the outbox sender and the clock: each role runs in exactly one of them; a broadcast to 500
subscribers reaches each once; when the sender's process is killed (SIGKILL) mid-broadcast,
the other takes over within seconds, nobody is missed, and only messages in flight at the
kill may arrive twice."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.leadership import CLOCK, RETRY_SECONDS, SENDER
from core.city import load_city
from core.languages import create_i18n
from core.outbox_messages import open_progress_message
from core.services.event_publishing import Audience, Renderer, send_broadcast
from core.services.roles import Roles
from playground.emulator import TelegramEmulator
from storage.database import create_engine, create_sessionmaker
from storage.models import OutboxMessage, Subscription, SubscriptionKind, User, utcnow

ADMIN = 4242
SUBSCRIBERS = list(range(700_001, 700_501))
KILL_AFTER = 150  # broadcast messages delivered before the sender's process is killed
# The standby retries every RETRY_SECONDS; starting the sender takes a moment more. The
# limit leaves room for a busy two-core machine.
TAKEOVER_LIMIT = RETRY_SECONDS + 8.0

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def until(check: Callable[[], Awaitable[T | None]], timeout: float, what: str) -> T:  # noqa: ASYNC109
    """Wait until `check()` gives something truthy (looked at every 50 ms)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s: {what}")
        await asyncio.sleep(0.05)


class BotProcess:
    """`python -m bot` in a process of its own, with JSON logs in a file."""

    def __init__(self, name: str, folder: Path, env: dict[str, str]) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = folder / f"{name}.log"
        self.env = {**env, "HEALTH_PORT": str(self.port)}
        self.folder = folder
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=self.folder,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log,
            )

    async def roles(self, session: aiohttp.ClientSession) -> dict[str, float] | None:
        """The leadership gauges of its /metrics (None while it does not answer)."""
        try:
            async with session.get(f"http://127.0.0.1:{self.port}/metrics") as response:
                page = await response.text()
        except aiohttp.ClientError:
            return None
        return {
            sample.labels["role"]: sample.value
            for family in text_string_to_metric_families(page)
            for sample in family.samples
            if sample.name == "tillsammans_leader"
        }

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> int | None:
        """SIGTERM, as a platform stops a process; SIGKILL if it does not end in time."""
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else None
        self.process.terminate()
        try:
            return await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            return None

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]


async def add_subscribers(sessionmaker: Any) -> None:
    async with sessionmaker() as session:
        session.add_all(User(telegram_id=user_id, locale="en") for user_id in SUBSCRIBERS)
        session.add_all(Subscription(user_id=user_id) for user_id in SUBSCRIBERS)
        await session.flush()
        session.add_all(
            SubscriptionKind(user_id=user_id, kind="meetup") for user_id in SUBSCRIBERS
        )
        await session.commit()


async def queue_broadcast(emulator: TelegramEmulator, sessionmaker: Any) -> int:
    """The /broadcast flow's use case: a campaign with a progress message, one outbox row per
    subscriber. Returns the campaign's id."""
    i18n = create_i18n("sv")
    bot = emulator.create_bot()
    try:
        progress = await open_progress_message(bot, i18n, chat_id=ADMIN, locale="en")
    finally:
        await bot.session.close()
    renderer = Renderer(
        i18n=i18n,
        city=load_city(),
        tz=ZoneInfo("Europe/Stockholm"),
        default_locale="sv",
    )
    async with sessionmaker() as session:
        campaign, queued = await send_broadcast(
            session,
            actor=Roles(user_id=ADMIN, is_admin=True, incubators=frozenset()),
            typed_text="Välkommen till Malmötimmen!",
            audience=Audience(),
            report_chat_id=ADMIN,
            report_message_id=progress,
            report_locale="en",
            now=utcnow(),
            renderer=renderer,
        )
    assert queued == len(SUBSCRIBERS)
    assert campaign.id is not None
    return campaign.id


async def rows(sessionmaker: Any, campaign_id: int, status: str) -> set[int]:
    async with sessionmaker() as session:
        result = await session.execute(
            select(OutboxMessage.chat_id).where(
                OutboxMessage.campaign_id == campaign_id, OutboxMessage.status == status
            )
        )
        return {int(chat_id) for chat_id in result.scalars()}


def delivered(emulator: TelegramEmulator) -> dict[int, int]:
    counts = emulator.message_counts("sendMessage")
    return {chat: counts[chat] for chat in SUBSCRIBERS if chat in counts}


def longest_pause(emulator: TelegramEmulator) -> float:
    """The longest time between two broadcast messages arriving (the kill's gap)."""
    subscribers = set(SUBSCRIBERS)
    times = sorted(
        call.time for call in emulator.calls_to("sendMessage") if call.chat_id in subscribers
    )
    return max((later - earlier for earlier, later in itertools.pairwise(times)), default=0.0)


async def test_one_sender_and_one_clock_and_a_standby_that_takes_over(
    emulator: TelegramEmulator, database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    await add_subscribers(sessionmaker)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "BOT_TOKEN": emulator.token,
        "TELEGRAM_API_URL": emulator.base_url,
        "DATABASE_URL": database_url,
        "DELIVERY_RATE": "30",
        "LOG_FORMAT": "json",
        "HEALTH_HOST": "127.0.0.1",
        "RUN_SCHEDULER": "true",
    }
    processes = [BotProcess(name, tmp_path, env) for name in ("first", "second")]
    try:
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(process.start() for process in processes))

            async def all_roles() -> list[dict[str, float]] | None:
                found = [await process.roles(http) for process in processes]
                if any(roles is None for roles in found):
                    return None
                held = [roles for roles in found if roles is not None]
                each_once = all(sum(r[role] for r in held) == 1 for role in (SENDER, CLOCK))
                return held if each_once else None

            roles = await until(all_roles, 60, "both processes up, each role held once")
            sender_index = next(i for i, r in enumerate(roles) if r[SENDER] == 1)
            leader, standby = processes[sender_index], processes[1 - sender_index]

            campaign_id = await queue_broadcast(emulator, sessionmaker)
            await emulator.wait_for(lambda: len(delivered(emulator)) >= KILL_AFTER, timeout=60)
            leader.kill()
            killed_at = time.time()
            assert leader.process is not None
            await leader.process.wait()
            recorded_at_kill = await rows(sessionmaker, campaign_id, "sent")

            async def standby_sends() -> bool:
                found = await standby.roles(http)
                return bool(found and found[SENDER] == 1)

            await until(standby_sends, 30, "the standby took over the outbox sender")
            took_over_at = time.time()
            received_by_then = set(delivered(emulator))
            await emulator.wait_for(
                lambda: len(delivered(emulator)) == len(SUBSCRIBERS), timeout=90
            )

            async def campaign_done() -> bool:
                return not await rows(sessionmaker, campaign_id, "queued")

            await until(campaign_done, 30, "every outbox row of the broadcast is done")

            async def standby_has_both() -> bool:
                found = await standby.roles(http)
                return bool(found and found[SENDER] == 1 and found[CLOCK] == 1)

            await until(standby_has_both, 30, "the surviving process runs both roles")

        counts = delivered(emulator)
        duplicates = {chat: count - 1 for chat, count in counts.items() if count > 1}
        in_flight = received_by_then - recorded_at_kill
        takeover = took_over_at - killed_at
        pause = longest_pause(emulator)
        print(  # noqa: T201 - the figure for the operators' notes
            f"\n[{database_url.split(':')[0]}] sender killed after "
            f"{len(received_by_then)} of {len(SUBSCRIBERS)} delivered; the standby held the "
            f"lock {takeover:.2f} s after the kill; deliveries paused {pause:.2f} s; in flight "
            f"at the kill {len(in_flight)}, delivered twice {sum(duplicates.values())}"
        )
        assert set(counts) == set(SUBSCRIBERS)  # nobody missed
        assert set(duplicates) <= in_flight
        assert all(count == 1 for count in duplicates.values())
        assert takeover <= TAKEOVER_LIMIT
        assert await rows(sessionmaker, campaign_id, "sent") == set(SUBSCRIBERS)

        assert await standby.stop() == 0  # SIGTERM ends it cleanly
        standby_lines, leader_lines = standby.log_lines(), leader.log_lines()
        for line in standby_lines + leader_lines:
            assert set(line) >= {"time", "level", "logger", "message", "update_id", "user_id"}
        everything = standby.log_path.read_text() + leader.log_path.read_text()
        assert emulator.token not in everything
        assert "Välkommen" not in everything
        standing_by = [
            line["message"]
            for line in standby_lines
            if "another process runs the outbox-sender" in line["message"]
        ]
        assert standing_by, "the standby did not say why it does not send"
        assert any(
            "this process now runs the outbox-sender" in line["message"] for line in standby_lines
        )
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                await process.stop()
        await engine.dispose()
