"""Scheduled jobs. They are stored in the database, so each is a module-level function
with primitive arguments; the live objects they need are bound once at start."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.city import CityData
from core.config import Settings
from core.outbox_messages import OutboxWaker
from core.services import event_publishing, pitch_review, retention
from core.services.retention import RetentionReport
from storage.models import utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What jobs work with; bound by the process that runs the scheduler."""

    sessionmaker: async_sessionmaker[AsyncSession]
    bot: Bot | None = None
    i18n: I18n | None = None
    settings: Settings | None = None
    city: CityData | None = None
    # The outbox sender of this process, woken when a job queued something (None where the
    # sender runs in another process: it finds the rows when it next looks).
    waker: OutboxWaker | None = None


_context: JobContext | None = None


def bind(context: JobContext) -> None:
    global _context
    _context = context


def context() -> JobContext:
    if _context is None:
        raise RuntimeError("jobs.bind() was not called before the scheduler started")
    return _context


async def apply_retention(now: datetime | None = None) -> RetentionReport:
    """`housekeeping:retention`: each retention period removes what it has passed. The log
    has counts only."""
    ctx = context()
    if ctx.settings is None:
        raise RuntimeError("apply_retention needs the settings bound")
    async with ctx.sessionmaker() as session:
        report = await retention.apply_retention(
            session,
            ctx.settings.retention,
            now or utcnow(),
            dry_run=False,
            erase_pitch_text=ctx.settings.erase_pitch_text,
            keep_user_ids=ctx.settings.admin_ids,
        )
    counts = " ".join(f"{kind}={count}" for kind, count, _cutoff in report.lines())
    logger.info("retention applied: %s", counts)
    return report


async def flag_untaken_pitches() -> int:
    """`pitches:flag-untaken`: pitches nobody has taken for 7 days are brought up to their
    incubator, once a day until someone acts, through the outbox. Returns how many pitches
    were flagged."""
    ctx = context()
    if ctx.i18n is None or ctx.settings is None:
        raise RuntimeError("flag_untaken_pitches needs i18n and settings bound")
    async with ctx.sessionmaker() as session:
        flagged = await pitch_review.queue_untaken_reminders(
            session, now=utcnow(), i18n=ctx.i18n, settings=ctx.settings
        )
    _wake_sender(flagged)
    return flagged


def _wake_sender(queued: int | None) -> None:
    """What a job queued goes out now, not at the sender's next look at the outbox."""
    waker = context().waker
    if queued and waker is not None:
        waker.wake()


# --- events: publishing at a set time, reminders and the weekly digest ------------------------


def event_renderer() -> event_publishing.Renderer:
    ctx = context()
    if ctx.i18n is None or ctx.settings is None or ctx.city is None:
        raise RuntimeError("event jobs need i18n, settings and the city bound")
    return event_publishing.Renderer(
        i18n=ctx.i18n,
        city=ctx.city,
        tz=ctx.settings.tz,
        default_locale=ctx.settings.default_locale,
        announcement_chat_id=ctx.settings.announcement_chat_id,
    )


async def publish_event(event_id: int, version: int, now: datetime | None = None) -> int | None:
    """`event:{id}:publish`: publish a scheduled event, unless it changed or started since."""
    async with context().sessionmaker() as session:
        queued = await event_publishing.publish_event(
            session,
            event_id=event_id,
            version=version,
            now=now or utcnow(),
            renderer=event_renderer(),
        )
    if queued is None:
        logger.info("publish job of event %s (version %s) had nothing to do", event_id, version)
    _wake_sender(queued)
    return queued


async def remind_event(
    event_id: int, version: int, lead: str, now: datetime | None = None
) -> int | None:
    """`event:{id}:remind:{lead}`: remind the people going; checks again that the event is
    on, of this version and not started."""
    async with context().sessionmaker() as session:
        queued = await event_publishing.remind(
            session,
            event_id=event_id,
            version=version,
            lead=lead,
            now=now or utcnow(),
            renderer=event_renderer(),
        )
    if queued is None:
        logger.info("reminder %s of event %s (version %s) was stale", lead, event_id, version)
    _wake_sender(queued)
    return queued


async def send_weekly_digest(now: datetime | None = None) -> int:
    """`digest:weekly`: the coming week's events to those who asked for a digest."""
    async with context().sessionmaker() as session:
        queued = await event_publishing.send_digest(
            session, now=now or utcnow(), renderer=event_renderer()
        )
    logger.info("weekly digest queued for %s people", queued)
    _wake_sender(queued)
    return queued
