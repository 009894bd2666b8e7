"""The clock: APScheduler 3 with its jobs in the bot's own database."""

from __future__ import annotations

import asyncio
import contextlib

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy.engine import make_url

from bot import jobs
from core.config import Settings
from core.schedule import (
    DIGEST_WEEKLY,
    FLAG_UNTAKEN,
    HOUSEKEEPING_RETENTION,
    RETENTION_AT,
    RETIRED_JOB_IDS,
    PlannedJob,
    event_job_ids,
)

JOBS_TABLE = "apscheduler_jobs"


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
    hour, minute = RETENTION_AT
    scheduler.add_job(
        jobs.apply_retention,
        # A trigger instance keeps its own time zone (the machine's, unless told).
        CronTrigger(hour=hour, minute=minute, timezone=scheduler.timezone),
        id=HOUSEKEEPING_RETENTION,
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


def remove_retired_jobs(scheduler: BaseScheduler) -> None:
    """Jobs an earlier version stored that no longer exist go from the job store (call it
    once the scheduler runs: a stopped scheduler only looks at the jobs it has been given)."""
    for job_id in RETIRED_JOB_IDS:
        with contextlib.suppress(JobLookupError):
            scheduler.remove_job(job_id)


# --- events ---------------------------------------------------------------------------------

_JOB_FUNCTIONS = {"publish": jobs.publish_event, "remind": jobs.remind_event}


class ApschedulerEventJobs:
    """The `EventJobs` port on APScheduler: deterministic ids, so a plan replaces the last.

    The job store may wait for a database lock that another update holds for a moment
    (SQLite locks the whole file); run on the event loop, that wait would keep the other
    update from ever finishing, so the store is written from a worker thread."""

    def __init__(self, scheduler: BaseScheduler) -> None:
        self.scheduler = scheduler

    async def replace_event_jobs(self, event_id: int, planned: list[PlannedJob]) -> None:
        await asyncio.to_thread(self._replace, event_id, planned)

    async def remove_event_jobs(self, event_id: int) -> None:
        await asyncio.to_thread(self._remove, event_id)

    def _replace(self, event_id: int, planned: list[PlannedJob]) -> None:
        self._remove(event_id)
        for job in planned:
            self.scheduler.add_job(
                _JOB_FUNCTIONS[job.kind],
                DateTrigger(run_date=job.run_at),
                args=list(job.args),
                id=job.job_id,
                replace_existing=True,
                coalesce=True,
                misfire_grace_time=job.grace_seconds,
            )

    def _remove(self, event_id: int) -> None:
        for job_id in event_job_ids(event_id):
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(job_id)


def schedule_digest(scheduler: BaseScheduler) -> None:
    """Mondays at 08:00: the coming week's events for those who asked for a digest. After
    downtime it still goes out the same morning, once."""
    scheduler.add_job(
        jobs.send_weekly_digest,
        CronTrigger(day_of_week="mon", hour=8, minute=0, timezone=scheduler.timezone),
        id=DIGEST_WEEKLY,
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=4 * 3600,
    )
