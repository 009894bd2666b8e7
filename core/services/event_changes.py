"""Staff change and cancel events. Each use case checks the actor's right on the event and on
the area it belongs to (core.event_rights), that the event is still on and has not started,
and that it is still the version the actor saw; then it changes the event in one
conditional update, so of two changes made from the same version exactly one goes through.
The people going (and waiting) hear of a new time or place and of a cancellation."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core import event_fields
from core import event_notice_texts as texts
from core.city import CityData
from core.event_fields import SoFar
from core.event_rights import change_refusal
from core.event_texts import aware
from core.outbox_messages import text_payload
from core.schedule import EventJobs
from core.services import attendance
from core.services.event_publishing import (
    Renderer,
    check_publish,
    place_jobs,
    refusal,
    remove_jobs,
)
from core.services.roles import NotAllowed, Roles
from storage import events as data
from storage.models import Event
from storage.outbox import QueuedMessage, create_campaign, enqueue

logger = logging.getLogger(__name__)

# Changing one of these tells the people going (and waiting).
NOTIFIED_CHANGES = frozenset({"starts_at", "ends_at", "place"})
EDITABLE_FIELDS = frozenset(
    {"kind", "titles", "descriptions", "starts_at", "ends_at", "place", "area_code",
     "capacity", "signup_url", "publish_at"}
)  # fmt: skip


async def event_for_change(
    session: AsyncSession,
    *,
    actor: Roles,
    event_id: int,
    now: datetime,
    city: CityData,
    expected_version: int | None = None,
) -> Event:
    """The event, if the actor may change or cancel it now. Raises NotAllowed: 'not_found'
    (unknown or cancelled), a rule of the right (kept in the audit log), 'started', or
    'stale' (it changed since `expected_version`)."""
    event = await data.get_event(session, event_id)
    if event is None or event.status == "cancelled":
        raise NotAllowed("not_found")
    reason = change_refusal(actor, event, city)
    if reason is not None:
        raise await refusal(
            session,
            actor=actor,
            attempt="event_change",
            subject=f"event:{event_id}",
            reason=reason,
            now=now,
        )
    if aware(event.starts_at) <= now:
        raise NotAllowed("started")
    if expected_version is not None and event.version != expected_version:
        raise NotAllowed("stale")
    return event


def _so_far(event: Event) -> SoFar:
    return SoFar(
        titles=event.titles,
        descriptions=event.descriptions,
        starts_at=aware(event.starts_at),
        ends_at=aware(event.ends_at),
    )


async def answer_edit(
    session: AsyncSession,
    *,
    actor: Roles,
    event_id: int,
    expected_version: int,
    field: str,
    text: str | None,
    locale: str,
    now: datetime,
    renderer: Renderer,
    event_jobs: EventJobs,
) -> tuple[Event, int]:
    """One field of /editevent answered: typed `text` read by core.event_fields (raises
    FieldProblem), or None to remove an optional field. As `edit_event` otherwise."""
    event = await event_for_change(
        session,
        actor=actor,
        event_id=event_id,
        now=now,
        city=renderer.city,
        expected_version=expected_version,
    )
    if text is None:
        changes = event_fields.skipped(field, locale=locale, so_far=_so_far(event))
    else:
        changes = event_fields.read_answer(
            field, text, locale=locale, so_far=_so_far(event), now=now, tz=renderer.tz
        )
    return await _change(
        session,
        actor=actor,
        event=event,
        expected_version=expected_version,
        changes=changes,
        now=now,
        renderer=renderer,
        event_jobs=event_jobs,
    )


async def _check_changes(
    session: AsyncSession,
    *,
    actor: Roles,
    event: Event,
    changes: dict[str, Any],
    now: datetime,
    renderer: Renderer,
) -> None:
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"cannot edit {sorted(unknown)}")
    if "area_code" in changes:  # the area it moves to must be the actor's too
        await check_publish(
            session,
            actor=actor,
            area_code=changes["area_code"],
            city=renderer.city,
            attempt="event_move",
            now=now,
        )
    starts_at = changes.get("starts_at", aware(event.starts_at))
    ends_at = changes.get("ends_at", aware(event.ends_at))
    if ends_at <= starts_at:
        raise NotAllowed("end_before_start")
    if "publish_at" in changes and event.status != "scheduled":
        raise NotAllowed("already_published")
    publish_at = changes.get("publish_at", aware(event.publish_at) if event.publish_at else None)
    if event.status == "scheduled" and publish_at is not None and publish_at >= starts_at:
        raise NotAllowed("publish_after_start")


async def edit_event(
    session: AsyncSession,
    *,
    actor: Roles,
    event_id: int,
    expected_version: int,
    changes: dict[str, Any],
    now: datetime,
    renderer: Renderer,
    event_jobs: EventJobs,
) -> tuple[Event, int]:
    """Change some fields (version + 1), move the jobs, tell the people going of a changed
    time or place, and give new places to those waiting. Returns the event and how many
    were told. Raises NotAllowed (see `event_for_change`, and the rules of the change)."""
    event = await event_for_change(
        session,
        actor=actor,
        event_id=event_id,
        now=now,
        city=renderer.city,
        expected_version=expected_version,
    )
    return await _change(
        session,
        actor=actor,
        event=event,
        expected_version=expected_version,
        changes=changes,
        now=now,
        renderer=renderer,
        event_jobs=event_jobs,
    )


async def _change(
    session: AsyncSession,
    *,
    actor: Roles,
    event: Event,
    expected_version: int,
    changes: dict[str, Any],
    now: datetime,
    renderer: Renderer,
    event_jobs: EventJobs,
) -> tuple[Event, int]:
    assert event.id is not None
    event_id = event.id
    await _check_changes(
        session, actor=actor, event=event, changes=changes, now=now, renderer=renderer
    )
    if not await data.change_event_if_current(
        session, event, expected_version=expected_version, now=now, **changes
    ):
        await session.rollback()
        raise NotAllowed("stale")
    told = 0
    if event.status == "published" and NOTIFIED_CHANGES & set(changes):
        told = await _tell_people(
            session,
            event=event,
            kind="change",
            key=f"v{event.version}:changed",
            renderer=renderer,
            build=lambda locale: text_payload(
                texts.change_text(event, renderer.city, locale, renderer.tz)
            ),
            actor_id=actor.user_id,
        )
    await session.commit()
    if "capacity" in changes:  # more places (or no limit): those waiting get them, in order
        await attendance.fill_from_waiting_list(
            session,
            event_id=event_id,
            now=now,
            i18n=renderer.i18n,
            city=renderer.city,
            tz=renderer.tz,
        )
    await place_jobs(event_jobs, event, now)
    logger.info("event %s edited by %s (version %s)", event_id, actor.user_id, event.version)
    return event, told


async def cancel_event(
    session: AsyncSession,
    *,
    actor: Roles,
    event_id: int,
    expected_version: int,
    now: datetime,
    renderer: Renderer,
    event_jobs: EventJobs,
) -> tuple[Event, int]:
    """Cancel the event (still of `expected_version`), tell everyone going or waiting, and
    remove its jobs. Raises NotAllowed (see `event_for_change`)."""
    event = await event_for_change(
        session,
        actor=actor,
        event_id=event_id,
        now=now,
        city=renderer.city,
        expected_version=expected_version,
    )
    was_published = event.status == "published"
    if not await data.change_event_if_current(
        session,
        event,
        expected_version=expected_version,
        now=now,
        status="cancelled",
        cancelled_at=now,
    ):
        await session.rollback()
        raise NotAllowed("stale")
    told = 0
    if was_published:
        told = await _tell_people(
            session,
            event=event,
            kind="cancellation",
            key="cancelled",
            renderer=renderer,
            build=lambda locale: text_payload(texts.cancellation_text(event, locale, renderer.tz)),
            actor_id=actor.user_id,
        )
    await session.commit()
    await remove_jobs(event_jobs, event_id)
    logger.info("event %s cancelled by %s, %s told", event_id, actor.user_id, told)
    return event, told


async def _tell_people(
    session: AsyncSession,
    *,
    event: Event,
    kind: str,
    key: str,
    renderer: Renderer,
    build: Any,
    actor_id: int | None,
) -> int:
    """Queue a message to everyone going or waiting; `build(locale)` renders it."""
    assert event.id is not None
    people = await data.rsvp_people(session, event.id, ("going", "waiting"))
    if not people:
        return 0
    campaign = await create_campaign(session, kind=kind, event_id=event.id, created_by=actor_id)
    messages = [
        QueuedMessage(
            chat_id=user_id,
            payload=renderer.render(locale, build, locale),
            dedupe_key=f"event:{event.id}:{key}:{user_id}",
        )
        for user_id, locale in people
    ]
    return await enqueue(session, messages, campaign=campaign)
