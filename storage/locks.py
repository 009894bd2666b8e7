"""One writer at a time for a table, on both databases we run on. No commits here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, text, update
from sqlalchemy.ext.asyncio import AsyncSession


async def lock_for_writing(session: AsyncSession, table: Any) -> None:
    """Until this transaction ends, other transactions that lock or write `table` wait; plain
    reads go on. What this transaction reads afterwards is the latest committed state, so a
    rule checked after the lock still holds when the transaction writes."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    if dialect == "postgresql":
        name = session.bind.dialect.identifier_preparer.format_table(table)  # type: ignore[union-attr]
        await session.execute(text(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE"))
        return
    # SQLite lets one connection write at a time: a write that changes nothing takes that turn
    # now (waiting for it within the busy timeout) and keeps it until the transaction ends.
    key = next(iter(table.primary_key.columns))
    await session.execute(update(table).where(false()).values({key.name: key}))
