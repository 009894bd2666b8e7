"""When the programme's jobs run: their ids, lead times and misfire graces, as plain rules.

Use cases plan jobs with these functions and hand the plan to an `EventJobs` port; the
process (bot/scheduler.py) places the plan on APScheduler.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

HOUSEKEEPING_RETENTION = "housekeeping:retention"
# Daily at this local time (TIMEZONE): the retention periods are applied.
RETENTION_AT = (3, 15)
# Ids of jobs that no longer exist; a start removes them from a job store that still has them.
RETIRED_JOB_IDS: tuple[str, ...] = ("housekeeping:stale-drafts",)
FLAG_UNTAKEN = "pitches:flag-untaken"
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


def grace_seconds(run_at: datetime, limit: timedelta, starts_at: datetime) -> int:
    """The misfire grace: at most `limit`, and never reaching past the event's start."""
    return max(1, int(min(limit, starts_at - run_at).total_seconds()) - 1)


@dataclass(frozen=True)
class PlannedJob:
    """One job of an event: what runs, when, with which primitive arguments."""

    job_id: str
    kind: Literal["publish", "remind"]
    run_at: datetime
    args: tuple[int | str, ...]
    grace_seconds: int


def plan_event_jobs(
    *,
    event_id: int,
    version: int,
    status: str,
    starts_at: datetime,
    publish_at: datetime | None,
    now: datetime,
) -> list[PlannedJob]:
    """The event's publish and reminder jobs for this version; none whose moment has passed,
    none for a cancelled or started event."""
    if status == "cancelled" or starts_at <= now:
        return []
    planned = []
    if status == "scheduled" and publish_at is not None and now < publish_at < starts_at:
        planned.append(
            PlannedJob(
                job_id=publish_job_id(event_id),
                kind="publish",
                run_at=publish_at,
                args=(event_id, version),
                grace_seconds=grace_seconds(publish_at, starts_at - publish_at, starts_at),
            )
        )
    for lead, before in REMINDER_LEADS.items():
        run_at = starts_at - before
        if run_at <= now:
            continue
        planned.append(
            PlannedJob(
                job_id=reminder_job_id(event_id, lead),
                kind="remind",
                run_at=run_at,
                args=(event_id, version, lead),
                grace_seconds=grace_seconds(run_at, REMINDER_GRACE[lead], starts_at),
            )
        )
    return planned


class EventJobs(Protocol):
    """Where use cases put an event's jobs (implemented in bot/ on APScheduler)."""

    async def replace_event_jobs(self, event_id: int, planned: list[PlannedJob]) -> None:
        """Remove the event's jobs, then place the planned ones."""

    async def remove_event_jobs(self, event_id: int) -> None: ...
