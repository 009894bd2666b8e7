"""Data functions for roles, bound chats, pitch history, audit and pitch messages.

No commits here: the calling service does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.locks import lock_for_writing
from storage.models import (
    AuditEntry,
    Coordinator,
    GroupChat,
    IncubatorChat,
    Pitch,
    PitchEvent,
    PitchMessage,
    PromotedAdmin,
    User,
)
from storage.upsert import upsert

# --- admins and coordinators -------------------------------------------------------------


async def promoted_admin_ids(session: AsyncSession) -> list[int]:
    result = await session.execute(select(PromotedAdmin.user_id).order_by(PromotedAdmin.user_id))
    return list(result.scalars())


async def add_promoted_admin(
    session: AsyncSession, *, user_id: int, granted_by: int, now: datetime
) -> None:
    await upsert(
        session,
        PromotedAdmin.__table__,
        keys=["user_id"],
        values={"user_id": user_id, "granted_by": granted_by, "granted_at": now},
        update_columns=[],
    )


async def lock_admins(session: AsyncSession) -> None:
    """Promotions and removals of admins, one at a time until this transaction ends."""
    await lock_for_writing(session, PromotedAdmin.__table__)


async def remove_promoted_admin(session: AsyncSession, user_id: int) -> bool:
    result = await session.execute(delete(PromotedAdmin).where(PromotedAdmin.user_id == user_id))
    return bool(result.rowcount)


async def incubators_of_coordinator(session: AsyncSession, user_id: int) -> list[str]:
    result = await session.execute(
        select(Coordinator.incubator_code).where(Coordinator.user_id == user_id)
    )
    return list(result.scalars())


async def coordinators(
    session: AsyncSession, incubator_code: str | None = None
) -> Sequence[Coordinator]:
    query = select(Coordinator).order_by(Coordinator.incubator_code, Coordinator.user_id)
    if incubator_code is not None:
        query = query.where(Coordinator.incubator_code == incubator_code)
    return (await session.execute(query)).scalars().all()


async def add_coordinator(
    session: AsyncSession, *, incubator_code: str, user_id: int, added_by: int, now: datetime
) -> None:
    await upsert(
        session,
        Coordinator.__table__,
        keys=["incubator_code", "user_id"],
        values={
            "incubator_code": incubator_code,
            "user_id": user_id,
            "added_by": added_by,
            "added_at": now,
        },
        update_columns=[],
    )


async def remove_coordinator(session: AsyncSession, *, incubator_code: str, user_id: int) -> bool:
    result = await session.execute(
        delete(Coordinator).where(
            Coordinator.incubator_code == incubator_code, Coordinator.user_id == user_id
        )
    )
    return bool(result.rowcount)


# --- chats -------------------------------------------------------------------------------


async def lock_bindings(session: AsyncSession) -> None:
    """Changes to which chat serves which incubator, one at a time until this transaction
    ends."""
    await lock_for_writing(session, IncubatorChat.__table__)


async def bound_chat(session: AsyncSession, incubator_code: str) -> int | None:
    binding = await session.get(IncubatorChat, incubator_code)
    return binding.chat_id if binding else None


async def incubator_of_chat(session: AsyncSession, chat_id: int) -> str | None:
    result = await session.execute(
        select(IncubatorChat.incubator_code).where(IncubatorChat.chat_id == chat_id)
    )
    return result.scalar_one_or_none()


async def all_bindings(session: AsyncSession) -> Sequence[IncubatorChat]:
    return (await session.execute(select(IncubatorChat))).scalars().all()


async def bind_chat(
    session: AsyncSession, *, incubator_code: str, chat_id: int, bound_by: int, now: datetime
) -> None:
    """One chat per incubator and one incubator per chat: earlier bindings give way."""
    await session.execute(delete(IncubatorChat).where(IncubatorChat.chat_id == chat_id))
    await upsert(
        session,
        IncubatorChat.__table__,
        keys=["incubator_code"],
        values={
            "incubator_code": incubator_code,
            "chat_id": chat_id,
            "bound_by": bound_by,
            "bound_at": now,
        },
    )


async def unbind_chat(session: AsyncSession, chat_id: int) -> str | None:
    code = await incubator_of_chat(session, chat_id)
    await session.execute(delete(IncubatorChat).where(IncubatorChat.chat_id == chat_id))
    return code


async def group_locale(session: AsyncSession, chat_id: int) -> str | None:
    group = await session.get(GroupChat, chat_id)
    return group.locale if group else None


async def set_group_locale(
    session: AsyncSession, *, chat_id: int, locale: str, now: datetime
) -> None:
    await upsert(
        session,
        GroupChat.__table__,
        keys=["chat_id"],
        values={"chat_id": chat_id, "locale": locale, "updated_at": now},
    )


async def user_locales(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    result = await session.execute(
        select(User.telegram_id, User.locale).where(User.telegram_id.in_(user_ids))  # type: ignore[attr-defined]
    )
    return dict(result.all())


# --- history, audit and messages -----------------------------------------------------------


async def add_event(session: AsyncSession, event: PitchEvent) -> None:
    session.add(event)
    await session.flush()


async def events_of(session: AsyncSession, pitch_id: int) -> Sequence[PitchEvent]:
    result = await session.execute(
        select(PitchEvent)
        .where(PitchEvent.pitch_id == pitch_id)
        .order_by(PitchEvent.created_at, PitchEvent.id)  # type: ignore[arg-type]
    )
    return result.scalars().all()


async def moved_out_of(session: AsyncSession, *, pitch_id: int, incubators: Sequence[str]) -> bool:
    """Whether the pitch was ever moved away from one of `incubators`."""
    if not incubators:
        return False
    moves = select(PitchEvent.id).where(
        PitchEvent.pitch_id == pitch_id,  # type: ignore[arg-type]
        PitchEvent.kind == "move",  # type: ignore[arg-type]
        or_(*(PitchEvent.detail.startswith(f"{code}>") for code in incubators)),  # type: ignore[union-attr]
    )
    return (await session.execute(moves.limit(1))).first() is not None


async def add_audit(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    subject: str,
    details: dict[str, Any] | None = None,
    now: datetime,
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            subject=subject,
            details=details or {},
            created_at=now,
        )
    )
    await session.flush()


async def add_pitch_message(
    session: AsyncSession,
    *,
    chat_id: int,
    message_id: int,
    pitch_id: int,
    purpose: str,
    now: datetime,
) -> None:
    await upsert(
        session,
        PitchMessage.__table__,
        keys=["chat_id", "message_id"],
        values={
            "chat_id": chat_id,
            "message_id": message_id,
            "pitch_id": pitch_id,
            "purpose": purpose,
            "created_at": now,
        },
    )


async def find_pitch_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> PitchMessage | None:
    return await session.get(PitchMessage, (chat_id, message_id))


async def card_messages(session: AsyncSession, pitch_id: int) -> Sequence[PitchMessage]:
    result = await session.execute(
        select(PitchMessage).where(
            PitchMessage.pitch_id == pitch_id, PitchMessage.purpose == "card"
        )
    )
    return result.scalars().all()


# --- pitches for coordinators ------------------------------------------------------------


async def get_pitch(session: AsyncSession, pitch_id: int, *, fresh: bool = False) -> Pitch | None:
    """The pitch; `fresh` reads it again from the database rather than the session's copy."""
    return await session.get(Pitch, pitch_id, populate_existing=fresh)


@dataclass(frozen=True)
class PitchState:
    """What a decision on a pitch is made on: its status, its incubator and who handles it."""

    status: str
    incubator_code: str
    assignee_id: int | None

    @classmethod
    def of(cls, pitch: Pitch) -> PitchState:
        return cls(pitch.status, pitch.incubator_code, pitch.assignee_id)


async def change_pitch(
    session: AsyncSession, *, pitch_id: int, expected: PitchState, values: dict[str, Any]
) -> bool:
    """Compare-and-set: write `values` only if the pitch is still in the `expected` state.

    True if the row changed. Of two changes made at once from the same state exactly one
    succeeds, on SQLite (writers take turns) and on PostgreSQL (the second UPDATE re-reads
    the row the first one committed and no longer matches it).
    """
    assignee = (
        Pitch.assignee_id.is_(None)  # type: ignore[union-attr]
        if expected.assignee_id is None
        else Pitch.assignee_id == expected.assignee_id
    )
    result = await session.execute(
        update(Pitch)
        .where(
            Pitch.id == pitch_id,  # type: ignore[arg-type]
            Pitch.status == expected.status,  # type: ignore[arg-type]
            Pitch.incubator_code == expected.incubator_code,  # type: ignore[arg-type]
            assignee,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def touch_pitch(session: AsyncSession, *, pitch_id: int, now: datetime) -> None:
    """Something happened on the pitch (a message either way) without a decision."""
    await session.execute(
        update(Pitch)
        .where(Pitch.id == pitch_id)  # type: ignore[arg-type]
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _scope(query: Any, incubators: Sequence[str] | None, erased: bool = True) -> Any:
    """`None` means every incubator (admins); `erased=False` leaves out pitches whose
    personal data was removed (they have left the inbox)."""
    if not erased:
        query = query.where(Pitch.erased_at.is_(None))  # type: ignore[union-attr]
    return query if incubators is None else query.where(Pitch.incubator_code.in_(incubators))  # type: ignore[attr-defined]


async def pitches_in(
    session: AsyncSession,
    *,
    incubators: Sequence[str] | None,
    statuses: Sequence[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
    erased: bool = True,
) -> Sequence[Pitch]:
    query = _scope(select(Pitch), incubators, erased)
    if statuses:
        query = query.where(Pitch.status.in_(statuses))  # type: ignore[attr-defined]
    query = query.order_by(Pitch.submitted_at.desc(), Pitch.id.desc()).offset(offset)  # type: ignore[union-attr]
    if limit is not None:
        query = query.limit(limit)
    return (await session.execute(query)).scalars().all()


async def count_pitches_in(
    session: AsyncSession,
    *,
    incubators: Sequence[str] | None,
    statuses: Sequence[str] | None,
    erased: bool = True,
) -> int:
    query = _scope(select(func.count()).select_from(Pitch), incubators, erased)
    if statuses:
        query = query.where(Pitch.status.in_(statuses))  # type: ignore[attr-defined]
    return int((await session.execute(query)).scalar_one())


async def search_pitches(
    session: AsyncSession, *, words: Sequence[str], incubators: Sequence[str] | None, limit: int
) -> Sequence[Pitch]:
    """Pitches whose reference, title, need or idea contain every word (any case). A word is
    looked for as written: `%` and `_` in it are no wildcards."""
    query = _scope(select(Pitch), incubators)
    for word in words:
        pattern = f"%{_like_literal(word.lower())}%"
        query = query.where(
            or_(
                func.lower(Pitch.reference).like(pattern, escape="\\"),
                func.lower(Pitch.title).like(pattern, escape="\\"),
                func.lower(Pitch.need).like(pattern, escape="\\"),
                func.lower(func.coalesce(Pitch.idea_text, "")).like(pattern, escape="\\"),
            )
        )
    query = query.order_by(Pitch.submitted_at.desc()).limit(limit)  # type: ignore[union-attr]
    return (await session.execute(query)).scalars().all()


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def unassigned_since(
    session: AsyncSession, *, submitted_before: datetime, flagged_before: datetime
) -> Sequence[Pitch]:
    """Received pitches nobody has taken, not flagged since `flagged_before`."""
    result = await session.execute(
        select(Pitch).where(
            Pitch.status == "received",
            Pitch.assignee_id.is_(None),  # type: ignore[union-attr]
            Pitch.erased_at.is_(None),  # type: ignore[union-attr]
            Pitch.submitted_at < submitted_before,
            or_(Pitch.last_flagged_at.is_(None), Pitch.last_flagged_at < flagged_before),  # type: ignore[union-attr, operator]
        )
    )
    return result.scalars().all()
