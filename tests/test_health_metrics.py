"""/healthz, /readyz and /metrics of the running bot: readiness follows the database, Redis,
Telegram and shutting down; the metrics parse as Prometheus' format and move with traffic."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import psycopg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.health import Probes, create_health_app, database_check
from bot.metrics import Metrics, job_family
from core.outbox_messages import text_payload
from playground.emulator import TelegramEmulator
from storage import outbox
from storage.database import create_sessionmaker
from storage.models import utcnow
from storage.outbox import QueuedMessage
from tests.conftest import POSTGRES_URL, REDIS_URL, RunningBot
from tests.journeys import press, walk_to_summary

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def health(running_bot: RunningBot) -> AsyncIterator[TestClient[Any, Any]]:
    """The health routes of the running bot, served as the health server serves them."""
    app = create_health_app(running_bot.dispatcher["probes"], running_bot.dispatcher["metrics"])
    async with TestClient(TestServer(app)) as client:
        yield client


async def readiness(client: TestClient[Any, Any]) -> tuple[int, dict[str, Any]]:
    response = await client.get("/readyz")
    return response.status, json.loads(await response.text())


async def scrape(client: TestClient[Any, Any]) -> Samples:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_ready_once_telegram_answers_and_metrics_move_with_traffic(
    emulator: TelegramEmulator, running_bot: RunningBot, health: TestClient[Any, Any]
) -> None:
    metrics: Metrics = running_bot.dispatcher["metrics"]
    metrics.max_age = 0.0  # count the database at every scrape
    alive = await health.get("/healthz")
    assert alive.status == 200
    amina = emulator.user(1001, first_name="Amina", language_code="en")
    await amina.send("/start")
    await amina.next_message()
    status, body = await readiness(health)
    assert (status, body["status"]) == (200, "ready")
    assert body["checks"] == {"database": "ok", "updates": "ok", "shutdown": "no"}
    before = await scrape(health)
    assert value(before, "tillsammans_leader", role="outbox-sender") == 1
    assert value(before, "tillsammans_pitches", status="received") == 0

    summary = await walk_to_summary(amina, "en")
    await press(amina, "✅ Send it", summary)
    after = await scrape(health)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("tillsammans_updates_total", type="message", outcome="handled") >= 5
    assert grew("tillsammans_updates_total", type="callback_query", outcome="handled") >= 5
    assert grew("tillsammans_update_handling_seconds_count", type="callback_query") >= 5
    assert grew("tillsammans_bot_api_calls_total", method="sendMessage", result="ok") >= 10
    assert grew("tillsammans_bot_api_calls_total", method="answerCallbackQuery", result="ok") >= 5
    assert value(after, "tillsammans_pitches", status="received") == 1
    assert [key for key in after if key[0] == "tillsammans_errors_total"] == []


async def test_outbox_metrics_count_sends_refusals_and_what_waits(
    emulator: TelegramEmulator, running_bot: RunningBot, health: TestClient[Any, Any]
) -> None:
    metrics: Metrics = running_bot.dispatcher["metrics"]
    metrics.max_age = 0.0
    later = utcnow() + timedelta(hours=1)
    async with running_bot.sessionmaker() as session:
        waiting = [
            QueuedMessage(3001 + n, text_payload("later"), not_before=later) for n in (0, 1)
        ]
        await outbox.enqueue(session, waiting, now=utcnow() - timedelta(minutes=2))
        await session.commit()
    queued = await scrape(health)
    assert value(queued, "tillsammans_outbox_queued_messages") == 2
    assert value(queued, "tillsammans_outbox_oldest_queued_age_seconds") >= 120

    emulator.inject_error("sendMessage", 429, retry_after=1, chat_id=2001)
    emulator.inject_error("sendMessage", 403, chat_id=2002)
    async with running_bot.sessionmaker() as session:
        now = [QueuedMessage(chat_id, text_payload("hej")) for chat_id in (2001, 2002, 2003)]
        await outbox.enqueue(session, now)
        await session.commit()
    running_bot.sender.wake()
    await emulator.wait_for(lambda: {2001, 2003} <= set(emulator.message_counts("sendMessage")))
    await emulator.wait_for(lambda: value(metrics_now(metrics), "tillsammans_messages_sent_total"))
    done = await scrape(health)
    assert value(done, "tillsammans_messages_sent_total") == 2
    assert value(done, "tillsammans_outbox_attempts_total", outcome="retry_after") == 1
    assert value(done, "tillsammans_outbox_attempts_total", outcome="blocked") == 1
    calls = "tillsammans_bot_api_calls_total"
    assert value(done, calls, method="sendMessage", result="429") == 1
    assert value(done, calls, method="sendMessage", result="403") == 1
    # No update came in this test: a getUpdates that returned is what makes the bot ready.
    await emulator.wait_for(
        lambda: value(metrics_now(metrics), calls, method="getUpdates", result="ok"), timeout=10
    )
    status, body = await readiness(health)
    assert (status, body["checks"]["updates"]) == (200, "ok")


def metrics_now(metrics: Metrics) -> Samples:
    """The registry as it is, without a scrape (and without touching the database)."""
    from prometheus_client import generate_latest

    samples: Samples = {}
    for family in text_string_to_metric_families(generate_latest(metrics.registry).decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


async def test_not_ready_while_shutting_down(
    emulator: TelegramEmulator, running_bot: RunningBot, health: TestClient[Any, Any]
) -> None:
    await emulator.user(1002, language_code="en").send("/start")
    await emulator.wait_for(lambda: emulator.messages_to(1002))
    assert (await readiness(health))[0] == 200
    await running_bot.stop()
    status, body = await readiness(health)
    assert (status, body["status"]) == (503, "not ready")
    assert body["checks"]["shutdown"] == "shutting down"
    assert (await health.get("/healthz")).status == 200


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_not_ready_while_the_database_refuses_connections(
    emulator: TelegramEmulator,
    database_url: str,
    running_bot: RunningBot,
    health: TestClient[Any, Any],
) -> None:
    """The bot's own database stops taking connections (and loses the ones it had): not
    ready; once it takes them again, ready again."""
    await emulator.user(1003, language_code="en").send("/start")
    await emulator.wait_for(lambda: emulator.messages_to(1003))
    assert (await readiness(health))[0] == 200
    assert POSTGRES_URL is not None
    name = make_url(database_url).database
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql")
    with psycopg.connect(admin_url.render_as_string(hide_password=False), autocommit=True) as db:
        db.execute(
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(sql.Identifier(name))
        )
        db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        try:
            status, body = await readiness(health)
            assert (status, body["checks"]["database"]) == (503, "unreachable")
        finally:
            db.execute(
                sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(
                    sql.Identifier(name)
                )
            )
    status, body = await readiness(health)
    assert (status, body["checks"]["database"]) == (200, "ok")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    "unreachable",
    [
        "postgresql+asyncpg://postgres@127.0.0.1:{port}/nothing",
        "sqlite+aiosqlite:////nonexistent-folder-{port}/bot.db",
    ],
)
async def test_a_database_that_cannot_be_reached_is_not_ready(unreachable: str) -> None:
    engine = create_async_engine(unreachable.format(port=closed_port()))
    probes = Probes(database=database_check(create_sessionmaker(engine)), timeout=10)
    probes.heard_from_telegram()
    try:
        state = await probes.readiness()
    finally:
        await engine.dispose()
    assert not state.ready
    assert state.checks == {"database": "unreachable", "shutdown": "no"}


async def test_readiness_follows_telegram_and_redis() -> None:
    moment = [1000.0]

    async def fine() -> None:
        return None

    async def refused() -> None:
        raise ConnectionRefusedError

    probes = Probes(
        database=fine, redis=refused, updates_fresh_within=60, monotonic=lambda: moment[0]
    )
    state = await probes.readiness()
    assert state.checks == {
        "database": "ok",
        "redis": "unreachable",
        "updates": "none yet",
        "shutdown": "no",
    }
    probes = Probes(
        database=fine, redis=fine, updates_fresh_within=60, monotonic=lambda: moment[0]
    )
    probes.heard_from_telegram()
    moment[0] += 60
    assert (await probes.readiness()).ready
    moment[0] += 1
    state = await probes.readiness()
    assert not state.ready
    assert state.checks["updates"] == "stale"


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set; Redis runs in CI")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_redis_is_checked_when_configured(
    emulator: TelegramEmulator, database_url: str
) -> None:
    from tests.conftest import make_settings

    runner = RunningBot(emulator, make_settings(emulator, database_url, redis_url=REDIS_URL))
    await runner.start()
    try:
        state = await runner.dispatcher["probes"].readiness()
    finally:
        await runner.stop()
    assert state.checks["redis"] == "ok"


@given(
    parts=st.lists(
        st.one_of(
            st.integers(0, 10**9).map(str), st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
        ),
        min_size=1,
        max_size=5,
    )
)
def test_a_job_family_never_holds_a_number_and_keeps_the_words(parts: list[str]) -> None:
    family = job_family(":".join(parts))
    words = [part for part in parts if not part.isdigit()]
    assert family == (":".join(words) or "unknown")
    assert not any(part.isdigit() for part in family.split(":"))


def test_job_ids_become_families_without_numbers() -> None:
    assert job_family("event:42:remind:24h") == "event:remind:24h"
    assert job_family("event:7:publish") == "event:publish"
    assert job_family("digest:weekly") == "digest:weekly"
    assert job_family("housekeeping:stale-drafts") == "housekeeping:stale-drafts"


async def test_job_runs_errors_and_misfires_are_counted() -> None:
    from datetime import UTC, datetime

    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    metrics = Metrics()
    scheduler = AsyncIOScheduler(timezone=UTC)
    metrics.watch_scheduler(scheduler)
    finished = asyncio.Event()
    seen: list[str] = []

    def note(event: Any) -> None:
        seen.append(event.job_id)
        if len(seen) == 3:
            finished.set()

    scheduler.add_listener(note, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    async def works() -> None:
        return None

    async def fails() -> None:
        raise ValueError("no")

    now = datetime.now(UTC)
    scheduler.add_job(works, "date", run_date=now, id="event:42:publish")
    scheduler.add_job(fails, "date", run_date=now, id="event:43:remind:1h")
    missed = now - timedelta(hours=1)
    scheduler.add_job(works, "date", run_date=missed, id="digest:weekly", misfire_grace_time=1)
    scheduler.start()
    try:
        await asyncio.wait_for(finished.wait(), 10)
    finally:
        scheduler.shutdown(wait=False)
    samples = metrics_now(metrics)
    runs = "tillsammans_job_runs_total"
    assert value(samples, runs, job="event:publish", outcome="ok") == 1
    assert value(samples, runs, job="event:remind:1h", outcome="error") == 1
    assert value(samples, "tillsammans_job_misfires_total", job="digest:weekly") == 1
    assert value(samples, "tillsammans_errors_total", component="job", exception="ValueError") == 1


async def test_a_health_port_in_use_is_a_configuration_error() -> None:
    from bot.health import HealthServer
    from core.config import ConfigError

    async def fine() -> None:
        return None

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = HealthServer(Probes(database=fine), None, "127.0.0.1", port)
        with pytest.raises(ConfigError, match=f"HEALTH_PORT {port} on 127.0.0.1 cannot be used"):
            await server.start()
    port = closed_port()
    free = HealthServer(Probes(database=fine), Metrics(), "127.0.0.1", port)
    await free.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                assert response.status == 200
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert "tillsammans_leader" in await response.text()
    finally:
        await free.stop()
