"""INSERT ... ON CONFLICT for the two dialects we run on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String, TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

# The range of each integer column type, as PostgreSQL stores it (SQLite stores 64 bits).
_INTEGER_BITS = ((BigInteger, 64), (SmallInteger, 16), (Integer, 32))


class ValueOutOfRange(ValueError):
    """A value does not fit its column; nothing was sent to the database."""


async def upsert(
    session: AsyncSession,
    table: Any,
    *,
    keys: list[str],
    values: dict[str, Any],
    update_columns: list[str] | None = None,
) -> None:
    """Insert `values`, or update the row whose `keys` match.

    `update_columns` limits what an existing row gets (default: every non-key column);
    an empty list leaves an existing row as it is. A number or text that does not fit its
    column raises ValueOutOfRange before anything reaches the database, the same way on both
    dialects (callers read their input with core.inputs, so this is the last guard).
    """
    check_fits(table, values)
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values)
    columns = [n for n in values if n not in keys] if update_columns is None else update_columns
    if not columns:
        await session.execute(statement.on_conflict_do_nothing(index_elements=keys))
        return
    changes = {name: statement.excluded[name] for name in columns}
    await session.execute(statement.on_conflict_do_update(index_elements=keys, set_=changes))


def check_fits(table: Any, values: dict[str, Any]) -> None:
    """ValueOutOfRange if an integer or a text in `values` does not fit its column."""
    for name, value in values.items():
        column_type = table.c[name].type
        if isinstance(column_type, TypeDecorator):  # SQLModel's AutoString, for one
            column_type = column_type.impl_instance
        if isinstance(value, int) and not isinstance(value, bool):
            bits = next((n for kind, n in _INTEGER_BITS if isinstance(column_type, kind)), None)
            if bits is not None and not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
                raise ValueOutOfRange(f"{table.name}.{name}: number out of range")
        elif isinstance(value, str) and isinstance(column_type, String):
            limit = column_type.length
            if limit is not None and len(value) > limit:
                raise ValueOutOfRange(f"{table.name}.{name}: text too long")
