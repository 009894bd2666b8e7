"""The clock: jobs persist in the bot's database and housekeeping does its work."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import jobs
from bot.scheduler import create_scheduler, schedule_housekeeping, sync_database_url
from core.schedule import FLAG_UNTAKEN, HOUSEKEEPING_DRAFTS
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
        assert {job.id for job in scheduler.get_jobs()} == {FLAG_UNTAKEN, HOUSEKEEPING_DRAFTS}
        scheduler.shutdown(wait=False)

    reopened = create_scheduler(settings)
    reopened.start(paused=True)  # nothing re-added: the job comes from the database
    job = reopened.get_job(HOUSEKEEPING_DRAFTS)
    assert job is not None
    assert job.func is jobs.delete_stale_drafts
    assert str(job.trigger.timezone) == "Europe/Stockholm"
    local = job.next_run_time.astimezone(ZoneInfo("Europe/Stockholm"))
    assert (local.hour, local.minute) == (3, 15)
    flag = reopened.get_job(FLAG_UNTAKEN)
    assert flag is not None and flag.func is jobs.flag_untaken_pitches
    flag_local = flag.next_run_time.astimezone(ZoneInfo("Europe/Stockholm"))
    assert (flag_local.hour, flag_local.minute) == (9, 0)
    reopened.shutdown(wait=False)


async def test_the_draft_job_deletes_only_old_drafts(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    async with sessionmaker() as session:
        for user_id, age in ((1, 40), (2, 1)):
            await users.ensure_user(
                session, telegram_id=user_id, language_code="sv", default_locale="sv", now=now
            )
            await pitching.start_draft(
                session, user_id=user_id, language="sv", now=now - timedelta(days=age)
            )
    jobs.bind(jobs.JobContext(sessionmaker=sessionmaker))
    assert await jobs.delete_stale_drafts() == 1
    async with sessionmaker() as session:
        assert await pitching.current_draft(session, 1) is None
        assert await pitching.current_draft(session, 2) is not None
