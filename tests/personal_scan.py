"""A scan of every table and column, driven by the metadata (a new table is covered without
editing the scan), for one person's Telegram id and the personal values a test gave them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on the metadata)


@dataclass(frozen=True)
class Hit:
    """A cell that holds the person's id (`value` is the id) or one of their values."""

    table: str
    column: str
    value: str


@dataclass(frozen=True)
class OwnedRow:
    """A row whose person column holds the person's id: every cell of it, by column."""

    table: str
    cells: dict[str, Any]


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return None


async def table_rows(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> Iterator[tuple[str, dict[str, Any]]]:
    rows: list[tuple[str, dict[str, Any]]] = []
    async with sessionmaker() as session:
        for table in SQLModel.metadata.sorted_tables:
            result = await session.execute(select(table))
            rows += [(table.name, dict(row._mapping)) for row in result.all()]
    return iter(rows)


async def scan(
    sessionmaker: async_sessionmaker[AsyncSession], person_id: int, values: Iterable[str]
) -> tuple[list[Hit], list[OwnedRow]]:
    """Every cell holding the id (as a number, or inside a text) or one of `values`, and
    every row with the id in a whole integer cell."""
    wanted = [v for v in values if v]
    hits: list[Hit] = []
    owned: list[OwnedRow] = []
    for table, row in await table_rows(sessionmaker):
        owns = False
        for column, value in row.items():
            if isinstance(value, int) and not isinstance(value, bool) and value == person_id:
                hits.append(Hit(table, column, str(person_id)))
                owns = True
                continue
            text = _as_text(value)
            if text is None:
                continue
            if str(person_id) in text:
                hits.append(Hit(table, column, str(person_id)))
            hits += [Hit(table, column, v) for v in wanted if v in text]
        if owns:
            owned.append(OwnedRow(table, row))
    return hits, owned


def leaves(value: Any) -> Iterator[str]:
    """Every string and number inside a parsed JSON value, as text."""
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)


def found_in(value: str, texts: list[str]) -> bool:
    return any(value in text for text in texts)
