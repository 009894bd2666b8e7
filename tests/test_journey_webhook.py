"""`python -m bot web` as real processes behind the emulator's round-robin "proxy": a whole
pitch across two processes, the secret checked, every update handled once."""

from __future__ import annotations

import asyncio
import os
import random
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from playground.emulator import FakeUser, TelegramEmulator
from storage.database import create_engine, create_sessionmaker
from storage.models import HandledUpdate, Pitch, User
from tests.bot_processes import WEBHOOK_SECRET, BotProcess, free_port, web_env
from tests.databases import PostgresTemplates
from tests.journeys import press, translator, walk_to_summary

REDIS_URL = os.environ.get("TEST_REDIS_URL")
REFERENCE = re.compile(r"MT-\d{4}-\d{4}")


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    # Update ids of their own: Redis remembers handled ones for a day, across test runs.
    async with TelegramEmulator(first_update_id=random.randrange(10**8, 2 * 10**9)) as emu:
        yield emu


@pytest.fixture
async def postgres_url(postgres_templates: PostgresTemplates | None) -> AsyncIterator[str]:
    """Several web processes share PostgreSQL (SQLite is the one-process default)."""
    if postgres_templates is None:
        pytest.skip("TEST_DATABASE_URL is not set; PostgreSQL runs in CI")
    url = await asyncio.wrap_future(postgres_templates.copy())
    try:
        yield url
    finally:
        postgres_templates.drop(url)


@pytest.fixture
async def processes() -> AsyncIterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for process in started:
        await process.close()


def resident(emulator: TelegramEmulator, language: str) -> FakeUser:
    return emulator.user(
        random.randrange(10**6, 10**9), first_name="Lucía", language_code=language
    )


async def start_web(
    emulator: TelegramEmulator,
    database_url: str,
    folder: Path,
    processes: list[BotProcess],
    *,
    count: int = 1,
    **env: str,
) -> list[BotProcess]:
    """`count` web processes on one database, behind the emulator's balancer."""
    proxy_port = free_port()
    started = [
        BotProcess(
            emulator,
            database_url,
            folder,
            command="web",
            name=f"web{n}",
            **web_env(proxy_port),
            **env,
        )
        for n in range(count)
    ]
    processes.extend(started)
    await asyncio.gather(*(process.start() for process in started))
    emulator.balance_webhook([process.backend_url for process in started])
    return started


async def count_rows(database_url: str, model: type) -> int:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return (await session.execute(select(func.count()).select_from(model))).scalar_one()
    finally:
        await engine.dispose()


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set; Redis runs in CI")
async def test_a_pitch_in_spanish_completes_across_two_web_processes(
    emulator: TelegramEmulator,
    postgres_url: str,
    tmp_path: Path,
    processes: list[BotProcess],
) -> None:
    database_url = postgres_url
    first, second = await start_web(
        emulator, database_url, tmp_path, processes, count=2, REDIS_URL=str(REDIS_URL)
    )
    assert emulator.webhook is not None
    assert emulator.webhook["secret_token"] == WEBHOOK_SECRET
    assert "callback_query" in emulator.webhook["allowed_updates"]
    lucia = resident(emulator, "es")
    t = translator("es")

    summary = await walk_to_summary(lucia, "es", title="Taller de bicis en Seved")
    confirmation = await press(lucia, t("✅ Send it"), summary)
    reference = REFERENCE.search(confirmation.text or "")
    assert reference is not None

    # Every step was taken by one process or the other, in turn, each answered 200 once.
    deliveries = [d for d in emulator.deliveries if d.status is not None]
    assert len(deliveries) >= 12
    assert all(d.status == 200 for d in deliveries)
    backends = [first.backend_url, second.backend_url]
    assert [d.url for d in deliveries] == [backends[n % 2] for n in range(len(deliveries))]
    assert len({d.update_id for d in deliveries}) == len(deliveries)

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            pitch = (await session.execute(select(Pitch))).scalar_one()
    finally:
        await engine.dispose()
    assert pitch.reference == reference.group()
    assert pitch.language == "es"
    assert pitch.title == "Taller de bicis en Seved"

    assert await first.stop() == 0
    assert await second.stop() == 0
    # With aiohttp's AppRunner nothing is printed: the logs are all on stderr.
    assert first.stdout() == "" and second.stdout() == ""
    assert WEBHOOK_SECRET not in first.stderr() + second.stderr()


async def test_a_wrong_or_missing_secret_gets_401_and_nothing_happens(
    emulator: TelegramEmulator,
    database_url: str,
    tmp_path: Path,
    processes: list[BotProcess],
) -> None:
    (web,) = await start_web(emulator, database_url, tmp_path, processes)
    lucia = resident(emulator, "es")
    update = {
        "update_id": 42,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": lucia.chat_dict(),
            "from": lucia.as_dict(),
            "text": "/start",
        },
    }
    assert await emulator.post_update(update, secret="not-the-secret_1") == 401
    assert await emulator.post_update(update, secret=None) == 401
    assert await emulator.post_update({"not": "an update"}) == 400
    assert emulator.messages_to(lucia.id) == []
    assert await count_rows(database_url, User) == 0
    assert await count_rows(database_url, HandledUpdate) == 0

    assert await web.stop() == 0
    log = web.stderr()
    assert log.count("refused a webhook request with a wrong secret token") == 1
    assert log.count("refused a webhook request with no secret token") == 1
    assert "not-the-secret_1" not in log
    assert WEBHOOK_SECRET not in log
    assert web.stdout() == ""


async def test_an_update_posted_twice_and_after_a_restart_is_handled_once(
    emulator: TelegramEmulator,
    database_url: str,
    tmp_path: Path,
    processes: list[BotProcess],
) -> None:
    (web,) = await start_web(emulator, database_url, tmp_path, processes)
    lucia = resident(emulator, "es")
    update_id = emulator.queue_update(
        "message",
        {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": lucia.chat_dict(),
            "from": lucia.as_dict(),
            "text": "/start",
        },
    )
    update = emulator.updates[-1]
    welcome = await lucia.next_message()
    assert welcome.text
    await emulator.wait_for(lambda: not emulator.pending_updates)

    # Telegram did not get the answer, say, and sends it again; twice at once, even.
    statuses = await asyncio.gather(*(emulator.post_update(update) for _ in range(3)))
    assert statuses == [200, 200, 200]
    await web.stop()
    await web.start()
    assert await emulator.post_update(update, url=web.backend_url) == 200

    assert [m.text for m in emulator.messages_to(lucia.id)] == [welcome.text]
    assert len(emulator.deliveries_of(update_id)) == 5
    assert "was handled already; not again" in web.stderr()
