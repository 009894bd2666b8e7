"""Roles only one process plays at a time, however many run: the outbox sender and the clock.

A process plays a role only while it holds the role's lock:

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its
  own, kept for as long as the role runs. A process that dies closes that connection and the
  server frees the lock at once (a vanished network peer within about 25 s, by TCP
  keepalives, see storage/leadership.py).
- SQLite: an exclusive OS file lock (flock) on a file next to the database, freed by the OS
  when the process ends.

A process that does not get the lock stands by: it says so in the log once and tries again
every RETRY_SECONDS, so it takes over within about that long after the holder dies. The
holder checks every CHECK_SECONDS that it still holds the lock (that its connection works);
if not, it stops the role at once and goes back to trying.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.leadership import (
    create_lock_engine,
    holds_advisory_lock,
    lock_key,
    open_lock_connection,
    release_advisory_lock,
    try_advisory_lock,
)

logger = logging.getLogger(__name__)

SENDER = "outbox-sender"
CLOCK = "clock"
# A standby tries to take a free role this often (seconds).
RETRY_SECONDS = 2.0
# The holder makes sure it still holds its role this often (seconds).
CHECK_SECONDS = 2.0
# A lock operation that takes longer than this counts as failed.
LOCK_TIMEOUT = 5.0


class RoleLock(Protocol):
    """The lock of one role for this process."""

    description: str

    async def acquire(self) -> bool:
        """Take the lock if it is free; never waits for the holder."""
        ...

    async def held(self) -> bool:
        """Whether this process still holds the lock."""
        ...

    async def release(self) -> None: ...


class PostgresRoleLock:
    """A session-level advisory lock on a connection that is kept while the role runs."""

    def __init__(self, database_url: str, role: str) -> None:
        self.description = f"PostgreSQL advisory lock {lock_key(role)} ({role})"
        self._url = database_url
        self._role = role
        self._key = lock_key(role)
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        self._held = False

    async def acquire(self) -> bool:
        try:
            if self._connection is None:
                self._engine = self._engine or create_lock_engine(
                    self._url, f"tillsammans {self._role} pid {os.getpid()}"
                )
                self._connection = await asyncio.wait_for(
                    open_lock_connection(self._engine), LOCK_TIMEOUT
                )
            connection = self._connection
            self._held = await asyncio.wait_for(
                try_advisory_lock(connection, self._key), LOCK_TIMEOUT
            )
        except BaseException:
            await self._close()
            raise
        return self._held

    async def held(self) -> bool:
        if not self._held or self._connection is None:
            return False
        try:
            return await asyncio.wait_for(
                holds_advisory_lock(self._connection, self._key), LOCK_TIMEOUT
            )
        except Exception as error:
            logger.warning("the %s lock's connection failed: %s", self._role, type(error).__name__)
            return False

    async def release(self) -> None:
        """Unlock at once, so a successor need not wait for the session to end; closing the
        connection would free the lock as well."""
        if self._held and self._connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    release_advisory_lock(self._connection, self._key), LOCK_TIMEOUT
                )
        await self._close()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def _close(self) -> None:
        self._held = False
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), LOCK_TIMEOUT)


class FileRoleLock:
    """An exclusive flock on a file; the file says which process holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"lock file {path}"
        self._file: IO[str] | None = None

    async def acquire(self) -> bool:
        if self._file is not None:
            return True
        file = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            self.description = f"lock file {self.path}, {self._holder()}"
            return False
        file.truncate(0)
        file.write(f"{os.getpid()}\n")
        file.flush()
        self._file = file
        return True

    async def held(self) -> bool:
        return self._file is not None

    async def release(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)
            file.close()

    def _holder(self) -> str:
        try:
            pid = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            pid = ""
        return f"held by process {pid}" if pid.isdigit() else "held by another process"


class ProcessRoleLock:
    """An in-memory database is this process's alone: the role is always ours."""

    description = "an in-memory database"

    async def acquire(self) -> bool:
        return True

    async def held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


def role_lock(database_url: str, role: str) -> RoleLock:
    """The lock of `role` for the database at `database_url`."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresRoleLock(database_url, role)
    if url.database and url.database != ":memory:":
        database = Path(url.database).expanduser()
        return FileRoleLock(database.with_name(f"{database.name}.{role}.lock"))
    return ProcessRoleLock()


Action = Callable[[], Awaitable[None]]


class Leadership:
    """Runs a role while this process holds its lock. `start()` tries once at once (so a
    single process has its role before it takes updates), then keeps trying or checking in
    the background; `stop()` stops the role and frees the lock."""

    def __init__(
        self,
        role: str,
        lock: RoleLock,
        *,
        on_acquired: Action,
        on_lost: Action,
        observer: Callable[[bool], None] | None = None,
        retry_seconds: float = RETRY_SECONDS,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self.role = role
        self._lock = lock
        self._on_acquired = on_acquired
        self._on_lost = on_lost
        self._observer = observer
        self._retry = retry_seconds
        self._check = check_seconds
        self._told_standby = False
        self._task: asyncio.Task[None] | None = None
        self.held = False

    async def start(self) -> None:
        await self._attempt()
        self._task = asyncio.create_task(self._watch(), name=f"leadership-{self.role}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.held:
            await self._lose()
        await self._lock.release()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._check if self.held else self._retry)
            try:
                if not self.held:
                    await self._attempt()
                elif not await self._lock.held():
                    logger.error("lost the lock of the %s; stopping it here", self.role)
                    await self._lose()
                    await self._lock.release()
            except Exception:
                logger.exception("the %s's leadership check failed; trying again", self.role)

    async def _attempt(self) -> None:
        try:
            acquired = await self._lock.acquire()
        except Exception as error:
            logger.warning("could not try for the %s: %s", self.role, type(error).__name__)
            return
        if not acquired:
            if not self._told_standby:
                logger.info(
                    "another process runs the %s (%s); this one stands by and tries again "
                    "every %s s",
                    self.role,
                    self._lock.description,
                    self._retry,
                )
                self._told_standby = True
            return
        self.held = True
        self._told_standby = False
        self._observe(True)
        logger.info("this process now runs the %s", self.role)
        try:
            await self._on_acquired()
        except Exception:
            logger.exception("the %s could not start; its lock is given up", self.role)
            await self._lose()
            await self._lock.release()

    async def _lose(self) -> None:
        self.held = False
        self._observe(False)
        try:
            await self._on_lost()
        except Exception:
            logger.exception("the %s did not stop cleanly", self.role)

    def _observe(self, held: bool) -> None:
        if self._observer is not None:
            self._observer(held)
