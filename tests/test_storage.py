"""Storage on SQLite and PostgreSQL: migrations, users, and the FSM storage."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.services import users
from storage.fsm import DatabaseFsmStorage
from storage.migrate import upgrade_to_head
from storage.models import FsmRecord, User

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Form(StatesGroup):
    title = State()


def key(user_id: int = 7, chat_id: int | None = None) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=chat_id or user_id, user_id=user_id)


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_migrations_create_the_tables_and_are_idempotent(empty_engine: AsyncEngine) -> None:
    assert await table_names(empty_engine) == set()
    await upgrade_to_head(empty_engine)
    tables = await table_names(empty_engine)
    assert {"users", "fsm_records", "alembic_version"} <= tables
    await upgrade_to_head(empty_engine)  # a second run changes nothing
    assert await table_names(empty_engine) == tables


async def test_the_migrations_build_exactly_the_models(empty_engine: AsyncEngine) -> None:
    """A model changed without a migration (or the reverse) shows up here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    def differences(sync_connection: object) -> list[object]:
        context = MigrationContext.configure(
            sync_connection,  # type: ignore[arg-type]
            opts={"compare_type": True, "include_object": _managed_here},
        )
        return compare_metadata(context, SQLModel.metadata)

    assert await table_names(empty_engine) == set()
    await upgrade_to_head(empty_engine)
    async with empty_engine.connect() as connection:
        found = await connection.run_sync(differences)
    assert found == []


async def test_each_test_database_starts_at_the_newest_revision_and_empty(
    engine: AsyncEngine,
) -> None:
    """The copies of the session's template: at head, and no rows from another test."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import func

    from storage.migrate import alembic_config

    def revision(sync_connection: object) -> str | None:
        return MigrationContext.configure(sync_connection).get_current_revision()  # type: ignore[arg-type]

    async with engine.connect() as connection:
        assert await connection.run_sync(revision) == (
            ScriptDirectory.from_config(alembic_config()).get_current_head()
        )
    async with AsyncSession(engine) as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0


def _managed_here(obj: object, name: str | None, type_: str, *_args: object) -> bool:
    return not (type_ == "table" and name in {"apscheduler_jobs", "alembic_version"})


async def test_first_contact_uses_telegram_language(session: AsyncSession) -> None:
    user = await users.ensure_user(
        session, telegram_id=10, language_code="ar", default_locale="sv", now=NOW
    )
    assert user.locale == "ar"
    other = await users.ensure_user(
        session, telegram_id=11, language_code="fi", default_locale="sv", now=NOW
    )
    assert other.locale == "sv"
    regional = await users.ensure_user(
        session, telegram_id=12, language_code="es-MX", default_locale="sv", now=NOW
    )
    assert regional.locale == "es"


async def test_big_telegram_ids_fit(session: AsyncSession) -> None:
    user = await users.ensure_user(
        session, telegram_id=7_000_000_000, language_code=None, default_locale="en", now=NOW
    )
    assert user.telegram_id == 7_000_000_000


async def test_chosen_locale_survives_and_telegram_language_does_not_override(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        user = await users.ensure_user(
            session, telegram_id=20, language_code="ar", default_locale="sv", now=NOW
        )
        await users.set_locale(session, user=user, locale="sv")
    async with sessionmaker() as session:
        again = await users.ensure_user(
            session, telegram_id=20, language_code="ar", default_locale="sv", now=NOW
        )
        assert again.locale == "sv"
        assert await users.stored_locale(session, 20) == "sv"
        assert await users.stored_locale(session, 21) is None


async def test_unknown_locale_is_refused(session: AsyncSession) -> None:
    user = await users.ensure_user(
        session, telegram_id=30, language_code="en", default_locale="sv", now=NOW
    )
    with pytest.raises(ValueError, match="unsupported locale"):
        await users.set_locale(session, user=user, locale="xx")


async def test_last_seen_is_written_at_most_hourly(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        await users.ensure_user(
            session, telegram_id=40, language_code="en", default_locale="sv", now=NOW
        )
    async with sessionmaker() as session:
        await users.ensure_user(
            session,
            telegram_id=40,
            language_code="en",
            default_locale="sv",
            now=NOW + timedelta(minutes=20),
        )
    async with sessionmaker() as session:
        stored = await session.get(User, 40)
        assert stored is not None
        assert stored.last_seen_at.replace(tzinfo=UTC) == NOW
        await users.ensure_user(
            session,
            telegram_id=40,
            language_code="en",
            default_locale="sv",
            now=NOW + timedelta(hours=2),
        )
    async with sessionmaker() as session:
        stored = await session.get(User, 40)
        assert stored is not None
        assert stored.last_seen_at.replace(tzinfo=UTC) == NOW + timedelta(hours=2)
        assert stored.first_seen_at.replace(tzinfo=UTC) == NOW


async def test_start_payload_is_kept(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        user = await users.ensure_user(
            session, telegram_id=50, language_code="en", default_locale="sv", now=NOW
        )
        await users.remember_start_payload(session, user=user, payload="pitch_rosengard")
    async with sessionmaker() as session:
        stored = await session.get(User, 50)
        assert stored is not None
        assert stored.start_payload == "pitch_rosengard"


async def test_fsm_state_and_data_survive_a_new_storage(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    storage = DatabaseFsmStorage(sessionmaker)
    await storage.set_state(key(), Form.title)
    await storage.set_data(key(), {"title": "Läxhjälp på biblioteket", "step": 1, "ok": True})
    await storage.update_data(key(), {"area": "söder"})

    reopened = DatabaseFsmStorage(sessionmaker)
    assert await reopened.get_state(key()) == "Form:title"
    assert await reopened.get_data(key()) == {
        "title": "Läxhjälp på biblioteket",
        "step": 1,
        "ok": True,
        "area": "söder",
    }
    assert await reopened.get_value(key(), "area") == "söder"
    assert await reopened.get_value(key(), "missing", "default") == "default"


async def test_fsm_keys_do_not_mix(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    storage = DatabaseFsmStorage(sessionmaker)
    await storage.set_state(key(1), "A:one")
    await storage.set_state(key(2), "B:two")
    await storage.set_data(key(1), {"who": 1})
    await storage.set_state(key(1, chat_id=-100), "G:group")
    assert await storage.get_state(key(1)) == "A:one"
    assert await storage.get_state(key(2)) == "B:two"
    assert await storage.get_state(key(1, chat_id=-100)) == "G:group"
    assert await storage.get_data(key(2)) == {}
    assert await storage.get_state(key(3)) is None


async def test_fsm_clear_leaves_no_row(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    storage = DatabaseFsmStorage(sessionmaker)
    await storage.set_state(key(), "A:one")
    await storage.set_data(key(), {"x": 1})
    await storage.set_state(key(), None)
    await storage.set_data(key(), {})
    async with sessionmaker() as session:
        rows = (await session.execute(select(FsmRecord))).scalars().all()
    assert rows == []
    assert await storage.get_state(key()) is None
    assert await storage.get_data(key()) == {}


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
async def test_redis_fsm_storage_is_chosen_and_keeps_state(database_url: str) -> None:
    """With REDIS_URL set, conversations live in Redis instead of the database."""
    import uuid

    from aiogram.fsm.storage.redis import RedisStorage

    from bot.app import create_fsm_storage
    from core.config import Settings

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token="1:x",
        database_url=database_url,
        redis_url=os.environ["TEST_REDIS_URL"],
    )
    storage, _isolation = create_fsm_storage(settings, None)  # type: ignore[arg-type]
    assert isinstance(storage, RedisStorage)
    redis_key = StorageKey(bot_id=1, chat_id=uuid.uuid4().int % 10**9, user_id=5)
    try:
        await storage.set_state(redis_key, Form.title)
        await storage.set_data(redis_key, {"title": "Cykelverkstad"})
        assert await storage.get_state(redis_key) == "Form:title"
        assert await storage.get_data(redis_key) == {"title": "Cykelverkstad"}
    finally:
        await storage.set_state(redis_key, None)
        await storage.set_data(redis_key, {})
        await storage.close()
