"""Erasure, one use case for every way to it: a resident's /forget, an admin's /erase (of a
person or of one pitch) and a resident withdrawing their consent for one pitch.

A person: places they hold go to those waiting (as a cancellation does), they get a last
message saying what goes and what the city keeps, then their drafts, subscriptions, answers,
conversation, queued messages and delivery records and the user record go, and each of their
pitches is anonymised. A pitch: its name, phone, e-mail, attachments and relayed words go,
the link to the person is cut, its consents are marked withdrawn, it leaves the inbox; the
idea's own text stays as the incubator's record unless ERASE_PITCH_TEXT. Afterwards every
card shows it anonymised and the coordinators are told, in their language, by reference.

The audit log keeps what staff did, by their id; a resident's own id is cut from it (see
storage.erasure). Erasure entries name no one: the pitch references and counts only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from aiogram.exceptions import TelegramAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core import erasure_texts as texts
from core import pitch_card_texts as cards
from core import pitch_notices as notices
from core.pitch_notices import Courier
from core.pitch_workflow import DECLINE_REASONS
from core.services import attendance
from core.services.roles import Attempt, NotAllowed, Roles, record_refusal, require_admin
from storage import consents as consent_data
from storage import coordination as data
from storage import erasure as erasure_data
from storage.erasure import PersonData
from storage.models import Pitch, PitchEvent, User
from storage.pitches import get_pitch_by_reference
from storage.users import get_user

logger = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Why = Literal["forgotten", "withdrawn", "admin"]
Result = Literal["done", "refused", "already", "nothing"]


class Conversations(Protocol):
    """The bot's conversation (FSM) storage, wherever it lives (database or Redis)."""

    async def forget(self, user_id: int) -> None:
        """Clear the person's conversation with the bot in their private chat."""


@dataclass(frozen=True)
class PersonErased:
    references: tuple[str, ...]
    promoted: tuple[int, ...]


@dataclass(frozen=True)
class PitchOutcome:
    result: Result
    pitch: Pitch | None = None


def person_token(user: User) -> int:
    """When the person was first seen, in microseconds: a /forget button carries it, so a
    button made before they were forgotten cannot erase the new person they are now."""
    seen = user.first_seen_at
    seen = seen if seen.tzinfo else seen.replace(tzinfo=UTC)  # SQLite gives it back naive
    return (seen - EPOCH) // timedelta(microseconds=1)


def is_current(user: User, token: int) -> bool:
    return person_token(user) == token


async def preview_person(session: AsyncSession, *, user_id: int) -> PersonData:
    """What is stored about the person, by kind."""
    found = await erasure_data.person_data(session, user_id)
    await session.commit()
    return found


# --- a person ----------------------------------------------------------------------------------


async def forget_me(
    session: AsyncSession,
    courier: Courier,
    *,
    user_id: int,
    conversations: Conversations,
    now: datetime,
) -> PersonErased:
    """/forget: the resident erases themselves, after their confirmation."""
    return await _erase_person(
        session, courier, user_id=user_id, actor_id=None, conversations=conversations, now=now
    )


async def erase_person(
    session: AsyncSession,
    courier: Courier,
    *,
    actor: Roles,
    user_id: int,
    conversations: Conversations,
    now: datetime,
) -> PersonErased:
    """/erase <id>: an admin erases a person on a request received outside the bot.
    NotAllowed (audited) for anyone else."""
    attempt = Attempt(actor=actor, action="erase_person", subject="person", now=now)
    await require_admin(session, attempt, courier.settings.admin_ids)
    return await _erase_person(
        session,
        courier,
        user_id=user_id,
        actor_id=actor.user_id,
        conversations=conversations,
        now=now,
    )


async def _erase_person(
    session: AsyncSession,
    courier: Courier,
    *,
    user_id: int,
    actor_id: int | None,
    conversations: Conversations,
    now: datetime,
) -> PersonErased:
    promoted = await _free_places(session, courier, user_id, now)
    pitch_ids = await erasure_data.pitch_ids_of(session, user_id)
    pitches = [p for p in [await data.get_pitch(session, i) for i in pitch_ids] if p]
    references = tuple(p.reference for p in pitches)
    await _say_goodbye(session, courier, user_id, references)
    await conversations.forget(user_id)
    for pitch in pitches:
        await _anonymise(session, courier, pitch, "forgotten", actor_id, now)
    await erasure_data.delete_person(session, user_id)
    await data.add_audit(
        session,
        actor_id=actor_id,
        action="person_erased",
        subject="person",
        details={"pitches": list(references), "by": "admin" if actor_id else "self"},
        now=now,
    )
    await session.commit()
    logger.info("erased a person (%s pitches, %s places freed)", len(pitches), len(promoted))
    for pitch in pitches:
        await _after_erasure(session, courier, pitch.id, "forgotten")  # type: ignore[arg-type]
    return PersonErased(references=references, promoted=promoted)


async def _free_places(
    session: AsyncSession, courier: Courier, user_id: int, now: datetime
) -> tuple[int, ...]:
    """Each place the person holds goes to the first one waiting, exactly as when they
    answer Not going (events past or closed keep their answers until the rows go)."""
    promoted: list[int] = []
    for event_id in await erasure_data.going_event_ids(session, user_id):
        try:
            result = await attendance.rsvp(
                session,
                event_id=event_id,
                user_id=user_id,
                answer="not_going",
                now=now,
                i18n=courier.i18n,
                city=courier.city,
                tz=courier.settings.tz,
            )
        except attendance.EventUnavailable:
            continue
        promoted.extend(result.promoted)
    return tuple(promoted)


async def _say_goodbye(
    session: AsyncSession, courier: Courier, user_id: int, references: tuple[str, ...]
) -> None:
    """The last message, in the person's language, while it is still known."""
    user = await get_user(session, user_id)
    if user is None or user.blocked_at is not None:
        return
    text = courier.render(
        user.locale, texts.last_message, references, courier.settings.erase_pitch_text
    )
    try:
        await courier.bot.send_message(user_id, text)
    except TelegramAPIError as error:
        logger.info("could not send the last message to %s: %s", user_id, type(error).__name__)


# --- one pitch ----------------------------------------------------------------------------------


async def _anonymise(
    session: AsyncSession,
    courier: Courier,
    pitch: Pitch,
    why: Why,
    actor_id: int | None,
    now: datetime,
) -> bool:
    """The pitch's personal data removed and its consents withdrawn (no commit)."""
    if not await erasure_data.anonymise_pitch(
        session,
        pitch_id=pitch.id,  # type: ignore[arg-type]
        erase_text=courier.settings.erase_pitch_text,
        now=now,
        template_reasons=DECLINE_REASONS,
    ):
        return False
    await consent_data.withdraw_consents(
        session,
        pitch_id=pitch.id,  # type: ignore[arg-type]
        kinds=("pitch", "contact"),
        now=now,
    )
    await data.add_event(
        session,
        PitchEvent(
            pitch_id=pitch.id,  # type: ignore[arg-type]
            kind="erased",
            actor_id=actor_id,
            from_status=pitch.status,
            to_status=pitch.status,
            detail=why,
            created_at=now,
        ),
    )
    return True


async def withdraw_consent(
    session: AsyncSession, courier: Courier, *, pitch_id: int, user_id: int, now: datetime
) -> PitchOutcome:
    """The resident withdraws their consent for one of their pitches (/mypitches)."""
    pitch = await _own_pitch(session, pitch_id, user_id, "withdraw", now)
    if pitch is None:
        return PitchOutcome("refused")
    return await _erase_one(session, courier, pitch, "withdrawn", None, now)


async def erase_pitch(
    session: AsyncSession, courier: Courier, *, actor: Roles, pitch_id: int, now: datetime
) -> PitchOutcome:
    """/erase <reference>: an admin erases one pitch's personal data. NotAllowed (audited)
    for anyone else."""
    attempt = Attempt(actor=actor, action="erase_pitch", subject=f"pitch:{pitch_id}", now=now)
    await require_admin(session, attempt, courier.settings.admin_ids)
    pitch = await data.get_pitch(session, pitch_id, fresh=True)
    if pitch is None:
        return PitchOutcome("nothing")
    return await _erase_one(session, courier, pitch, "admin", actor.user_id, now)


async def _erase_one(
    session: AsyncSession,
    courier: Courier,
    pitch: Pitch,
    why: Why,
    actor_id: int | None,
    now: datetime,
) -> PitchOutcome:
    if not await _anonymise(session, courier, pitch, why, actor_id, now):
        await session.rollback()
        return PitchOutcome("already", pitch)
    await data.add_audit(
        session, actor_id=actor_id, action="pitch_erased", subject=pitch.reference, now=now
    )
    await session.commit()
    changed = await _after_erasure(session, courier, pitch.id, why)  # type: ignore[arg-type]
    return PitchOutcome("done", changed)


async def withdraw_contact(
    session: AsyncSession, courier: Courier, *, pitch_id: int, user_id: int, now: datetime
) -> PitchOutcome:
    """The resident no longer wants to be contacted by phone or e-mail about a pitch."""
    pitch = await _own_pitch(session, pitch_id, user_id, "withdraw_contact", now)
    if pitch is None:
        return PitchOutcome("refused")
    if not await erasure_data.remove_contact(session, pitch_id=pitch_id, now=now):
        await session.rollback()
        return PitchOutcome("already", pitch)
    await consent_data.withdraw_consents(session, pitch_id=pitch_id, kinds=("contact",), now=now)
    await data.add_event(
        session,
        PitchEvent(
            pitch_id=pitch_id,
            kind="contact_withdrawn",
            from_status=pitch.status,
            to_status=pitch.status,
            created_at=now,
        ),
    )
    await data.add_audit(
        session, actor_id=None, action="contact_withdrawn", subject=pitch.reference, now=now
    )
    await session.commit()
    pitch = await data.get_pitch(session, pitch_id, fresh=True) or pitch
    await _refresh_body(session, courier, pitch)
    await notices.refresh_cards(session, courier, pitch)
    await _tell_coordinators(session, courier, pitch, texts.contact_note, pitch.reference)
    return PitchOutcome("done", pitch)


async def pitch_of_resident(
    session: AsyncSession, *, pitch_id: int, user_id: int, now: datetime
) -> Pitch | None:
    """The resident's own pitch, not yet erased, for their choices about it; a press on
    another's pitch is audited."""
    return await _own_pitch(session, pitch_id, user_id, "consent_menu", now)


async def _own_pitch(
    session: AsyncSession, pitch_id: int, user_id: int, attempt: str, now: datetime
) -> Pitch | None:
    pitch = await data.get_pitch(session, pitch_id, fresh=True)
    if pitch is not None and pitch.user_id == user_id and pitch.erased_at is None:
        return pitch
    if pitch is None or pitch.user_id != user_id:  # forged, or no longer theirs
        await record_refusal(
            session, actor_id=user_id, action=attempt, subject=f"pitch:{pitch_id}", now=now
        )
    return None


async def find_pitch(session: AsyncSession, *, reference: str) -> Pitch | None:
    return await get_pitch_by_reference(session, reference)


# --- afterwards: the chats -------------------------------------------------------------------


async def _after_erasure(
    session: AsyncSession, courier: Courier, pitch_id: int, why: Why
) -> Pitch | None:
    """Every card shows the pitch anonymised, the copies of what the resident sent are
    taken out of the coordinators' chats where Telegram still allows it, and the
    coordinators are told."""
    pitch = await data.get_pitch(session, pitch_id, fresh=True)
    if pitch is None:
        return None
    await _take_back_copies(session, courier, pitch)
    await notices.refresh_cards(session, courier, pitch)
    erase_text = courier.settings.erase_pitch_text
    await _tell_coordinators(
        session, courier, pitch, texts.coordinator_note, pitch.reference, why, erase_text
    )
    return pitch


async def _refresh_body(session: AsyncSession, courier: Courier, pitch: Pitch) -> None:
    """The card's facts (with the contact) shown again as they are now, in every chat."""
    for record in await erasure_data.body_messages(session, pitch.id):  # type: ignore[arg-type]
        locale = await notices.chat_locale(session, record.chat_id, courier.settings)
        body = courier.render(
            locale, cards.card_body, pitch, courier.city, locale, courier.settings
        )
        try:
            await courier.bot.edit_message_text(
                body[0], chat_id=record.chat_id, message_id=record.message_id
            )
        except TelegramAPIError as error:
            logger.info(
                "could not refresh the card of pitch %s in chat %s: %s",
                pitch.id,
                record.chat_id,
                type(error).__name__,
            )


async def _take_back_copies(session: AsyncSession, courier: Courier, pitch: Pitch) -> None:
    """The card's body, attachments and relayed messages (they hold the name, contact
    and words) are deleted; Telegram refuses after 48 hours, and then they stay."""
    removed = []
    for record in await erasure_data.relay_messages_in(session, pitch.id):  # type: ignore[arg-type]
        try:
            await courier.bot.delete_message(record.chat_id, record.message_id)
        except TelegramAPIError as error:
            logger.info(
                "could not delete a message about pitch %s in chat %s: %s",
                pitch.id,
                record.chat_id,
                type(error).__name__,
            )
            continue
        removed.append((record.chat_id, record.message_id))
    await erasure_data.forget_pitch_messages(session, removed)
    await session.commit()


async def _tell_coordinators(
    session: AsyncSession, courier: Courier, pitch: Pitch, build: object, *args: object
) -> None:
    cards = {c.chat_id: c.message_id for c in await data.card_messages(session, pitch.id)}  # type: ignore[arg-type]
    for target in await notices.targets_for(session, pitch.incubator_code, courier.settings):
        text = courier.render(target.locale, build, *args)  # type: ignore[arg-type]
        placement: dict[str, object] = {}
        if target.chat_id in cards:
            placement = {
                "reply_to_message_id": cards[target.chat_id],
                "allow_sending_without_reply": True,
            }
        try:
            await courier.bot.send_message(target.chat_id, text, **placement)  # type: ignore[arg-type]
        except TelegramAPIError as error:
            logger.info(
                "could not tell chat %s about pitch %s: %s",
                target.chat_id,
                pitch.id,
                type(error).__name__,
            )


__all__ = [
    "Conversations",
    "NotAllowed",
    "PersonErased",
    "PitchOutcome",
    "erase_person",
    "erase_pitch",
    "find_pitch",
    "forget_me",
    "is_current",
    "person_token",
    "pitch_of_resident",
    "preview_person",
    "withdraw_consent",
    "withdraw_contact",
]
