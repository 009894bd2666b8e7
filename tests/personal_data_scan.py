"""A scan of every table and column of the database for a person's data.

Driven by `SQLModel.metadata` (every model's table is scanned, so a new table is covered
without editing a test) and by the database itself (tables no model describes, such as
the scheduler's job store, are reflected and scanned too). Every value is compared as
text: numbers whole (an id 123 is not found in 41234), JSON as written, bytes (a pickled
job) as stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import MetaData, Table, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on SQLModel.metadata)

# Bookkeeping of the tools, not of the programme.
SKIPPED_TABLES = frozenset({"alembic_version"})


@dataclass(frozen=True)
class Finding:
    """`needle` (named `what`) was found in `table`.`column`."""

    table: str
    column: str
    what: str
    value: str

    def __str__(self) -> str:
        return f"{self.what} in {self.table}.{self.column}: {self.value[:120]!r}"


def _as_text(value: Any) -> str | bytes | None:
    if value is None or isinstance(value, bool | datetime | date):
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _matches(needle: str, text: str | bytes) -> bool:
    """A number is found only whole; other needles anywhere (case-insensitively)."""
    if isinstance(text, bytes):
        return needle.encode() in text or needle.encode("utf-16-le") in text
    if needle.isdigit():
        return re.search(rf"(?<!\d){needle}(?!\d)", text) is not None
    return needle.casefold() in text.casefold()


def _tables(connection: Connection) -> list[Table]:
    """Every model's table, then every other table the database holds."""
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in SKIPPED_TABLES]
    known = {t.name for t in tables} | SKIPPED_TABLES
    reflected = MetaData()
    for name in sorted(inspect(connection).get_table_names()):
        if name not in known:
            tables.append(Table(name, reflected, autoload_with=connection))
    return tables


def _scan_sync(connection: Connection, needles: Mapping[str, str]) -> list[Finding]:
    findings = []
    for table in _tables(connection):
        for row in connection.execute(select(table)).mappings():
            for column, value in row.items():
                text = _as_text(value)
                if text is None:
                    continue
                for what, needle in needles.items():
                    if _matches(needle, text):
                        shown = text.decode("latin-1") if isinstance(text, bytes) else text
                        findings.append(Finding(table.name, str(column), what, shown))
    return findings


async def scan(engine: AsyncEngine, needles: Mapping[str, str]) -> list[Finding]:
    """Every place in the database where one of `needles` ({what: value}) is found."""
    async with engine.connect() as connection:
        return await connection.run_sync(_scan_sync, dict(needles))


async def scanned_tables(engine: AsyncEngine) -> list[str]:
    """The names of the tables a scan covers."""
    async with engine.connect() as connection:
        return await connection.run_sync(lambda c: [t.name for t in _tables(c)])


def without(findings: Iterable[Finding], allowed: Iterable[tuple[str, str, str]]) -> list[Finding]:
    """The findings except those (table, column, what) a setting keeps on purpose."""
    kept = set(allowed)
    return [f for f in findings if (f.table, f.column, f.what) not in kept]
