"""Data functions of erasure: what a person leaves behind, removed or cut from them.

No commits here: the calling use case (core.services.erasure) does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.anonymising import anonymise_pitches
from storage.models import (
    AuditEntry,
    ConsentRecord,
    DeliveryAttempt,
    FsmRecord,
    OutboxMessage,
    Pitch,
    PitchDraft,
    PitchMessage,
    Rsvp,
    Subscription,
    SubscriptionArea,
    SubscriptionKind,
    User,
)


@dataclass(frozen=True)
class PersonData:
    """How much a person has stored, by kind (for the preview and the last message)."""

    pitches: int = 0
    drafts: int = 0
    subscriptions: int = 0
    rsvps: int = 0
    queued: int = 0
    known: bool = False

    @property
    def anything(self) -> bool:
        return self.known or any(
            (self.pitches, self.drafts, self.subscriptions, self.rsvps, self.queued)
        )


async def _count(session: AsyncSession, query: object) -> int:
    return int((await session.execute(query)).scalar_one())  # type: ignore[call-overload]


async def person_data(session: AsyncSession, user_id: int) -> PersonData:
    def counted(model: type, column: object) -> object:
        return select(func.count()).select_from(model).where(column == user_id)  # type: ignore[operator]

    return PersonData(
        pitches=await _count(session, counted(Pitch, Pitch.user_id)),
        drafts=await _count(session, counted(PitchDraft, PitchDraft.user_id)),
        subscriptions=await _count(session, counted(Subscription, Subscription.user_id)),
        rsvps=await _count(session, counted(Rsvp, Rsvp.user_id)),
        queued=await _count(session, counted(OutboxMessage, OutboxMessage.chat_id)),
        known=await session.get(User, user_id) is not None,
    )


async def pitch_ids_of(session: AsyncSession, user_id: int) -> list[int]:
    result = await session.execute(
        select(Pitch.id).where(Pitch.user_id == user_id).order_by(Pitch.id)  # type: ignore[arg-type]
    )
    return [int(pitch_id) for pitch_id in result.scalars()]


async def going_event_ids(session: AsyncSession, user_id: int) -> list[int]:
    """Events where the person holds a place (freed places go to those waiting)."""
    result = await session.execute(
        select(Rsvp.event_id).where(Rsvp.user_id == user_id, Rsvp.status == "going")  # type: ignore[arg-type]
    )
    return sorted(int(event_id) for event_id in result.scalars())


# --- a pitch ---------------------------------------------------------------------------------


async def anonymise_pitch(
    session: AsyncSession,
    *,
    pitch_id: int,
    erase_text: bool,
    now: datetime,
    template_reasons: Sequence[str] = (),
) -> bool:
    """Remove the pitch's personal data as storage.anonymising does, mark it erased (at the
    person's request) and cut the record that linked the person's chat to it; once: False
    if its personal data had gone already."""
    former = (
        await session.execute(select(Pitch.user_id).where(Pitch.id == pitch_id))  # type: ignore[arg-type]
    ).scalar_one_or_none()
    done = await anonymise_pitches(
        session,
        [pitch_id],
        erase_text=erase_text,
        template_reasons=template_reasons,
        now=now,
        extra={"erased_at": now},
    )
    if not done.pitch_ids:
        return False
    if former is not None:  # what linked the resident's own chat to the pitch
        await session.execute(
            delete(PitchMessage).where(
                PitchMessage.pitch_id == pitch_id,  # type: ignore[arg-type]
                PitchMessage.chat_id == former,  # type: ignore[arg-type]
            )
        )
    return True


async def remove_contact(session: AsyncSession, *, pitch_id: int, now: datetime) -> bool:
    """Remove the pitch's phone and e-mail; False if it had none (or is erased)."""
    result = await session.execute(
        update(Pitch)
        .where(
            Pitch.id == pitch_id,  # type: ignore[arg-type]
            Pitch.erased_at.is_(None),  # type: ignore[union-attr]
            or_(Pitch.contact_phone.is_not(None), Pitch.contact_email.is_not(None)),  # type: ignore[union-attr]
        )
        .values(contact_phone=None, contact_email=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def relay_messages_in(
    session: AsyncSession, pitch_id: int, *, chats: Sequence[int] | None = None
) -> Sequence[PitchMessage]:
    """The messages sent about the pitch other than its cards (the body, attachments and
    relayed messages), in `chats` if given."""
    query = select(PitchMessage).where(
        PitchMessage.pitch_id == pitch_id,  # type: ignore[arg-type]
        PitchMessage.purpose != "card",  # type: ignore[arg-type]
    )
    if chats is not None:
        query = query.where(PitchMessage.chat_id.in_(list(chats)))  # type: ignore[attr-defined]
    return (await session.execute(query)).scalars().all()


async def body_messages(session: AsyncSession, pitch_id: int) -> Sequence[PitchMessage]:
    """Every copy of the first message of the pitch's card body (its facts, with the
    contact), in every chat it was shown in."""
    result = await session.execute(
        select(PitchMessage).where(
            PitchMessage.pitch_id == pitch_id,  # type: ignore[arg-type]
            PitchMessage.purpose == "body",  # type: ignore[arg-type]
        )
    )
    return result.scalars().all()


async def forget_pitch_messages(session: AsyncSession, keys: Sequence[tuple[int, int]]) -> None:
    for chat_id, message_id in keys:
        await session.execute(
            delete(PitchMessage).where(
                PitchMessage.chat_id == chat_id,  # type: ignore[arg-type]
                PitchMessage.message_id == message_id,  # type: ignore[arg-type]
            )
        )


# --- a person ----------------------------------------------------------------------------------


def conversation_of(key: str, user_id: int) -> bool:
    """Whether an FSM key (`fsm:<bot>:<chat>:<user>[:…]`) is one of the person's
    conversations: with them in private, or theirs in a group."""
    parts = key.split(":")
    return str(user_id) in parts[2:4]


async def delete_person(session: AsyncSession, user_id: int) -> None:
    """Everything kept about the person goes, and what must stay (pitches, consents, the
    audit log) is cut from them. Pitches are anonymised first (`anonymise_pitch`)."""
    await session.execute(delete(PitchDraft).where(PitchDraft.user_id == user_id))  # type: ignore[arg-type]
    for model in (SubscriptionKind, SubscriptionArea, Subscription):
        await session.execute(delete(model).where(model.user_id == user_id))  # type: ignore[attr-defined]
    await session.execute(delete(Rsvp).where(Rsvp.user_id == user_id))  # type: ignore[arg-type]
    await _delete_outbox_to(session, user_id)
    await session.execute(delete(PitchMessage).where(PitchMessage.chat_id == user_id))  # type: ignore[arg-type]
    await _delete_conversations(session, user_id)
    await session.execute(
        update(ConsentRecord).where(ConsentRecord.user_id == user_id).values(user_id=None)  # type: ignore[arg-type]
    )
    await session.execute(
        update(Pitch).where(Pitch.user_id == user_id).values(user_id=None)  # type: ignore[arg-type]
    )
    await _cut_from_audit(session, user_id)
    await session.execute(delete(User).where(User.telegram_id == user_id))  # type: ignore[arg-type]


async def _delete_outbox_to(session: AsyncSession, user_id: int) -> None:
    """Messages queued (or sent) to the person, and the records of every attempt."""
    rows = select(OutboxMessage.id).where(OutboxMessage.chat_id == user_id)  # type: ignore[arg-type]
    await session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.outbox_id.in_(rows)))  # type: ignore[attr-defined]
    await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id == user_id))  # type: ignore[arg-type]


async def _delete_conversations(session: AsyncSession, user_id: int) -> None:
    found = await session.execute(
        select(FsmRecord.key).where(FsmRecord.key.contains(f":{user_id}:"))  # type: ignore[attr-defined]
    )
    keys = [key for key in found.scalars() if conversation_of(key, user_id)]
    if keys:
        await session.execute(delete(FsmRecord).where(FsmRecord.key.in_(keys)))  # type: ignore[attr-defined]


async def _cut_from_audit(session: AsyncSession, user_id: int) -> None:
    """The audit log keeps staff actions by id. A resident's own entries (refused presses)
    lose their actor, and entries about them (a role given or taken) their subject."""
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.actor_id == user_id, AuditEntry.action == "refused")  # type: ignore[arg-type]
        .values(actor_id=None)
    )
    found = await session.execute(
        select(AuditEntry).where(AuditEntry.subject.contains(str(user_id)))  # type: ignore[attr-defined]
    )
    pattern = re.compile(rf"(?<!\d){user_id}(?!\d)")
    for entry in found.scalars():
        if pattern.search(entry.subject):
            entry.subject = pattern.sub("erased", entry.subject)[:64]
            session.add(entry)
    await session.flush()
