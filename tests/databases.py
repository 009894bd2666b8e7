"""Test databases copied from a template migrated once per session.

Running every Alembic migration for every test was most of the cost of a storage test. Each
session migrates one template instead (lazily, on its first test of that kind), and each test
gets its own copy at the head revision:

- SQLite: the template is a file in the session's temporary folder, migrated and switched back
  to a rollback journal (so the whole database is in that one file); a test gets a copy of the
  file in its own tmp_path. No test is given the template's own path.
- PostgreSQL: the template is a database that accepts no connections once migrated; a test
  gets `CREATE DATABASE ... TEMPLATE` of it, dropped after it. Copying costs about as much as
  creating an empty database, so the copy for the next test is made in the background while
  the current one runs, and copies are dropped by another worker, off the tests' path.

Migration tests get an empty database instead (`empty_database_url` in conftest).

Every connection this machinery opens is named `tillsammans_tests_<session>`; a session
starting drops the templates and copies whose session has no such connection any more (a run
that was killed), and never touches those of sessions still running.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from storage.database import create_engine
from storage.migrate import upgrade_to_head

PREFIX = "tillsammans_"
APPLICATION_PREFIX = "tillsammans_tests_"
# The session's template and copies: tillsammans_tmpl_<session>, tillsammans_copy_<session>_<n>.
OURS = re.compile(r"^tillsammans_(?:tmpl|copy)_(?P<session>[0-9a-f]{12})(?:_\d+)?$")


def run_in_thread(make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine to the end on its own loop, away from the test's loop and its state."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-database-setup") as thread:
        return thread.submit(lambda: asyncio.run(make())).result()


async def migrate(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


class SqliteTemplate:
    """A migrated SQLite file, copied for each test."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.db"
        self._built = False

    def copy_to(self, path: Path) -> str:
        self._build_once()
        shutil.copyfile(self.path, path)
        return f"sqlite+aiosqlite:///{path}"

    def _build_once(self) -> None:
        if self._built:
            return
        run_in_thread(lambda: migrate(f"sqlite+aiosqlite:///{self.path}"))
        # The engine runs in WAL mode; leave everything in the main file, then nothing beside
        # it is needed for a copy (each test's engine turns WAL on again, as on a new file).
        connection = sqlite3.connect(self.path)
        try:
            mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        finally:
            connection.close()
        leftovers = [p.name for p in self.path.parent.iterdir() if p != self.path]
        if mode != "delete" or leftovers:
            raise RuntimeError(f"the SQLite template is not self-contained: {mode}, {leftovers}")
        self._built = True


class PostgresTemplates:
    """A migrated template database next to TEST_DATABASE_URL's, and a copy of it per test.

    One worker thread makes databases, in the order they are asked for; tests wait only for
    their own copy, which is usually made while the test before runs. Another drops them, so
    that a drop never holds up the next copy. Each has its own connection.
    """

    def __init__(self, admin_url: str) -> None:
        self._url = make_url(admin_url)
        self._session = uuid.uuid4().hex[:12]
        self._application = f"{APPLICATION_PREFIX}{self._session}"
        self._template = f"{PREFIX}tmpl_{self._session}"
        self._copies = 0
        self._creator = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-db-create")
        self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-db-drop")
        self._connections = threading.local()
        self._leftovers_dropped = False
        self._ready: Future[None] | None = None
        self._next: Future[str] | None = None
        self._drops: list[Future[None]] = []

    def url_of(self, name: str) -> str:
        return self._url.set(database=name).render_as_string(hide_password=False)

    def copy(self) -> Future[str]:
        """A new database copied from the template (and the next one started in advance)."""
        if self._ready is None:
            self._ready = self._creator.submit(self._start)
        copy = self._next or self._creator.submit(self._create_copy)
        self._next = self._creator.submit(self._create_copy)
        return copy

    def empty(self) -> Future[str]:
        """A new empty database, for the tests of the migrations themselves."""
        return self._creator.submit(self._create_empty)

    def drop(self, database_url: str) -> None:
        """Dropped in the background; a failure shows up when the session ends."""
        name = make_url(database_url).database
        assert name is not None
        self._drops.append(self._dropper.submit(self._drop, name))

    def close(self) -> None:
        """Drop what is left (the copy made in advance, the template); report failed drops."""
        try:
            # The creator works in order: once the last copy asked for is done, all are.
            if self._next is not None and self._next.exception() is None:
                self.drop(self._next.result())
            if self._ready is not None:  # built or not, what there is of it goes
                self._ready.exception()
                self._drops.append(self._dropper.submit(self._drop, self._template))
            for drop in self._drops:
                drop.result()
        finally:
            for worker in (self._creator, self._dropper):
                worker.submit(self._disconnect).result()
                worker.shutdown()

    # In the worker threads only.

    def _admin(self) -> psycopg.Connection[Any]:
        connection: psycopg.Connection[Any] | None = getattr(self._connections, "admin", None)
        if connection is None:
            connection = psycopg.connect(
                self._url.set(drivername="postgresql").render_as_string(hide_password=False),
                autocommit=True,
                application_name=self._application,
            )
            self._connections.admin = connection
        return connection

    def _start(self) -> None:
        self._drop_leftovers()
        self._execute("CREATE DATABASE {}", self._template)
        asyncio.run(migrate(self.url_of(self._template)))
        # Nobody may be connected to a template being copied; nobody can be from now on.
        self._execute("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false", self._template)

    def _create_copy(self) -> str:
        assert self._ready is not None
        self._ready.result()  # raises here too if the template could not be built
        self._copies += 1
        name = f"{PREFIX}copy_{self._session}_{self._copies}"
        self._execute("CREATE DATABASE {} TEMPLATE {}", name, self._template)
        return self.url_of(name)

    def _create_empty(self) -> str:
        self._drop_leftovers()
        self._copies += 1
        name = f"{PREFIX}copy_{self._session}_{self._copies}"
        self._execute("CREATE DATABASE {}", name)
        return self.url_of(name)

    def _drop(self, name: str) -> None:
        assert OURS.match(name), name
        self._execute("DROP DATABASE IF EXISTS {} WITH (FORCE)", name)

    def _drop_leftovers(self) -> None:
        """Once, before creating anything: templates and copies of sessions that have no
        connection any more. This session's connection is open by then, so it counts."""
        if self._leftovers_dropped:
            return
        self._leftovers_dropped = True
        admin = self._admin()
        live = {
            row[0].removeprefix(APPLICATION_PREFIX)
            for row in admin.execute(
                "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE %s",
                (APPLICATION_PREFIX + "%",),
            )
        }
        names = [row[0] for row in admin.execute("SELECT datname FROM pg_database")]
        for name in names:
            found = OURS.match(name)
            if found and found["session"] not in live:
                self._drop(name)

    def _execute(self, statement: str, *names: str) -> None:
        query = sql.SQL(statement).format(*(sql.Identifier(name) for name in names))
        self._admin().execute(query)

    def _disconnect(self) -> None:
        connection = getattr(self._connections, "admin", None)
        if connection is not None:
            connection.close()
            self._connections.admin = None
