"""Data functions of the retention periods: each finds one batch of what a period has
passed and removes it. No commits here; the caller commits each batch (or rolls back)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AuditEntry,
    Campaign,
    ConsentRecord,
    Coordinator,
    DeliveryAttempt,
    Event,
    FsmRecord,
    OutboxMessage,
    Pitch,
    PitchDraft,
    PitchMessage,
    PromotedAdmin,
    Rsvp,
    Subscription,
    User,
)

# The last part of a conversation key (aiogram's DefaultKeyBuilder with destiny):
# fsm:<chat>[:<thread>]:<user>:default.
_FSM_KEY_SUFFIX = ":{user_id}:default"


async def _ids(session: AsyncSession, statement: Any) -> list[int]:
    return [int(value) for value in (await session.execute(statement)).scalars().all()]


def _count(result: Any) -> int:
    return int(result.rowcount or 0)


# --- drafts ---------------------------------------------------------------------------------


async def delete_drafts(session: AsyncSession, *, untouched_before: datetime, limit: int) -> int:
    """Up to `limit` drafts untouched since before `untouched_before`; how many went."""
    stale = PitchDraft.updated_at < untouched_before  # type: ignore[operator]
    ids = await _ids(
        session, select(PitchDraft.user_id).where(stale).order_by(PitchDraft.user_id).limit(limit)
    )
    if not ids:
        return 0
    result = await session.execute(
        delete(PitchDraft).where(PitchDraft.user_id.in_(ids), stale)  # type: ignore[attr-defined]
    )
    return _count(result)


# --- the outbox -----------------------------------------------------------------------------


async def old_outbox_ids(
    session: AsyncSession, *, created_before: datetime, limit: int
) -> list[int]:
    """Up to `limit` outbox rows (whatever their status) queued before `created_before`."""
    return await _ids(
        session,
        select(OutboxMessage.id)
        .where(OutboxMessage.created_at < created_before)  # type: ignore[operator]
        .order_by(OutboxMessage.id)
        .limit(limit),
    )


async def delete_outbox_rows(session: AsyncSession, outbox_ids: Sequence[int]) -> tuple[int, int]:
    """The rows and their delivery attempts; (rows, attempts) deleted."""
    if not outbox_ids:
        return 0, 0
    attempts = await session.execute(
        delete(DeliveryAttempt).where(DeliveryAttempt.outbox_id.in_(outbox_ids))  # type: ignore[attr-defined]
    )
    rows = await session.execute(
        delete(OutboxMessage).where(OutboxMessage.id.in_(outbox_ids))  # type: ignore[union-attr]
    )
    return _count(rows), _count(attempts)


async def delete_finished_campaigns(
    session: AsyncSession, *, created_before: datetime, limit: int
) -> int:
    """Up to `limit` finished campaigns created before `created_before` that have no outbox
    row left; how many went."""
    done = (
        Campaign.finished_at.is_not(None),  # type: ignore[union-attr]
        Campaign.created_at < created_before,  # type: ignore[operator]
        ~exists().where(OutboxMessage.campaign_id == Campaign.id),
    )
    ids = await _ids(session, select(Campaign.id).where(*done).order_by(Campaign.id).limit(limit))
    if not ids:
        return 0
    result = await session.execute(
        delete(Campaign).where(Campaign.id.in_(ids), *done)  # type: ignore[union-attr]
    )
    return _count(result)


# --- closed pitches -------------------------------------------------------------------------


async def closed_pitches_to_anonymise(
    session: AsyncSession, *, closed_before: datetime, limit: int
) -> list[int]:
    """Up to `limit` pitches closed before `closed_before` and not yet anonymised."""
    return await _ids(
        session,
        select(Pitch.id)
        .where(
            Pitch.closed_at < closed_before,  # type: ignore[operator]
            Pitch.anonymised_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(Pitch.id)
        .limit(limit),
    )


async def forget_pitch_messages(session: AsyncSession, pitch_ids: Sequence[int]) -> int:
    """The records of the bot's messages about the pitches (chats and message ids)."""
    if not pitch_ids:
        return 0
    result = await session.execute(
        delete(PitchMessage).where(PitchMessage.pitch_id.in_(pitch_ids))  # type: ignore[attr-defined]
    )
    return _count(result)


# --- the audit log --------------------------------------------------------------------------


async def delete_audit_entries(
    session: AsyncSession, *, written_before: datetime, limit: int
) -> int:
    """Up to `limit` audit entries written before `written_before`; how many went."""
    old = AuditEntry.created_at < written_before  # type: ignore[operator]
    ids = await _ids(
        session, select(AuditEntry.id).where(old).order_by(AuditEntry.id).limit(limit)
    )
    if not ids:
        return 0
    result = await session.execute(
        delete(AuditEntry).where(AuditEntry.id.in_(ids), old)  # type: ignore[union-attr]
    )
    return _count(result)


# --- inactive users -------------------------------------------------------------------------


def _inactive(
    seen_before: datetime, now: datetime, keep: Collection[int]
) -> list[ColumnElement[bool]]:
    """A user not seen since `seen_before` with nothing that keeps them: no pitch, no
    subscription, no answer to a meeting that has not ended, no role, not in `keep`."""
    person = User.telegram_id
    conditions: list[ColumnElement[bool]] = [
        User.last_seen_at < seen_before,  # type: ignore[list-item,operator]
        ~exists().where(Pitch.user_id == person),
        ~exists().where(Subscription.user_id == person),
        ~exists()
        .where(Rsvp.user_id == person, Rsvp.event_id == Event.id)
        .where(Event.ends_at >= now),  # type: ignore[operator]
        ~exists().where(PromotedAdmin.user_id == person),
        ~exists().where(Coordinator.user_id == person),
    ]
    if keep:
        conditions.append(person.not_in(list(keep)))  # type: ignore[attr-defined]
    return conditions


async def inactive_user_ids(
    session: AsyncSession,
    *,
    seen_before: datetime,
    now: datetime,
    keep: Collection[int],
    limit: int,
) -> list[int]:
    """Up to `limit` users that the inactivity period has passed (see `_inactive`)."""
    return await _ids(
        session,
        select(User.telegram_id)
        .where(*_inactive(seen_before, now, keep))
        .order_by(User.telegram_id)
        .limit(limit),
    )


async def delete_users(
    session: AsyncSession,
    user_ids: Sequence[int],
    *,
    seen_before: datetime,
    now: datetime,
    keep: Collection[int],
) -> list[int]:
    """Delete the users that are still inactive (checked again in the same statement), then
    what is keyed by them: conversation state, drafts, past answers to meetings, messages
    queued for them and their delivery records, records of the bot's messages in their chat;
    their consent records lose the link. Returns the ids deleted."""
    if not user_ids:
        return []
    result = await session.execute(
        delete(User)
        .where(User.telegram_id.in_(user_ids), *_inactive(seen_before, now, keep))  # type: ignore[attr-defined]
        .returning(User.telegram_id)
    )
    gone = [int(value) for value in result.scalars().all()]
    if gone:
        await _delete_what_is_keyed_by(session, gone)
    return gone


async def _delete_what_is_keyed_by(session: AsyncSession, user_ids: list[int]) -> None:
    queued = select(OutboxMessage.id).where(OutboxMessage.chat_id.in_(user_ids))  # type: ignore[attr-defined]
    await session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.outbox_id.in_(queued)))  # type: ignore[attr-defined]
    await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id.in_(user_ids)))  # type: ignore[attr-defined]
    await session.execute(delete(PitchMessage).where(PitchMessage.chat_id.in_(user_ids)))  # type: ignore[attr-defined]
    await session.execute(delete(Rsvp).where(Rsvp.user_id.in_(user_ids)))  # type: ignore[attr-defined]
    await session.execute(delete(PitchDraft).where(PitchDraft.user_id.in_(user_ids)))  # type: ignore[attr-defined]
    await session.execute(
        update(ConsentRecord)
        .where(ConsentRecord.user_id.in_(user_ids))  # type: ignore[attr-defined]
        .values(user_id=None)
        .execution_options(synchronize_session=False)
    )
    keys = [FsmRecord.key.like(f"%{_FSM_KEY_SUFFIX.format(user_id=uid)}") for uid in user_ids]  # type: ignore[attr-defined]
    await session.execute(delete(FsmRecord).where(or_(*keys)))
