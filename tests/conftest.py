"""Shared fixtures: databases on SQLite and PostgreSQL, the emulator and a running bot."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import jobs
from bot.app import (
    SenderWaker,
    create_bot,
    create_dispatcher,
    load_city_data,
    polling_options,
    prepare_database,
)
from bot.delivery import OutboxSender
from core.config import Settings
from core.languages import compile_catalogs
from playground.emulator import TelegramEmulator
from storage.database import create_engine, create_sessionmaker
from tests.databases import PostgresTemplates, SqliteTemplate

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")


def pytest_sessionstart(session: pytest.Session) -> None:
    compile_catalogs()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_templates() -> Iterator[PostgresTemplates | None]:
    if not POSTGRES_URL:
        yield None
        return
    templates = PostgresTemplates(POSTGRES_URL)
    try:
        yield templates
    finally:
        templates.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: SqliteTemplate,
    postgres_templates: PostgresTemplates | None,
) -> AsyncIterator[str]:
    """Each test that needs a database runs once on SQLite and once on PostgreSQL, on its own
    copy of a database migrated once per session (tests/databases.py)."""
    if request.param == "sqlite":
        yield sqlite_template.copy_to(tmp_path / "bot.db")
        return
    if postgres_templates is None:
        pytest.skip("TEST_DATABASE_URL is not set; PostgreSQL runs in CI")
    url = await asyncio.wrap_future(postgres_templates.copy())
    try:
        yield url
    finally:
        postgres_templates.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_templates: PostgresTemplates | None
) -> AsyncIterator[str]:
    """A database without a single table, for the tests of the migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    if postgres_templates is None:
        pytest.skip("TEST_DATABASE_URL is not set; PostgreSQL runs in CI")
    url = await asyncio.wrap_future(postgres_templates.empty())
    try:
        yield url
    finally:
        postgres_templates.drop(url)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test's database, already at the newest schema."""
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def empty_engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    # Update ids of their own: a shared Redis remembers handled updates for a day.
    async with TelegramEmulator(first_update_id=random.randrange(10**8, 2 * 10**9)) as emulator:
        yield emulator


def make_settings(emulator: TelegramEmulator, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "bot_token": emulator.token,
        "telegram_api_url": emulator.base_url,
        "database_url": database_url,
        "redis_url": None,
        "admin_ids": [],
        "default_locale": "sv",
        "timezone": "Europe/Stockholm",
        # Tests that want the health server pick a free port for it.
        "health_port": None,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class RunningBot:
    """The real Dispatcher and Bot polling the emulator, as `python -m bot` runs them."""

    def __init__(self, emulator: TelegramEmulator, settings: Settings) -> None:
        self.emulator = emulator
        self.settings = settings
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        polls_before = self._poll_count()
        self.city = load_city_data(self.settings)
        self.engine = await prepare_database(self.settings, self.city)
        self.sessionmaker = create_sessionmaker(self.engine)
        self.bot = create_bot(self.settings)
        self.dispatcher = create_dispatcher(
            self.settings, sessionmaker=self.sessionmaker, city=self.city
        )
        self._task = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot,
                handle_signals=False,
                polling_timeout=2,
                **polling_options(self.settings, self.dispatcher),
            )
        )
        await self.emulator.wait_for(lambda: self._poll_count() > polls_before, timeout=10)

    def bind_jobs(self) -> None:
        """Give the scheduled jobs this bot, as the process running the scheduler does."""
        jobs.bind(
            jobs.JobContext(
                sessionmaker=self.sessionmaker,
                bot=self.bot,
                i18n=self.dispatcher["i18n"],
                settings=self.settings,
                city=self.city,
                waker=SenderWaker(self.dispatcher),
            )
        )

    async def stop(self) -> None:
        if self._task is None:
            return
        await self.dispatcher.stop_polling()
        await self._task
        self._task = None
        await self.bot.session.close()
        await self.dispatcher.storage.close()
        await self.engine.dispose()

    async def restart(self) -> None:
        """A new process, as far as the bot can tell: new Dispatcher, Bot and engine."""
        await self.stop()
        await self.start()

    @property
    def sender(self) -> OutboxSender:
        """The outbox sender running with the bot (it delivers what services queue)."""
        return self.dispatcher["sender"]

    def _poll_count(self) -> int:
        return sum(1 for call in self.emulator.calls if call.method.lower() == "getupdates")


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    """Settings a test module wants for its bot (override this fixture in the module)."""
    return {}


@pytest.fixture
async def running_bot(
    emulator: TelegramEmulator, database_url: str, bot_overrides: dict[str, object]
) -> AsyncIterator[RunningBot]:
    runner = RunningBot(emulator, make_settings(emulator, database_url, **bot_overrides))
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()
