"""Coordinators' decisions on pitches (take, ask, accept, decline, move), the daily reminder
of untaken pitches, and the views of the desk.

Every status change is a compare-and-set on the state the decision was made on (status,
incubator, who handles it): of two decisions made at once exactly one is recorded, only its
history and audit entries exist, and only its notices go out. The other one is answered
with the card as it is now. The follow-ups of a decision (every card refreshed, a moved
pitch brought to its new incubator, the resident told) are decided here, so a button, a
typed reply, a job or another channel all get the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_card_texts as cards
from core import pitch_notices as notices
from core import pitch_workflow as workflow
from core.callbacks import CardCB
from core.config import Settings
from core.outbox_messages import text_payload
from core.pitch_notices import Courier
from core.services.roles import NotAllowed, Roles, record_refusal, roles_of
from storage import coordination as data
from storage.coordination import PitchState
from storage.models import Pitch, PitchEvent
from storage.outbox import QueuedMessage, enqueue

INBOX_PAGE = 5
STALE_AFTER = timedelta(days=7)

Result = Literal["done", "stale", "refused", "closed", "text_only", "unsupported"]


@dataclass(frozen=True)
class Outcome:
    """What became of an action on a pitch. `reached`: the resident got what it sent them
    (when False, it is saved in the pitch's history but did not arrive). `as_resident`: the
    actor wrote as the pitch's resident (a coordinator answering about their own idea)."""

    result: Result
    pitch: Pitch | None = None
    reached: bool = True
    as_resident: bool = False


async def pitch_for(session: AsyncSession, *, pitch_id: int, actor: Roles) -> Pitch:
    """The pitch, if the actor may see it; NotAllowed otherwise (unknown ones too)."""
    pitch = await data.get_pitch(session, pitch_id)
    if pitch is None or not actor.can_handle(pitch.incubator_code):
        raise NotAllowed("not_coordinator")
    return pitch


async def refuse(
    session: AsyncSession, *, actor_id: int, attempt: str, subject: str, now: datetime
) -> Outcome:
    """An attempt without the right: kept in the audit log, nothing else happens."""
    await record_refusal(session, actor_id=actor_id, action=attempt, subject=subject, now=now)
    return Outcome("refused")


async def refuse_press(
    session: AsyncSession, courier: Courier, *, actor_id: int, pressed: CardCB, now: datetime
) -> Outcome:
    """A card button of a pitch the presser may not act on, audited. A coordinator whose
    incubator the pitch has left (their press lost to a move) sees the card as it is now;
    anyone else is refused."""
    await record_refusal(
        session,
        actor_id=actor_id,
        action=pressed.pack(),
        subject=f"pitch:{pressed.pitch_id}",
        now=now,
    )
    roles = await roles_of(session, actor_id, courier.settings.admin_ids)
    if await data.moved_out_of(session, pitch_id=pressed.pitch_id, incubators=roles.scope() or []):
        return await show_current(session, courier, pitch_id=pressed.pitch_id)
    return Outcome("refused")


async def show_current(session: AsyncSession, courier: Courier, *, pitch_id: int) -> Outcome:
    """The pitch changed under the actor's feet: every card shows it as it is now."""
    pitch = await data.get_pitch(session, pitch_id, fresh=True)
    if pitch is not None:
        await notices.refresh_cards(session, courier, pitch)
    return Outcome("stale", pitch)


async def commit_decision(
    session: AsyncSession,
    *,
    pitch: Pitch,
    action: str,
    actor: Roles,
    actor_name: str,
    now: datetime,
    detail: str | None,
    values: dict[str, object],
) -> Pitch | None:
    """The change with its history and audit entries, in one transaction, if the pitch is
    still as `pitch` shows it; the pitch as it is now, or None (nothing written)."""
    seen = PitchState.of(pitch)
    values = {**values, "updated_at": now}
    if values["status"] in workflow.CLOSED_STATUSES:
        values["closed_at"] = now  # its retention period counts from here
    changed = await data.change_pitch(
        session,
        pitch_id=pitch.id,  # type: ignore[arg-type]
        expected=seen,
        values=values,
    )
    if not changed:
        await session.rollback()  # let go of the write lock the UPDATE took (SQLite)
        return None
    event = PitchEvent(
        pitch_id=pitch.id,  # type: ignore[arg-type]
        kind=action,
        actor_id=actor.user_id,
        actor_name=actor_name[:64],
        from_status=seen.status,
        to_status=str(values["status"]),
        detail=detail,
        created_at=now,
    )
    await data.add_event(session, event)
    await data.add_audit(
        session,
        actor_id=actor.user_id,
        action=f"pitch_{action}",
        subject=pitch.reference,
        details={"from": seen.status, "to": values["status"]},
        now=now,
    )
    await session.commit()
    return await data.get_pitch(session, pitch.id, fresh=True)  # type: ignore[arg-type]


def _plan(
    action: str, pitch: Pitch, actor: Roles, actor_name: str, value: str, courier: Courier
) -> tuple[dict[str, object], str | None]:
    """The pitch's new values and the history's detail for a button's decision."""
    if not workflow.allowed(action, pitch.status) or action == "ask":
        raise NotAllowed("status")
    detail: str | None = None
    if action == "decline":
        if value not in workflow.DECLINE_REASONS:
            raise NotAllowed("unknown_reason")
        detail = value
    if action == "move":
        if courier.city.incubator(value) is None:
            raise NotAllowed("unknown_incubator")
        if value == pitch.incubator_code:
            raise NotAllowed("same_incubator")
        detail = f"{pitch.incubator_code}>{value}"
    values = workflow.changes(
        action,
        assignee_id=pitch.assignee_id,
        actor_id=actor.user_id,
        actor_name=actor_name,
        to_incubator=value,
    )
    return values, detail


async def decide(
    session: AsyncSession,
    courier: Courier,
    *,
    pitch_id: int,
    action: str,
    seen_status: str,
    actor: Roles,
    actor_name: str,
    now: datetime,
    value: str = "",
) -> Outcome:
    """A card's decision button: take, accept, decline with a template reason, or move to
    the incubator `value`. `seen_status` is the status the card showed."""
    attempt = CardCB(action=action, pitch_id=pitch_id, status=seen_status, value=value).pack()
    try:
        pitch = await pitch_for(session, pitch_id=pitch_id, actor=actor)
        if pitch.erased_at is not None:
            return Outcome("closed", pitch)
        if pitch.status != seen_status:
            return await show_current(session, courier, pitch_id=pitch_id)
        values, detail = _plan(action, pitch, actor, actor_name, value, courier)
    except NotAllowed:
        return await refuse(
            session, actor_id=actor.user_id, attempt=attempt, subject=f"pitch:{pitch_id}", now=now
        )
    changed = await commit_decision(
        session,
        pitch=pitch,
        action=action,
        actor=actor,
        actor_name=actor_name,
        now=now,
        detail=detail,
        values=values,
    )
    if changed is None:
        return await show_current(session, courier, pitch_id=pitch_id)
    reached = await notices.after_decision(
        session, courier, changed, action=action, detail=value or None
    )
    return Outcome("done", changed, reached)


async def open_prompt(
    session: AsyncSession,
    courier: Courier,
    *,
    pitch_id: int,
    purpose: Literal["ask", "reason"],
    seen_status: str,
    actor: Roles,
    chat_id: int,
    now: datetime,
) -> Outcome:
    """'Ask for more info' or 'Write a reason': the coordinator is asked to write it as a
    reply to a prompt in `chat_id` (see pitch_relay for the reply)."""
    try:
        pitch = await pitch_for(session, pitch_id=pitch_id, actor=actor)
    except NotAllowed:
        attempt = CardCB(action=purpose, pitch_id=pitch_id, status=seen_status).pack()
        return await refuse(
            session, actor_id=actor.user_id, attempt=attempt, subject=f"pitch:{pitch_id}", now=now
        )
    if pitch.status != seen_status:
        return await show_current(session, courier, pitch_id=pitch_id)
    if pitch.status not in workflow.OPEN_STATUSES or pitch.erased_at is not None:
        return Outcome("closed", pitch)
    await notices.send_prompt(session, courier, pitch, purpose=purpose, chat_id=chat_id)
    return Outcome("done", pitch)


async def queue_untaken_reminders(
    session: AsyncSession, *, now: datetime, i18n: I18n, settings: Settings
) -> int:
    """Pitches nobody has taken for 7 days are brought up to their incubator's chats, once a
    day until someone acts: one outbox message per chat (a key per incubator, chat and day,
    so a job that runs twice queues once). Returns how many pitches were flagged."""
    waiting = await data.unassigned_since(
        session, submitted_before=now - STALE_AFTER, flagged_before=now - timedelta(hours=23)
    )
    by_incubator: dict[str, list[str]] = {}
    for pitch in waiting:
        by_incubator.setdefault(pitch.incubator_code, []).append(pitch.reference)
    day = now.astimezone(settings.tz).date().isoformat()
    messages = []
    for code, references in sorted(by_incubator.items()):
        for target in await notices.targets_for(session, code, settings):
            with i18n.context(), i18n.use_locale(target.locale):
                texts = cards.untaken_reminder(sorted(references))
            messages.extend(
                QueuedMessage(
                    chat_id=target.chat_id,
                    payload=text_payload(text),
                    dedupe_key=f"untaken:{day}:{code}:{target.chat_id}:{part}",
                )
                for part, text in enumerate(texts)
            )
    await enqueue(session, messages, now=now)
    for pitch in waiting:
        pitch.last_flagged_at = now
        session.add(pitch)
    await session.commit()
    return len(waiting)


async def history(session: AsyncSession, pitch_id: int) -> Sequence[PitchEvent]:
    return await data.events_of(session, pitch_id)


async def inbox(
    session: AsyncSession, *, actor: Roles, statuses: Sequence[str], page: int
) -> tuple[Sequence[Pitch], int]:
    """One page of the actor's pitches in `statuses`, newest first, and the total count."""
    scope = actor.scope()
    total = await data.count_pitches_in(session, incubators=scope, statuses=statuses, erased=False)
    pitches = await data.pitches_in(
        session,
        incubators=scope,
        statuses=statuses,
        limit=INBOX_PAGE,
        offset=page * INBOX_PAGE,
        erased=False,
    )
    return pitches, total


async def find(session: AsyncSession, *, actor: Roles, words: Sequence[str]) -> Sequence[Pitch]:
    return await data.search_pitches(session, words=words, incubators=actor.scope(), limit=10)


async def pitches_for_reports(session: AsyncSession, *, actor: Roles) -> Sequence[Pitch]:
    return await data.pitches_in(session, incubators=actor.scope())
