"""Data functions of the privacy notice's versions: which one residents were told of, and
who is to be told of a new one. No commits here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConsentRecord, Pitch, PrivacyNoticeAnnouncement, User
from storage.upsert import upsert


async def announced_version(session: AsyncSession, city_code: str) -> str | None:
    """The version residents were last told of (None: none yet)."""
    row = await session.get(PrivacyNoticeAnnouncement, city_code)
    return row.notice_version if row else None


async def set_announced_version(
    session: AsyncSession, *, city_code: str, version: str, now: datetime
) -> None:
    await upsert(
        session,
        PrivacyNoticeAnnouncement.__table__,
        keys=["city_code"],
        values={"city_code": city_code, "notice_version": version, "announced_at": now},
    )


async def residents_not_told(
    session: AsyncSession, *, version: str, open_statuses: Sequence[str]
) -> list[tuple[int, str]]:
    """(Telegram id, language) of each resident, not blocked, with an open pitch whose consent
    was given under another version of the notice (or before versions were kept)."""
    seen_this_version = exists().where(
        and_(
            ConsentRecord.pitch_id == Pitch.id,  # type: ignore[arg-type]
            ConsentRecord.kind == "pitch",  # type: ignore[arg-type]
            ConsentRecord.notice_version == version,  # type: ignore[arg-type]
        )
    )
    result = await session.execute(
        select(User.telegram_id, User.locale)
        .join(Pitch, Pitch.user_id == User.telegram_id)  # type: ignore[arg-type]
        .where(
            Pitch.status.in_(list(open_statuses)),  # type: ignore[attr-defined]
            User.blocked_at.is_(None),  # type: ignore[union-attr]
            ~seen_this_version,
        )
        .distinct()
        .order_by(User.telegram_id)
    )
    return [(int(user_id), str(locale)) for user_id, locale in result.all()]
