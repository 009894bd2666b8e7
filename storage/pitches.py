"""Data functions for pitch drafts, pitches and their reference numbers. No commits here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Pitch, PitchDraft, ReferenceCounter
from storage.upsert import upsert


async def get_draft(session: AsyncSession, user_id: int) -> PitchDraft | None:
    return await session.get(PitchDraft, user_id)


async def delete_draft(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(PitchDraft).where(PitchDraft.user_id == user_id))


async def claim_draft(session: AsyncSession, user_id: int, updated_at: datetime) -> bool:
    """Delete the draft as it was read (its `updated_at`); False when it has gone or
    changed since: another transaction got there first."""
    result = await session.execute(
        delete(PitchDraft).where(
            PitchDraft.user_id == user_id,  # type: ignore[arg-type]
            PitchDraft.updated_at == updated_at,  # type: ignore[arg-type]
        )
    )
    return (result.rowcount or 0) == 1


async def next_reference_number(session: AsyncSession, year: int) -> int:
    """Reserve the next number of the year (the row is locked until the transaction ends)."""
    await upsert(
        session,
        ReferenceCounter.__table__,
        keys=["year"],
        values={"year": year, "last_number": 0},
        update_columns=[],
    )
    result = await session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last_number=ReferenceCounter.last_number + 1)
        .returning(ReferenceCounter.last_number)
    )
    return int(result.scalar_one())


async def add_pitch(session: AsyncSession, pitch: Pitch) -> Pitch:
    session.add(pitch)
    await session.flush()
    return pitch


async def count_pitches_of_user(session: AsyncSession, user_id: int) -> int:
    result = await session.execute(
        select(func.count()).select_from(Pitch).where(Pitch.user_id == user_id)
    )
    return int(result.scalar_one())


async def pitches_of_user(
    session: AsyncSession, user_id: int, *, offset: int = 0, limit: int = 20
) -> Sequence[Pitch]:
    """One resident's pitches, newest first."""
    result = await session.execute(
        select(Pitch)
        .where(Pitch.user_id == user_id)
        .order_by(Pitch.submitted_at.desc(), Pitch.id.desc())  # type: ignore[union-attr]
        .offset(offset)
        .limit(limit)
    )
    return result.scalars().all()


async def get_pitch_by_reference(session: AsyncSession, reference: str) -> Pitch | None:
    result = await session.execute(select(Pitch).where(Pitch.reference == reference))
    return result.scalar_one_or_none()
