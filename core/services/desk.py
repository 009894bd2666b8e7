"""The coordinators' desk: what a chat may see of the pitches, and one pitch with its history.

In a private chat a person sees the pitches of the incubators they handle (admins: all). In
a group they see only the pitches of the incubator the group serves, and only if they handle
it: a group never sees another incubator's pitches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_workflow as workflow
from core.bidi import strip_marks
from core.callbacks import INBOX_STATUSES
from core.city import CityData, Incubator
from core.services import pitch_review
from core.services.roles import Attempt, NotAllowed, Roles, refuse
from core.text_input import visible_text
from storage import coordination as data
from storage import pitches as pitch_data
from storage.models import Pitch, PitchEvent

REFERENCE = re.compile(r"MT-[0-9]{4}-[0-9]{4,9}", re.IGNORECASE)
INBOX_OPEN = "open"
INBOX_PAGE = pitch_review.INBOX_PAGE
FIND_WORDS = 5
FIND_WORD_LENGTH = 50


@dataclass(frozen=True)
class InboxPage:
    pitches: Sequence[Pitch]
    total: int
    page: int


@dataclass(frozen=True)
class PitchWithHistory:
    pitch: Pitch
    events: Sequence[PitchEvent]


def read_reference(text: str | None) -> str | None:
    """A pitch reference as typed (`mt-2026-0042` too), upper-cased; None if it is not one.
    Direction marks copied with it from a right-to-left message are left out."""
    value = strip_marks(text or "").strip()
    return value.upper() if REFERENCE.fullmatch(value) else None


def read_inbox_status(text: str | None) -> str | None:
    """`/inbox` alone is the open pitches; else one filter by its code. None otherwise."""
    words = (text or "").split()
    if not words:
        return INBOX_OPEN
    return words[0].lower() if len(words) == 1 and words[0].lower() in INBOX_STATUSES else None


def search_words(text: str | None) -> list[str]:
    """The first words of a search, without invisible characters, each cut to a length."""
    words = (visible_text(word) for word in (text or "").split())
    return [word[:FIND_WORD_LENGTH] for word in words if word][:FIND_WORDS]


async def viewer(
    session: AsyncSession, *, actor: Roles, group_id: int | None, action: str, now: datetime
) -> Roles:
    """Whose pitches this chat may see: the actor's own in private, in a group only the
    incubator the group serves (refused if the actor does not handle it)."""
    if group_id is None:
        return actor
    bound = await data.incubator_of_chat(session, group_id)
    if bound is None:
        raise NotAllowed("unbound_group")
    if not actor.can_handle(bound):
        await refuse(session, Attempt(actor, action, f"chat:{group_id}", now), "other_group")
    return actor.limited_to(bound)


async def inbox_page(
    session: AsyncSession,
    *,
    actor: Roles,
    group_id: int | None,
    status: str,
    page: int,
    now: datetime,
) -> InboxPage:
    """One page of the pitches in `status` ('open': every status still being worked on)."""
    seen_by = await viewer(session, actor=actor, group_id=group_id, action="inbox", now=now)
    statuses = workflow.OPEN_STATUSES if status == INBOX_OPEN else (status,)
    pitches, total = await pitch_review.inbox(session, actor=seen_by, statuses=statuses, page=page)
    return InboxPage(pitches=pitches, total=total, page=page)


async def find(
    session: AsyncSession, *, actor: Roles, group_id: int | None, words: list[str], now: datetime
) -> Sequence[Pitch]:
    seen_by = await viewer(session, actor=actor, group_id=group_id, action="find", now=now)
    return await pitch_review.find(session, actor=seen_by, words=words)


async def _check_pitch(
    session: AsyncSession, pitch: Pitch | None, attempt: Attempt, group_id: int | None
) -> Pitch:
    """The pitch, if the actor handles its incubator and (in a group) the group serves it."""
    if pitch is None:
        raise NotAllowed("not_found")
    if not attempt.actor.can_handle(pitch.incubator_code):
        await refuse(session, attempt, "not_found")
    if group_id is not None and await data.incubator_of_chat(session, group_id) != (
        pitch.incubator_code
    ):
        await refuse(session, attempt, "not_this_group")
    return pitch


async def open_pitch(
    session: AsyncSession,
    *,
    actor: Roles,
    group_id: int | None,
    reference: str,
    now: datetime,
) -> PitchWithHistory:
    """/pitch <reference>: the pitch and its whole history."""
    attempt = Attempt(actor, "pitch", reference, now)
    found = await pitch_data.get_pitch_by_reference(session, reference)
    pitch = await _check_pitch(session, found, attempt, group_id)
    return PitchWithHistory(pitch, await pitch_review.history(session, pitch.id))  # type: ignore[arg-type]


async def pitch_history(
    session: AsyncSession, *, actor: Roles, group_id: int | None, pitch_id: int, now: datetime
) -> PitchWithHistory:
    """A page of the history asks again: the pitch may have moved, the group been rebound."""
    attempt = Attempt(actor, "history", f"pitch:{pitch_id}", now)
    pitch = await _check_pitch(session, await data.get_pitch(session, pitch_id), attempt, group_id)
    return PitchWithHistory(pitch, await pitch_review.history(session, pitch_id))


async def remember_card(
    session: AsyncSession,
    *,
    pitch: Pitch,
    chat_id: int,
    message_id: int,
    now: datetime,
    body_ids: Sequence[int] = (),
) -> None:
    """The card's status line shown by /pitch: replies to it reach the resident, and the
    buttons on it are refreshed with every other copy. Its body's messages (`body_ids`)
    are recorded too, so they can be updated or taken back when the resident's data goes."""
    purposes = [("body" if n == 0 else "relay", i) for n, i in enumerate(body_ids)]
    for purpose, recorded_id in [*purposes, ("card", message_id)]:
        await data.add_pitch_message(
            session,
            chat_id=chat_id,
            message_id=recorded_id,
            pitch_id=pitch.id,  # type: ignore[arg-type]
            purpose=purpose,
            now=now,
        )
    await session.commit()


async def pitches_for_report(
    session: AsyncSession, *, actor: Roles, group_id: int | None, kind: str
) -> Sequence[Pitch]:
    """The pitches a report covers. Exports hold contact details: private chats only.
    Statistics in a group: admins only (coordinators ask privately)."""
    if group_id is not None and kind == "export":
        raise NotAllowed("export_private")
    if group_id is not None and not actor.is_admin:
        raise NotAllowed("stats_private")
    return await pitch_review.pitches_for_reports(session, actor=actor)


@dataclass(frozen=True)
class IncubatorSummary:
    incubator: Incubator
    coordinators: int
    has_chat: bool


async def incubators_overview(session: AsyncSession, *, city: CityData) -> list[IncubatorSummary]:
    """Every incubator with its number of coordinators and whether a group serves it."""
    bound = {binding.incubator_code for binding in await data.all_bindings(session)}
    people: dict[str, int] = {}
    for row in await data.coordinators(session):
        people[row.incubator_code] = people.get(row.incubator_code, 0) + 1
    return [
        IncubatorSummary(incubator, people.get(incubator.code, 0), incubator.code in bound)
        for incubator in city.incubators
    ]
