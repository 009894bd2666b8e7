"""Shared fixtures: databases on SQLite and PostgreSQL, the emulator and a running bot."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import jobs
from bot.app import (
    create_bot,
    create_dispatcher,
    load_city_data,
    polling_options,
    prepare_database,
)
from bot.config import Settings
from bot.delivery import OutboxSender
from bot.i18n import compile_catalogs
from storage.database import create_engine, create_sessionmaker
from storage.migrate import upgrade_to_head
from tests.emulator import TelegramEmulator

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")


def pytest_sessionstart(session: pytest.Session) -> None:
    compile_catalogs()


async def _create_postgres_database(admin_url: str) -> str:
    """A fresh, uniquely named database next to the one in TEST_DATABASE_URL."""
    import asyncpg

    url = make_url(admin_url)
    name = f"tillsammans_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(admin_url: str, database_url: str) -> None:
    import asyncpg

    name = make_url(database_url).database
    connection = await asyncpg.connect(_asyncpg_dsn(make_url(admin_url)))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def _asyncpg_dsn(url: object) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each test that needs a database runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set; PostgreSQL runs in CI")
    url = await _create_postgres_database(POSTGRES_URL)
    try:
        yield url
    finally:
        await _drop_postgres_database(POSTGRES_URL, url)


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database without a single table, for the tests of the migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set; PostgreSQL runs in CI")
    url = await _create_postgres_database(POSTGRES_URL)
    try:
        yield url
    finally:
        await _drop_postgres_database(POSTGRES_URL, url)


@pytest.fixture
async def empty_engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await upgrade_to_head(engine)
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
    async with TelegramEmulator() as emulator:
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
