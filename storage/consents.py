"""Data functions for residents' consents. No commits here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConsentRecord


async def add_consent(
    session: AsyncSession,
    *,
    user_id: int,
    pitch_id: int,
    kind: str,
    notice_version: str,
    given_at: datetime,
) -> ConsentRecord:
    record = ConsentRecord(
        user_id=user_id,
        pitch_id=pitch_id,
        kind=kind,
        notice_version=notice_version,
        given_at=given_at,
    )
    session.add(record)
    await session.flush()
    return record


async def consents_of_user(session: AsyncSession, user_id: int) -> Sequence[ConsentRecord]:
    """The person's consents, oldest first."""
    result = await session.execute(
        select(ConsentRecord)
        .where(ConsentRecord.user_id == user_id)  # type: ignore[arg-type]
        .order_by(ConsentRecord.given_at, ConsentRecord.id)  # type: ignore[arg-type]
    )
    return result.scalars().all()


async def consents_of_pitch(session: AsyncSession, pitch_id: int) -> Sequence[ConsentRecord]:
    result = await session.execute(
        select(ConsentRecord)
        .where(ConsentRecord.pitch_id == pitch_id)  # type: ignore[arg-type]
        .order_by(ConsentRecord.given_at, ConsentRecord.id)  # type: ignore[arg-type]
    )
    return result.scalars().all()


async def withdraw_consents(
    session: AsyncSession, *, pitch_id: int, kinds: Sequence[str], now: datetime
) -> int:
    """Mark the pitch's consents of these kinds withdrawn (once); returns how many changed."""
    result = await session.execute(
        update(ConsentRecord)
        .where(
            ConsentRecord.pitch_id == pitch_id,  # type: ignore[arg-type]
            ConsentRecord.kind.in_(kinds),  # type: ignore[attr-defined]
            ConsentRecord.withdrawn_at.is_(None),  # type: ignore[union-attr]
        )
        .values(withdrawn_at=now)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
