"""The clock: APScheduler 3 with its jobs in the bot's own database."""

from __future__ import annotations

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import make_url

from bot import jobs
from bot.config import Settings

JOBS_TABLE = "apscheduler_jobs"
HOUSEKEEPING_DRAFTS = "housekeeping:stale-drafts"
FLAG_UNTAKEN = "pitches:flag-untaken"


def sync_database_url(database_url: str) -> str:
    """The job store is synchronous: the same database through a synchronous driver."""
    url = make_url(database_url)
    driver = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return url.set(drivername=driver).render_as_string(hide_password=False)


def create_scheduler(settings: Settings) -> AsyncIOScheduler:
    store = SQLAlchemyJobStore(
        url=sync_database_url(settings.database_url),
        tablename=JOBS_TABLE,
        engine_options={"pool_pre_ping": True},
    )
    return AsyncIOScheduler(
        jobstores={"default": store},
        timezone=settings.tz,
        # After downtime a missed run happens once (coalesced), if still within its grace.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )


def schedule_housekeeping(scheduler: AsyncIOScheduler) -> None:
    """Daily jobs with fixed ids, so each start replaces rather than adds them."""
    scheduler.add_job(
        jobs.delete_stale_drafts,
        # A trigger instance keeps its own time zone (the machine's, unless told).
        CronTrigger(hour=3, minute=15, timezone=scheduler.timezone),
        id=HOUSEKEEPING_DRAFTS,
        replace_existing=True,
        misfire_grace_time=12 * 3600,
    )
    scheduler.add_job(
        jobs.flag_untaken_pitches,
        CronTrigger(hour=9, minute=0, timezone=scheduler.timezone),
        id=FLAG_UNTAKEN,
        replace_existing=True,
        misfire_grace_time=6 * 3600,
    )
