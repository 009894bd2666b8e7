"""Which updates from Telegram were taken and handled (table `handled_updates`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HandledUpdate

UpdateState = Literal["claimed", "handled"]
_TABLE = HandledUpdate.__table__  # type: ignore[attr-defined]


async def claim_update(
    session: AsyncSession, *, update_id: int, now: datetime, stale_before: datetime
) -> bool:
    """Take the update for handling, in one statement: true when it was not known yet, or
    its only claim is older than `stale_before` (a process that stopped mid-update)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(_TABLE)
        .values(update_id=update_id, claimed_at=now, handled_at=None)
        .on_conflict_do_update(
            index_elements=["update_id"],
            set_={"claimed_at": now},
            where=_TABLE.c.handled_at.is_(None) & (_TABLE.c.claimed_at < stale_before),
        )
        .returning(_TABLE.c.update_id)
    )
    return (await session.execute(statement)).first() is not None


async def record_handled(session: AsyncSession, *, update_ids: list[int], now: datetime) -> None:
    """Mark updates handled that were claimed outside the table (in the process)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert(_TABLE) if dialect == "postgresql" else sqlite.insert(_TABLE)
    rows = [
        {"update_id": update_id, "claimed_at": now, "handled_at": now} for update_id in update_ids
    ]
    await session.execute(
        insert.values(rows).on_conflict_do_update(
            index_elements=["update_id"], set_={"handled_at": insert.excluded.handled_at}
        )
    )


async def update_state(session: AsyncSession, update_id: int) -> UpdateState | None:
    """ "handled", "claimed" (being handled, or left by a process that stopped) or None."""
    handled_at = (
        await session.execute(select(_TABLE.c.handled_at).where(_TABLE.c.update_id == update_id))
    ).first()
    if handled_at is None:
        return None
    return "claimed" if handled_at[0] is None else "handled"


async def mark_handled(session: AsyncSession, *, update_id: int, now: datetime) -> None:
    await session.execute(
        update(_TABLE).where(_TABLE.c.update_id == update_id).values(handled_at=now)
    )


async def release_claim(session: AsyncSession, *, update_id: int) -> None:
    """Forget a claim whose handling did not finish, so a resent copy is handled."""
    await session.execute(
        delete(_TABLE).where(_TABLE.c.update_id == update_id, _TABLE.c.handled_at.is_(None))
    )


async def prune_updates(session: AsyncSession, *, claimed_before: datetime) -> int:
    """Forget updates taken before `claimed_before`; Telegram resends none that old."""
    result = await session.execute(delete(_TABLE).where(_TABLE.c.claimed_at < claimed_before))
    return result.rowcount or 0  # type: ignore[attr-defined]
