"""Coordinators' use cases on pitches: take, ask, accept, decline, move; the history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_workflow as workflow
from core.city import CityData
from core.services.roles import NotAllowed, Roles
from storage import coordination as data
from storage.models import Pitch, PitchEvent

INBOX_PAGE = 5
STALE_AFTER = timedelta(days=7)


async def pitch_for(session: AsyncSession, *, pitch_id: int, actor: Roles) -> Pitch:
    """The pitch, if the actor may see it; NotAllowed otherwise (unknown ones too)."""
    pitch = await data.get_pitch(session, pitch_id)
    if pitch is None or not actor.can_handle(pitch.incubator_code):
        raise NotAllowed("not_coordinator")
    return pitch


async def act_on_pitch(
    session: AsyncSession,
    *,
    pitch_id: int,
    action: str,
    expected_status: str,
    actor: Roles,
    actor_name: str,
    now: datetime,
    detail: str | None = None,
    city: CityData | None = None,
    to_incubator: str | None = None,
) -> Pitch:
    """One coordinator action, checked against role and the pitch's current status."""
    pitch = await pitch_for(session, pitch_id=pitch_id, actor=actor)
    if pitch.status != expected_status:
        raise NotAllowed("stale")
    if not workflow.allowed(action, pitch.status):
        raise NotAllowed("status")
    before = pitch.status
    if action == "move":
        if city is None or to_incubator is None or city.incubator(to_incubator) is None:
            raise NotAllowed("unknown_incubator")
        if to_incubator == pitch.incubator_code:
            raise NotAllowed("same_incubator")
        detail = f"{pitch.incubator_code}>{to_incubator}"
        pitch.incubator_code = to_incubator
        pitch.assignee_id, pitch.assignee_name = None, None
    elif action == "take" or pitch.assignee_id is None:
        pitch.assignee_id, pitch.assignee_name = actor.user_id, actor_name[:64]
    pitch.status = workflow.RESULTING_STATUS[action]
    pitch.updated_at = now
    session.add(pitch)
    await data.add_event(
        session,
        PitchEvent(
            pitch_id=pitch.id,  # type: ignore[arg-type]
            kind=action,
            actor_id=actor.user_id,
            actor_name=actor_name[:64],
            from_status=before,
            to_status=pitch.status,
            detail=detail,
            created_at=now,
        ),
    )
    await data.add_audit(
        session,
        actor_id=actor.user_id,
        action=f"pitch_{action}",
        subject=pitch.reference,
        details={"from": before, "to": pitch.status},
        now=now,
    )
    await session.commit()
    return pitch


async def record_message(
    session: AsyncSession,
    *,
    pitch: Pitch,
    from_resident: bool,
    actor_id: int | None,
    actor_name: str | None,
    text: str | None,
    now: datetime,
) -> Pitch:
    """A message relayed either way, in the history; a resident's answer reopens review."""
    before = pitch.status
    if from_resident:
        pitch.status = workflow.status_after_resident_reply(pitch.status)
    pitch.updated_at = now
    session.add(pitch)
    await data.add_event(
        session,
        PitchEvent(
            pitch_id=pitch.id,  # type: ignore[arg-type]
            kind="reply" if from_resident else "message",
            actor_id=actor_id,
            actor_name=(actor_name or "")[:64] or None,
            from_status=before,
            to_status=pitch.status,
            detail=text,
            created_at=now,
        ),
    )
    await session.commit()
    return pitch


async def history(session: AsyncSession, pitch_id: int) -> Sequence[PitchEvent]:
    return await data.events_of(session, pitch_id)


async def inbox(
    session: AsyncSession, *, actor: Roles, statuses: Sequence[str], page: int
) -> tuple[Sequence[Pitch], int]:
    """One page of the actor's pitches in `statuses`, newest first, and the total count."""
    scope = actor.scope()
    total = await data.count_pitches_in(session, incubators=scope, statuses=statuses)
    pitches = await data.pitches_in(
        session, incubators=scope, statuses=statuses, limit=INBOX_PAGE, offset=page * INBOX_PAGE
    )
    return pitches, total


async def find(session: AsyncSession, *, actor: Roles, words: Sequence[str]) -> Sequence[Pitch]:
    return await data.search_pitches(session, words=words, incubators=actor.scope(), limit=10)


async def pitches_for_reports(session: AsyncSession, *, actor: Roles) -> Sequence[Pitch]:
    return await data.pitches_in(session, incubators=actor.scope())


async def pitches_to_flag(session: AsyncSession, *, now: datetime) -> Sequence[Pitch]:
    """Untaken for 7 days and not flagged in the last day (flagged once a day until taken)."""
    return await data.unassigned_since(
        session,
        submitted_before=now - STALE_AFTER,
        flagged_before=now - timedelta(hours=23),
    )


async def mark_flagged(session: AsyncSession, *, pitches: Sequence[Pitch], now: datetime) -> None:
    for pitch in pitches:
        pitch.last_flagged_at = now
        session.add(pitch)
    await session.commit()
