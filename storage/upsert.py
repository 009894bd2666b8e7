"""INSERT ... ON CONFLICT for the two dialects we run on."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


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
    an empty list leaves an existing row as it is.
    """
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values)
    columns = [n for n in values if n not in keys] if update_columns is None else update_columns
    if not columns:
        await session.execute(statement.on_conflict_do_nothing(index_elements=keys))
        return
    changes = {name: statement.excluded[name] for name in columns}
    await session.execute(statement.on_conflict_do_update(index_elements=keys, set_=changes))
