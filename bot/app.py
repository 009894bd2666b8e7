"""The composition root: builds the Bot, the Dispatcher and their storage from Settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import jobs
from bot.delivery import OutboxSender
from bot.health import HealthServer, Probes, create_probes, database_check
from bot.leadership import Leadership
from bot.logging_setup import UpdateLogContext
from bot.metrics import BotApiMetrics, Metrics, UpdateMetrics
from bot.middlewares import DatabaseMiddleware, UserLocaleMiddleware
from bot.redelivery import (
    DatabaseLedger,
    HandleOnce,
    ProcessLedger,
    RedisLedger,
    UpdateLedger,
)
from bot.roles import clock_leadership, sender_leadership
from bot.scheduler import (
    ApschedulerEventJobs,
    create_scheduler,
    remove_retired_jobs,
    schedule_digest,
    schedule_housekeeping,
)
from bot.shutdown import Grace, RunningJobs, finish_tasks, on_stop_signal
from bot.unchanged_edits import UnchangedEditIsDone
from core.city import CityData, CityDataError, load_city
from core.command_menus import publish_command_menus, publish_staff_menu
from core.config import ConfigError, Settings
from core.languages import create_i18n
from core.services.city_sync import sync_city_data
from core.services.privacy import announce_notice_version
from core.services.roles import staff_with_locales
from handlers import build_router
from storage.database import create_engine, create_sessionmaker
from storage.fsm import DatabaseFsmStorage
from storage.migrate import upgrade_to_head
from storage.models import utcnow

logger = logging.getLogger(__name__)
# How often a separate clock process looks for jobs the worker added.
CLOCK_RESCAN_SECONDS = 30


def create_bot(settings: Settings) -> Bot:
    """A Bot for Telegram's servers, or for the server at TELEGRAM_API_URL."""
    if settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    else:
        session = AiohttpSession()
    session.middleware(UnchangedEditIsDone())
    return Bot(
        token=settings.require_token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def create_fsm_storage(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Conversation state in Redis when REDIS_URL is set, else in the bot's database."""
    key_builder = DefaultKeyBuilder(with_destiny=True)
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        # An untouched conversation expires as its person would be deleted (retention).
        ttl = settings.retention.conversation_ttl()
        storage = RedisStorage.from_url(
            settings.redis_url, key_builder=key_builder, state_ttl=ttl, data_ttl=ttl
        )
        return storage, RedisEventIsolation(storage.redis, key_builder=key_builder)
    return DatabaseFsmStorage(sessionmaker, key_builder), SimpleEventIsolation()


def create_update_ledger(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], storage: BaseStorage
) -> UpdateLedger:
    """Where handled updates are remembered: Redis beside the FSM state, or the database
    (claims too on PostgreSQL, where several processes may run; on SQLite in memory)."""
    redis = getattr(storage, "redis", None)
    if settings.redis_url and redis is not None:
        bot_id = int(settings.require_token().split(":", 1)[0])
        return RedisLedger(redis, bot_id=bot_id)
    if settings.database_url.startswith("postgresql"):
        return DatabaseLedger(sessionmaker)
    return ProcessLedger(sessionmaker)


def create_dispatcher(
    settings: Settings,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    city: CityData,
    i18n: I18n | None = None,
    scheduler: BaseScheduler | None = None,
    metrics: Metrics | None = None,
    probes: Probes | None = None,
    polling: bool = True,
) -> Dispatcher:
    """`scheduler` is where handlers put jobs; without one, a scheduler on the job store
    is started paused with polling (it stores jobs for the process that runs them).
    `metrics` and the readiness `probes` are in the workflow data for the health routes;
    a polling process is ready only while getUpdates keeps answering (a webhook's updates
    may be rare, so there readiness does not wait for them)."""
    i18n = i18n or create_i18n(settings.default_locale)
    storage, isolation = create_fsm_storage(settings, sessionmaker)
    scheduler = scheduler or create_scheduler(settings)
    metrics = metrics or Metrics(sessionmaker)
    probes = probes or create_probes(sessionmaker, storage, takes_updates=polling)
    dispatcher = Dispatcher(
        storage=storage,
        events_isolation=isolation,
        settings=settings,
        sessionmaker=sessionmaker,
        i18n=i18n,
        city=city,
        scheduler=scheduler,
        event_jobs=ApschedulerEventJobs(scheduler),
        grace=Grace(settings.shutdown_grace_seconds),
        running_jobs=RunningJobs.watch(scheduler),
        metrics=metrics,
        probes=probes,
    )
    dispatcher.update.outer_middleware(UpdateLogContext())
    dispatcher.update.outer_middleware(UpdateMetrics(metrics, probes.heard_from_telegram))
    dispatcher.update.outer_middleware(
        HandleOnce(create_update_ledger(settings, sessionmaker, storage))
    )
    dispatcher.update.outer_middleware(DatabaseMiddleware(sessionmaker, settings.default_locale))
    dispatcher.update.outer_middleware(UserLocaleMiddleware(i18n))
    dispatcher.include_router(build_router())
    dispatcher.shutdown.register(_not_ready)
    dispatcher.startup.register(_observe_bot)
    dispatcher.startup.register(_on_startup)
    dispatcher.startup.register(_open_job_store)
    dispatcher.shutdown.register(_finish_in_flight)
    dispatcher.shutdown.register(_close_job_store)
    dispatcher.startup.register(_start_sender)
    dispatcher.startup.register(_announce_privacy_notice)
    dispatcher.shutdown.register(_stop_sender)
    return dispatcher


async def _not_ready(probes: Probes) -> None:
    probes.shut_down()


async def _observe_bot(bot: Bot, metrics: Metrics, probes: Probes) -> None:
    """Count this bot's Bot API calls (once per bot, however often it starts)."""
    if not any(isinstance(m, BotApiMetrics) for m in bot.session.middleware):
        bot.session.middleware(BotApiMetrics(metrics, probes.heard_from_telegram))


async def _start_sender(
    bot: Bot,
    dispatcher: Dispatcher,
    i18n: I18n,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    metrics: Metrics,
) -> None:
    """The one outbox sender runs with polling, in the process holding its lock; handlers
    get it as `sender` to wake it."""
    leadership = sender_leadership(
        settings, dispatcher, bot=bot, i18n=i18n, sessionmaker=sessionmaker, metrics=metrics
    )
    dispatcher["sender_leadership"] = leadership
    await leadership.start()


class SenderWaker:
    """The outbox sender that runs with this Dispatcher's polling, for jobs to wake: bound
    before polling starts, it reaches the sender once there is one."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    def wake(self) -> None:
        sender: OutboxSender | None = self._dispatcher.workflow_data.get("sender")
        if sender is not None:
            sender.wake()


async def _announce_privacy_notice(
    dispatcher: Dispatcher,
    i18n: I18n,
    city: CityData,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Residents with open pitches hear of a new privacy notice version, once (the city file
    was loaded just before, in prepare_database); the sender, started above, sends it."""
    async with sessionmaker() as session:
        queued = await announce_notice_version(session, city=city, i18n=i18n, now=utcnow())
    sender: OutboxSender | None = dispatcher.workflow_data.get("sender")
    if queued and sender is not None:
        sender.wake()


async def _stop_sender(dispatcher: Dispatcher) -> None:
    leadership: Leadership | None = dispatcher.workflow_data.pop("sender_leadership", None)
    if leadership is not None:
        await leadership.stop()


async def _finish_in_flight(
    dispatcher: Dispatcher, scheduler: BaseScheduler, grace: Grace, running_jobs: RunningJobs
) -> None:
    """Before the sender stops: the updates polling took, then the jobs running here,
    finish within the grace (webhook requests have finished before this)."""
    # aiogram keeps the tasks of the updates it polled here and does not wait for them.
    update_tasks = getattr(dispatcher, "_handle_update_tasks", set())
    await finish_tasks(list(update_tasks), "updates", grace)
    await running_jobs.finish(scheduler, grace)


async def _open_job_store(scheduler: BaseScheduler) -> None:
    """A scheduler not started to run jobs here only stores them (RUN_SCHEDULER=false)."""
    if not scheduler.running:
        scheduler.start(paused=True)


async def _close_job_store(scheduler: BaseScheduler) -> None:
    if scheduler.running:
        scheduler.shutdown(wait=False)


async def _on_startup(
    bot: Bot,
    i18n: I18n,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await publish_command_menus(bot, i18n)
    async with sessionmaker() as session:
        staff = await staff_with_locales(
            session, configured_admins=settings.admin_ids, default_locale=settings.default_locale
        )
        for user_id, roles, locale in staff:
            await publish_staff_menu(bot, i18n, user_id=user_id, roles=roles, locale=locale)


def load_city_data(settings: Settings) -> CityData:
    """The city's data file, or a ConfigError saying what in it is wrong."""
    try:
        return load_city(settings.city_data_file)
    except CityDataError as error:
        raise ConfigError(f"CITY_DATA_FILE is not valid: {error}.") from None


def database_pool_size(settings: Settings) -> int:
    """Each update in flight may hold two connections (its session and the FSM storage's);
    jobs and start-up need a few more. A smaller pool could make updates wait on each other."""
    return 2 * settings.max_concurrent_updates + 4


def polling_options(settings: Settings, dispatcher: Dispatcher) -> dict[str, Any]:
    """How the bot polls: the same in production, tests and benchmarks."""
    return {
        "allowed_updates": dispatcher.resolve_used_update_types(),
        "tasks_concurrency_limit": settings.max_concurrent_updates,
    }


async def prepare_database(settings: Settings, city: CityData) -> AsyncEngine:
    """The engine, with the newest schema and the city's data loaded."""
    engine = create_engine(
        settings.database_url, pool_size=database_pool_size(settings), max_overflow=0
    )
    await upgrade_to_head(engine)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        if await sync_city_data(session, city, now=utcnow()):
            logger.info("loaded the data of %s (%s)", city.code, city.checksum[:12])
    return engine


def start_clock(scheduler: BaseScheduler) -> None:
    """Put the recurring jobs in place and run every job from here."""
    schedule_housekeeping(scheduler)
    schedule_digest(scheduler)
    scheduler.start()
    remove_retired_jobs(scheduler)


async def run_operations(
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    *,
    probes: Probes,
    metrics: Metrics,
    scheduler: BaseScheduler | None,
) -> Leadership | None:
    """The health server (if HEALTH_PORT is set) and, given a scheduler, the clock's role;
    both end with `stack`, the clock first. Returns the clock's leadership."""
    if settings.health_port is not None:
        health = HealthServer(probes, metrics, settings.health_host, settings.health_port)
        await health.start()
        stack.push_async_callback(health.stop)
    stack.callback(probes.shut_down)
    if scheduler is None:
        return None
    metrics.watch_scheduler(scheduler)
    if not scheduler.running:
        scheduler.start(paused=True)  # a job store until this process runs the clock
    clock = clock_leadership(settings, scheduler, metrics)
    stack.push_async_callback(clock.stop)
    await clock.start()
    return clock


async def run_clock(settings: Settings) -> None:
    """`python -m bot clock`: run the scheduled jobs without polling, until SIGTERM or
    SIGINT, then let the jobs running finish. The worker then runs with RUN_SCHEDULER=false;
    jobs it adds are picked up within CLOCK_RESCAN_SECONDS, and what jobs queue is sent by
    the worker's outbox sender."""
    city = load_city_data(settings)
    bot = create_bot(settings)
    engine = await prepare_database(settings, city)
    sessionmaker = create_sessionmaker(engine)
    scheduler = create_scheduler(settings)
    running_jobs = RunningJobs.watch(scheduler)
    stop = asyncio.Event()
    restore_signals = on_stop_signal(stop.set)
    try:
        jobs.bind(
            jobs.JobContext(
                sessionmaker=sessionmaker,
                bot=bot,
                i18n=create_i18n(settings.default_locale),
                settings=settings,
                city=city,
            )
        )
        async with contextlib.AsyncExitStack() as stack:
            probes = Probes(database=database_check(sessionmaker))
            clock = await run_operations(
                stack, settings, probes=probes, metrics=Metrics(sessionmaker), scheduler=scheduler
            )
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), CLOCK_RESCAN_SECONDS)
                if stop.is_set():
                    break
                if clock is not None and clock.held:
                    scheduler.wakeup()  # look again for jobs another process added
            await running_jobs.finish(scheduler, Grace(settings.shutdown_grace_seconds))
    finally:
        restore_signals()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await bot.session.close()
        await engine.dispose()


@dataclass(frozen=True, slots=True)
class UpdateProcess:
    """A process that takes updates (polling or at a webhook), wired from Settings: the bot,
    its database, the scheduler its handlers put jobs on, and the Dispatcher."""

    bot: Bot
    engine: AsyncEngine
    scheduler: BaseScheduler
    dispatcher: Dispatcher

    @classmethod
    async def wire(cls, settings: Settings, *, polling: bool) -> UpdateProcess:
        """Migrate and load the city's data, build everything, and bind the jobs to it."""
        city = load_city_data(settings)
        bot = create_bot(settings)
        engine = await prepare_database(settings, city)
        sessionmaker = create_sessionmaker(engine)
        scheduler = create_scheduler(settings)
        try:
            dispatcher = create_dispatcher(
                settings,
                sessionmaker=sessionmaker,
                city=city,
                scheduler=scheduler,
                polling=polling,
            )
        except BaseException:
            await bot.session.close()
            await engine.dispose()
            raise
        jobs.bind(
            jobs.JobContext(
                sessionmaker=sessionmaker,
                bot=bot,
                i18n=dispatcher["i18n"],
                settings=settings,
                city=city,
                waker=SenderWaker(dispatcher),
            )
        )
        return cls(bot=bot, engine=engine, scheduler=scheduler, dispatcher=dispatcher)

    async def operate(self, stack: contextlib.AsyncExitStack, settings: Settings) -> None:
        """Health, metrics and (with RUN_SCHEDULER) the clock's role, ending with `stack`."""
        await run_operations(
            stack,
            settings,
            probes=self.dispatcher["probes"],
            metrics=self.dispatcher["metrics"],
            scheduler=self.scheduler if settings.run_scheduler else None,
        )

    async def close(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.bot.session.close()
        await self.engine.dispose()


async def run_polling(settings: Settings) -> None:
    """Run the bot until stopped (SIGINT or SIGTERM)."""
    process = await UpdateProcess.wire(settings, polling=True)
    bot, dispatcher = process.bot, process.dispatcher
    try:
        async with contextlib.AsyncExitStack() as stack:
            await process.operate(stack, settings)
            await bot.delete_webhook(drop_pending_updates=False)
            # On a stop, aiogram drops the update of a fetched batch that waits for a free
            # slot without awaiting it; it was not taken, and the next poll fetches it again.
            warnings.filterwarnings(
                "ignore", message="coroutine 'Dispatcher._process_update' was never awaited"
            )
            await dispatcher.start_polling(bot, **polling_options(settings, dispatcher))
    finally:
        await process.close()
