"""Messages about a pitch, both ways. A coordinator writes to the resident by replying to a
card, to a relayed message, or to a prompt for a question or a reason; the resident answers
by replying or with the Reply button. What is written is kept in the pitch's history before
it is passed on, and the writer is told whether it arrived.

Which pitch a reply is about comes from the record of the message replied to. The record
is written right after Telegram took the message, while the person may already be replying
(their update is handled alongside the one that sent it): so a reply to a message the bot
sent shortly before, naming exactly one pitch by its reference, is about that pitch too,
and its purpose (a prompt for a question or a reason) is read from its words.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_card_texts as cards
from core import pitch_notices as notices
from core import pitch_workflow as workflow
from core.config import SUPPORTED_LOCALES
from core.pitch_notices import Courier, Incoming
from core.services import pitch_review as review
from core.services.pitch_review import Outcome
from core.services.roles import Roles
from core.text_input import visible_text
from storage import coordination as data
from storage.coordination import PitchState
from storage.models import Pitch, PitchEvent
from storage.pitches import get_pitch_by_reference

REFERENCE = re.compile(r"\bMT-\d{4}-\d{4,}\b")
# A record follows its message within moments; a message replied to this long after it was
# sent, and still without a record, is not one the relay knows.
RECORD_GRACE = timedelta(minutes=2)
# How often a typed decision is tried again when the pitch changed meanwhile.
RETRIES = 5


@dataclass(frozen=True)
class AboutPitch:
    """A message replied to is about this pitch; `purpose` as in PitchMessage."""

    pitch_id: int
    purpose: str


async def message_about(
    session: AsyncSession, courier: Courier, *, message: Message
) -> AboutPitch | None:
    """The pitch the message replied to by `message` is about, if any."""
    reply, chat_id = message.reply_to_message, message.chat.id
    if reply is None:
        return None
    record = await data.find_pitch_message(session, chat_id, reply.message_id)
    if record is not None:
        return AboutPitch(record.pitch_id, record.purpose)
    sender = reply.from_user
    if sender is None or sender.id != courier.bot.id or message.date - reply.date > RECORD_GRACE:
        return None
    words = reply.text or reply.caption or ""
    references = set(REFERENCE.findall(words))
    if len(references) != 1:
        return None
    pitch = await get_pitch_by_reference(session, references.pop())
    if pitch is None:
        return None
    if chat_id < 0 and await data.incubator_of_chat(session, chat_id) != pitch.incubator_code:
        return None  # a group sees only its own incubator's pitches
    return AboutPitch(pitch.id, _prompt_purpose(courier, pitch, words) or "relay")  # type: ignore[arg-type]


def _prompt_purpose(courier: Courier, pitch: Pitch, words: str) -> str | None:
    """'ask' or 'reason' if `words` are one of the prompts for the pitch, in any language."""
    for locale in SUPPORTED_LOCALES:
        for purpose in ("ask", "reason"):
            text, _markup = courier.render(locale, cards.write_prompt, pitch, purpose)
            if html.unescape(text) == words:
                return purpose
    return None


async def reply_from_staff(
    session: AsyncSession,
    courier: Courier,
    *,
    about: AboutPitch,
    actor: Roles,
    actor_name: str,
    incoming: Incoming,
    private: bool,
    now: datetime,
) -> Outcome:
    """A coordinator's reply about a pitch: a question or a reason when it answers a prompt,
    else a message to the resident. One who pitched the idea answers as its resident."""
    pitch = await data.get_pitch(session, about.pitch_id)
    if pitch is not None and private and pitch.user_id == actor.user_id:
        return await answer_from_resident(
            session,
            courier,
            pitch_id=about.pitch_id,
            user_id=actor.user_id,
            incoming=incoming,
            now=now,
        )
    if pitch is None or not actor.can_handle(pitch.incubator_code):
        return await review.refuse(
            session,
            actor_id=actor.user_id,
            attempt=f"reply:{about.purpose}",
            subject=f"pitch:{about.pitch_id}",
            now=now,
        )
    if pitch.erased_at is not None:  # its resident withdrew: nothing reaches them any more
        return Outcome("closed", pitch)
    if about.purpose in {"ask", "reason"}:
        action = "ask" if about.purpose == "ask" else "decline"
        return await _typed_decision(
            session, courier, pitch, action, actor, actor_name, visible_text(incoming.text), now
        )
    return await _write_to_resident(session, courier, pitch, actor, actor_name, incoming, now)


async def _typed_decision(
    session: AsyncSession,
    courier: Courier,
    pitch: Pitch,
    action: str,
    actor: Roles,
    actor_name: str,
    text: str,
    now: datetime,
) -> Outcome:
    """A question or a reason the coordinator wrote. It applies to the pitch as it is when
    it arrives: if the pitch changed meanwhile (yet is still open and theirs) it is tried
    again, so nothing written is lost to a race."""
    if not text:
        return Outcome("text_only", pitch)
    pitch_id: int = pitch.id  # type: ignore[assignment]
    for _attempt in range(RETRIES):
        if not actor.can_handle(pitch.incubator_code):
            return await review.refuse(
                session,
                actor_id=actor.user_id,
                attempt=f"reply:{action}",
                subject=pitch.reference,
                now=now,
            )
        if not workflow.allowed(action, pitch.status):
            return Outcome("closed", pitch)
        values = workflow.changes(
            action, assignee_id=pitch.assignee_id, actor_id=actor.user_id, actor_name=actor_name
        )
        changed = await review.commit_decision(
            session,
            pitch=pitch,
            action=action,
            actor=actor,
            actor_name=actor_name,
            now=now,
            detail=text,
            values=values,
        )
        if changed is not None:
            reached = await notices.after_decision(
                session, courier, changed, action=action, detail=text
            )
            return Outcome("done", changed, reached)
        fresh = await data.get_pitch(session, pitch_id, fresh=True)  # rolled back: read again
        if fresh is None:
            break
        pitch = fresh
    return await review.show_current(session, courier, pitch_id=pitch_id)


async def _write_to_resident(
    session: AsyncSession,
    courier: Courier,
    pitch: Pitch,
    actor: Roles,
    actor_name: str,
    incoming: Incoming,
    now: datetime,
) -> Outcome:
    """A coordinator's message (text, photo or voice note) to the resident; no decision."""
    if not incoming.passable:
        return Outcome("unsupported", pitch)
    await data.touch_pitch(session, pitch_id=pitch.id, now=now)  # type: ignore[arg-type]
    await _record(session, pitch, "message", actor.user_id, actor_name, incoming.words, now)
    await session.commit()
    pitch = await data.get_pitch(session, pitch.id, fresh=True) or pitch  # type: ignore[arg-type]
    reached = await notices.tell_resident(
        session, courier, pitch, action="message", detail=incoming.text, incoming=incoming
    )
    return Outcome("done", pitch, reached)


async def _record(
    session: AsyncSession,
    pitch: Pitch,
    kind: str,
    actor_id: int | None,
    actor_name: str | None,
    text: str | None,
    now: datetime,
    *,
    to_status: str | None = None,
) -> None:
    await data.add_event(
        session,
        PitchEvent(
            pitch_id=pitch.id,  # type: ignore[arg-type]
            kind=kind,
            actor_id=actor_id,
            actor_name=(actor_name or "")[:64] or None,
            from_status=pitch.status,
            to_status=to_status or pitch.status,
            detail=text,
            created_at=now,
        ),
    )


async def own_pitch(session: AsyncSession, *, pitch_id: int, user_id: int) -> Pitch | None:
    """The pitch, if `user_id` is the resident who sent it."""
    pitch = await data.get_pitch(session, pitch_id)
    return pitch if pitch is not None and pitch.user_id == user_id else None


async def answer_from_resident(
    session: AsyncSession,
    courier: Courier,
    *,
    pitch_id: int,
    user_id: int,
    incoming: Incoming,
    now: datetime,
) -> Outcome:
    """The resident's answer goes to the incubator's chats, under the pitch's card there.
    An answer to a question puts the pitch back in review (compare-and-set, like every
    status change); the answer is kept in the history whatever else happens."""
    pitch = await own_pitch(session, pitch_id=pitch_id, user_id=user_id)
    if pitch is None:
        return await review.refuse(
            session, actor_id=user_id, attempt="reply", subject=f"pitch:{pitch_id}", now=now
        )
    if not incoming.passable:
        return Outcome("unsupported", pitch, as_resident=True)
    pitch = await _reopen_and_record(session, pitch, incoming.words, now)
    delivered = await notices.relay_to_incubator(session, courier, pitch, incoming)
    await notices.refresh_cards(session, courier, pitch)
    return Outcome("done", pitch, reached=delivered > 0, as_resident=True)


async def _reopen_and_record(
    session: AsyncSession, pitch: Pitch, text: str | None, now: datetime
) -> Pitch:
    """The answer in the history; an answer to a question puts the pitch back in review
    if it still waits for one (tried again when the pitch changed meanwhile)."""
    pitch_id: int = pitch.id  # type: ignore[assignment]
    reopened: str | None = None
    for _attempt in range(RETRIES):
        after = workflow.status_after_resident_reply(pitch.status)
        if after == pitch.status:
            break
        expected = PitchState.of(pitch)
        values = {"status": after, "updated_at": now}
        if await data.change_pitch(session, pitch_id=pitch_id, expected=expected, values=values):
            reopened = after
            break
        await session.rollback()
        pitch = await data.get_pitch(session, pitch_id, fresh=True)  # type: ignore[assignment]
    if reopened is None:
        await data.touch_pitch(session, pitch_id=pitch_id, now=now)
    await _record(session, pitch, "reply", None, None, text, now, to_status=reopened)
    await session.commit()
    return await data.get_pitch(session, pitch_id, fresh=True)  # type: ignore[return-value]
