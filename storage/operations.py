"""Queries for operators: is the database there, how full is the outbox, how many pitches
are in each status. Read-only; no commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, Pitch


async def ping(session: AsyncSession) -> None:
    """Raises when the database cannot be reached."""
    await session.execute(text("SELECT 1"))


@dataclass(frozen=True)
class OutboxBacklog:
    """Messages still queued, and when the oldest of them was queued (None: none is)."""

    queued: int
    oldest_queued_at: datetime | None


async def outbox_backlog(session: AsyncSession) -> OutboxBacklog:
    result = await session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == "queued"
        )
    )
    count, oldest = result.one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)  # SQLite hands back naive UTC datetimes
    return OutboxBacklog(queued=int(count), oldest_queued_at=oldest)


async def pitches_by_status(session: AsyncSession) -> dict[str, int]:
    result = await session.execute(
        select(Pitch.status, func.count()).group_by(Pitch.status)  # type: ignore[arg-type]
    )
    return {status: int(count) for status, count in result.all()}
