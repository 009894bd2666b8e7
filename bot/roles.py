"""The two roles only one process plays at a time (bot/leadership.py): what taking and
losing each one does."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import OutboxSender, create_sender
from bot.leadership import CLOCK, SENDER, Leadership, role_lock
from bot.metrics import Metrics
from bot.scheduler import remove_retired_jobs, schedule_digest, schedule_housekeeping
from core.config import Settings


def sender_leadership(
    settings: Settings,
    dispatcher: Dispatcher,
    *,
    bot: Bot,
    i18n: I18n,
    sessionmaker: async_sessionmaker[AsyncSession],
    metrics: Metrics,
) -> Leadership:
    """The outbox sender runs while this process holds its lock; handlers and jobs find it
    as the Dispatcher's `sender` (absent while another process sends)."""

    async def start() -> None:
        sender = create_sender(
            settings,
            bot=bot,
            sessionmaker=sessionmaker,
            i18n=i18n,
            observer=metrics.outbox_attempt,
        )
        dispatcher["sender"] = sender
        sender.start()

    async def stop() -> None:
        sender: OutboxSender | None = dispatcher.workflow_data.pop("sender", None)
        if sender is not None:
            await sender.stop()

    return Leadership(
        SENDER,
        role_lock(settings.database_url, SENDER),
        on_acquired=start,
        on_lost=stop,
        observer=metrics.leadership(SENDER),
    )


def clock_leadership(settings: Settings, scheduler: BaseScheduler, metrics: Metrics) -> Leadership:
    """The scheduler runs jobs while this process holds the clock's lock; otherwise it is
    paused and only stores the jobs this process adds. Start the scheduler paused first;
    once it is shut down, taking the lock does not start it again."""

    async def start() -> None:
        if not scheduler.running:
            return
        schedule_housekeeping(scheduler)
        schedule_digest(scheduler)
        remove_retired_jobs(scheduler)
        scheduler.resume()

    async def stop() -> None:
        if scheduler.running:
            scheduler.pause()

    return Leadership(
        CLOCK,
        role_lock(settings.database_url, CLOCK),
        on_acquired=start,
        on_lost=stop,
        observer=metrics.leadership(CLOCK),
    )
