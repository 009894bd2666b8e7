"""Roles one process plays at a time: the locks on both databases, and a Leadership that
starts, stands by, takes over and stops its role when it loses the lock."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.leadership import (
    SENDER,
    FileRoleLock,
    Leadership,
    PostgresRoleLock,
    ProcessRoleLock,
    RoleLock,
    role_lock,
)
from storage.leadership import lock_key


class RoleLog:
    """What a role was told to do, in order."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.changed = asyncio.Event()

    async def started(self) -> None:
        self.events.append("start")
        self.changed.set()

    async def stopped(self) -> None:
        self.events.append("stop")
        self.changed.set()

    async def wait_for(self, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while len(self.events) < count:
                self.changed.clear()
                await self.changed.wait()


def leadership(lock: RoleLock, log: RoleLog, held: list[bool] | None = None) -> Leadership:
    return Leadership(
        SENDER,
        lock,
        on_acquired=log.started,
        on_lost=log.stopped,
        observer=held.append if held is not None else None,
        retry_seconds=0.05,
        check_seconds=0.05,
    )


def test_each_database_gets_its_kind_of_lock(tmp_path: Path) -> None:
    file_lock = role_lock(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", SENDER)
    assert isinstance(file_lock, FileRoleLock)
    assert file_lock.path == tmp_path / "bot.db.outbox-sender.lock"
    assert isinstance(role_lock("postgresql+asyncpg://u@h/db", SENDER), PostgresRoleLock)
    assert isinstance(role_lock("sqlite+aiosqlite:///:memory:", SENDER), ProcessRoleLock)
    assert lock_key("outbox-sender") != lock_key("clock")
    assert lock_key("clock") == lock_key("clock")


async def test_one_holder_at_a_time_and_the_next_takes_over(database_url: str) -> None:
    """Two processes' locks on one database: the first holds, the second is refused until
    the first lets go; another role's lock is independent."""
    first, second = role_lock(database_url, SENDER), role_lock(database_url, SENDER)
    other_role = role_lock(database_url, "clock")
    try:
        assert await first.acquire()
        assert await first.held()
        assert not await second.acquire()
        assert not await second.held()
        assert await other_role.acquire()
        await first.release()
        assert not await first.held()
        assert await second.acquire()
        assert await second.held()
    finally:
        for lock in (first, second, other_role):
            await lock.release()


async def test_a_standby_says_why_and_takes_over_when_the_holder_stops(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.leadership")
    holder_log, standby_log = RoleLog(), RoleLog()
    held: list[bool] = []
    holder = leadership(role_lock(database_url, SENDER), holder_log)
    standby = leadership(role_lock(database_url, SENDER), standby_log, held)
    await holder.start()
    await standby.start()
    try:
        assert holder.held and holder_log.events == ["start"]
        assert not standby.held and standby_log.events == []
        standing_by = [r.getMessage() for r in caplog.records if "stands by" in r.getMessage()]
        assert len(standing_by) == 1
        assert "another process runs the outbox-sender" in standing_by[0]

        await holder.stop()
        assert holder_log.events == ["start", "stop"]
        await standby_log.wait_for(1)
        assert standby.held and held == [True]
    finally:
        await standby.stop()
        await holder.stop()
    assert standby_log.events == ["start", "stop"]
    assert held == [True, False]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_lost_lock_stops_the_role_and_the_process_tries_again(
    database_url: str, engine: AsyncEngine
) -> None:
    """The holding connection dies (the server ends its session): the role stops at once,
    and the process takes the role again when it can. (A SQLite file lock cannot be lost
    while its process lives.)"""
    log = RoleLog()
    role = leadership(role_lock(database_url, SENDER), log)
    await role.start()
    try:
        assert log.events == ["start"]
        async with engine.connect() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = "
                    "'advisory' AND ((classid::bigint << 32) | objid::bigint) = :key"
                ),
                {"key": lock_key(SENDER)},
            )
            await connection.commit()
        await log.wait_for(3)
        assert log.events == ["start", "stop", "start"]
        assert role.held
    finally:
        await role.stop()


async def test_a_role_that_cannot_start_gives_up_its_lock(database_url: str) -> None:
    async def broken() -> None:
        raise RuntimeError("cannot start")

    log = RoleLog()
    failing = Leadership(
        SENDER,
        role_lock(database_url, SENDER),
        on_acquired=broken,
        on_lost=log.stopped,
        retry_seconds=60,
    )
    await failing.start()
    other = role_lock(database_url, SENDER)
    try:
        assert not failing.held
        assert log.events == ["stop"]
        assert await other.acquire()
    finally:
        await other.release()
        await failing.stop()
