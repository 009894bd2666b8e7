"""The clock: APScheduler 3 with its jobs in the bot's own database."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
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


# --- events ---------------------------------------------------------------------------------

DIGEST_WEEKLY = "digest:weekly"
REMINDER_LEADS: dict[str, timedelta] = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
# How late a reminder may still go out after downtime; never after the event starts.
REMINDER_GRACE: dict[str, timedelta] = {"24h": timedelta(hours=12), "1h": timedelta(minutes=50)}


def publish_job_id(event_id: int) -> str:
    return f"event:{event_id}:publish"


def reminder_job_id(event_id: int, lead: str) -> str:
    return f"event:{event_id}:remind:{lead}"


def event_job_ids(event_id: int) -> list[str]:
    return [
        publish_job_id(event_id),
        *(reminder_job_id(event_id, lead) for lead in REMINDER_LEADS),
    ]


def _grace_seconds(run_at: datetime, limit: timedelta, starts_at: datetime) -> int:
    """The misfire grace: at most `limit`, and never reaching past the event's start."""
    return max(1, int(min(limit, starts_at - run_at).total_seconds()) - 1)


def schedule_event_jobs(
    scheduler: BaseScheduler,
    *,
    event_id: int,
    version: int,
    status: str,
    starts_at: datetime,
    publish_at: datetime | None,
    now: datetime,
) -> list[str]:
    """(Re)place the event's publish and reminder jobs for this version; jobs whose moment
    has passed are removed. Returns the ids of the jobs now scheduled."""
    unschedule_event_jobs(scheduler, event_id)
    if status == "cancelled" or starts_at <= now:
        return []
    scheduled = []
    if status == "scheduled" and publish_at is not None and now < publish_at < starts_at:
        scheduler.add_job(
            jobs.publish_event,
            DateTrigger(run_date=publish_at),
            args=[event_id, version],
            id=publish_job_id(event_id),
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=_grace_seconds(publish_at, starts_at - publish_at, starts_at),
        )
        scheduled.append(publish_job_id(event_id))
    for lead, before in REMINDER_LEADS.items():
        run_at = starts_at - before
        if run_at <= now:
            continue
        scheduler.add_job(
            jobs.remind_event,
            DateTrigger(run_date=run_at),
            args=[event_id, version, lead],
            id=reminder_job_id(event_id, lead),
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=_grace_seconds(run_at, REMINDER_GRACE[lead], starts_at),
        )
        scheduled.append(reminder_job_id(event_id, lead))
    return scheduled


def unschedule_event_jobs(scheduler: BaseScheduler, event_id: int) -> None:
    for job_id in event_job_ids(event_id):
        with contextlib.suppress(JobLookupError):
            scheduler.remove_job(job_id)


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
