"""The clock: jobs persist in the bot's database and housekeeping does its work."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import jobs
from bot.app import start_clock
from bot.scheduler import create_scheduler, schedule_housekeeping, sync_database_url
from core.schedule import DIGEST_WEEKLY, FLAG_UNTAKEN, HOUSEKEEPING_RETENTION, RETIRED_JOB_IDS
from core.services import pitching, users
from storage.models import utcnow
from tests.conftest import make_settings


class _NoEmulator:
    token = "1:test"
    base_url = "http://127.0.0.1:9"


def test_sync_url_for_the_job_store() -> None:
    assert (
        sync_database_url("sqlite+aiosqlite:////srv/bot/data.db") == "sqlite:////srv/bot/data.db"
    )
    assert (
        sync_database_url("postgresql+asyncpg://bot:s3cret@db:5432/bot")
        == "postgresql+psycopg://bot:s3cret@db:5432/bot"
    )


async def test_housekeeping_is_stored_once_and_survives_a_restart(database_url: str) -> None:
    settings = make_settings(_NoEmulator, database_url)  # type: ignore[arg-type]
    for _start in range(2):
        scheduler = create_scheduler(settings)
        schedule_housekeeping(scheduler)
        scheduler.start(paused=True)
        assert {job.id for job in scheduler.get_jobs()} == {FLAG_UNTAKEN, HOUSEKEEPING_RETENTION}
        scheduler.shutdown(wait=False)

    reopened = create_scheduler(settings)
    reopened.start(paused=True)  # nothing re-added: the job comes from the database
    job = reopened.get_job(HOUSEKEEPING_RETENTION)
    assert job is not None
    assert job.func is jobs.apply_retention
    assert str(job.trigger.timezone) == "Europe/Stockholm"
    local = job.next_run_time.astimezone(ZoneInfo("Europe/Stockholm"))
    assert (local.hour, local.minute) == (3, 15)
    flag = reopened.get_job(FLAG_UNTAKEN)
    assert flag is not None and flag.func is jobs.flag_untaken_pitches
    flag_local = flag.next_run_time.astimezone(ZoneInfo("Europe/Stockholm"))
    assert (flag_local.hour, flag_local.minute) == (9, 0)
    reopened.shutdown(wait=False)


async def test_a_start_removes_the_jobs_of_an_earlier_version(database_url: str) -> None:
    """A job store written by an earlier version still holds `housekeeping:stale-drafts`;
    the clock's start removes it and places the retention job instead."""
    settings = make_settings(_NoEmulator, database_url)  # type: ignore[arg-type]
    earlier = create_scheduler(settings)
    earlier.start(paused=True)
    for job_id in RETIRED_JOB_IDS:
        earlier.add_job(jobs.flag_untaken_pitches, CronTrigger(hour=3), id=job_id)
    earlier.shutdown(wait=False)

    now = create_scheduler(settings)
    start_clock(now)
    try:
        assert {job.id for job in now.get_jobs()} == {
            HOUSEKEEPING_RETENTION,
            FLAG_UNTAKEN,
            DIGEST_WEEKLY,
        }
    finally:
        now.shutdown(wait=False)


async def test_the_retention_job_applies_the_periods_and_logs_counts_only(
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = utcnow()
    async with sessionmaker() as session:
        for user_id, age in ((1, 31), (2, 29)):
            await users.ensure_user(
                session, telegram_id=user_id, language_code="sv", default_locale="sv", now=now
            )
            await pitching.start_draft(
                session, user_id=user_id, language="sv", now=now - timedelta(days=age)
            )
    settings = make_settings(_NoEmulator, database_url, retention_draft_days=30)  # type: ignore[arg-type]
    jobs.bind(jobs.JobContext(sessionmaker=sessionmaker, settings=settings))
    with caplog.at_level(logging.INFO, logger="bot.jobs"):
        report = await jobs.apply_retention()
    assert report.counts["drafts"] == 1 and report.total == 1
    async with sessionmaker() as session:
        assert await pitching.current_draft(session, 1) is None
        assert await pitching.current_draft(session, 2) is not None
    logged = [record.getMessage() for record in caplog.records if record.name == "bot.jobs"]
    assert logged == [
        "retention applied: drafts=1 outbox_messages=0 delivery_attempts=0 campaigns=0 "
        "closed_pitches=0 relayed_texts=0 pitch_message_records=0 audit_entries=0 users=0"
    ]
