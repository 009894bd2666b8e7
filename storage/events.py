"""Data functions of events: the events, who is coming and who is reminded.

No commits here: the calling service does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Event,
    Rsvp,
    Subscription,
    User,
)

# --- events --------------------------------------------------------------------------------


async def add_event(session: AsyncSession, event: Event) -> Event:
    """Store a new event; its id is known afterwards."""
    session.add(event)
    await session.flush()
    return event


async def get_event(session: AsyncSession, event_id: int) -> Event | None:
    return await session.get(Event, event_id)


async def get_event_for_update(session: AsyncSession, event_id: int) -> Event | None:
    """The event, fresh from the database and locked until the transaction ends, so the
    answers to one event are taken one at a time and two people cannot take the last place.

    PostgreSQL locks the row. SQLite has no row locks and ignores FOR UPDATE; its driver
    begins a transaction only at the first write, so reads before a write are not protected.
    A write comes first here: the transaction holds the database's write lock from its start,
    as BEGIN IMMEDIATE would, and everything read after it is current."""
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        await session.execute(
            update(Event)
            .where(Event.id == event_id)  # type: ignore[arg-type]
            .values(version=Event.version)
            .execution_options(synchronize_session=False)
        )
    result = await session.execute(
        select(Event)
        .where(Event.id == event_id)  # type: ignore[arg-type]
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def update_event(
    session: AsyncSession, event: Event, *, now: datetime, **changes: object
) -> Event:
    """Change the event's fields and raise its version, so older buttons and jobs can tell."""
    _checked_changes(changes)
    for name, value in changes.items():
        setattr(event, name, value)
    event.version += 1
    event.updated_at = now
    session.add(event)
    await session.flush()
    return event


def _checked_changes(changes: dict[str, object]) -> None:
    for name in changes:
        if name not in Event.model_fields or name in {"id", "version", "created_at"}:
            raise ValueError(f"cannot change {name!r} of an event")


async def change_event_if_current(
    session: AsyncSession, event: Event, *, expected_version: int, now: datetime, **changes: object
) -> bool:
    """Change the event and raise its version, only if it is still at `expected_version` and
    not cancelled: one conditional UPDATE, so of two changes made from the same version
    exactly one goes through (on SQLite and PostgreSQL alike). `event` is refreshed."""
    _checked_changes(changes)
    result = await session.execute(
        update(Event)
        .where(
            Event.id == event.id,  # type: ignore[arg-type]
            Event.version == expected_version,  # type: ignore[arg-type]
            Event.status != "cancelled",  # type: ignore[arg-type]
        )
        .values(**changes, version=Event.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(event)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_published(
    session: AsyncSession, event: Event, *, version: int | None, now: datetime
) -> bool:
    """Mark a scheduled event published (of `version`, if given), in one conditional UPDATE,
    so a cancel or an edit at the same moment is never undone. `event` is refreshed."""
    conditions = [Event.id == event.id, Event.status == "scheduled"]  # type: ignore[arg-type]
    if version is not None:
        conditions.append(Event.version == version)  # type: ignore[arg-type]
    result = await session.execute(
        update(Event)
        .where(*conditions)
        .values(status="published", published_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(event)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _upcoming(now: datetime):  # type: ignore[no-untyped-def]
    return and_(Event.status == "published", Event.starts_at >= now)  # type: ignore[arg-type]


async def upcoming_events(
    session: AsyncSession, *, now: datetime, limit: int | None = None, offset: int = 0
) -> list[Event]:
    """Published events that have not started yet, soonest first."""
    statement = (
        select(Event)
        .where(_upcoming(now))
        .order_by(Event.starts_at, Event.id)  # type: ignore[arg-type]
        .offset(offset)
    )
    if limit is not None:
        statement = statement.limit(limit)
    result = await session.execute(statement)
    return list(result.scalars())


async def count_upcoming_events(session: AsyncSession, *, now: datetime) -> int:
    result = await session.execute(select(func.count()).select_from(Event).where(_upcoming(now)))
    return int(result.scalar_one())


async def published_between(
    session: AsyncSession, *, start: datetime, end: datetime
) -> list[Event]:
    """Published events starting in [start, end), soonest first (for digests)."""
    result = await session.execute(
        select(Event)
        .where(
            Event.status == "published",  # type: ignore[arg-type]
            Event.starts_at >= start,  # type: ignore[arg-type]
            Event.starts_at < end,  # type: ignore[arg-type]
        )
        .order_by(Event.starts_at, Event.id)  # type: ignore[arg-type]
    )
    return list(result.scalars())


# --- answers (RSVP) -------------------------------------------------------------------------


@dataclass(frozen=True)
class RsvpCounts:
    going: int = 0
    waiting: int = 0


async def get_rsvp(session: AsyncSession, event_id: int, user_id: int) -> Rsvp | None:
    """The person's answer as stored now (not an older copy the session may hold)."""
    return await session.get(Rsvp, (event_id, user_id), populate_existing=True)


async def set_rsvp(
    session: AsyncSession, *, event_id: int, user_id: int, status: str, now: datetime
) -> Rsvp:
    """Store a person's answer. `updated_at` changes only when the status does, and one
    who joins the waiting list gets the event's next waiting number (call it under the
    event's lock, `get_event_for_update`), so pressing again keeps one's place in line."""
    rsvp = await get_rsvp(session, event_id, user_id)
    if rsvp is None:
        rsvp = Rsvp(
            event_id=event_id, user_id=user_id, status=status, created_at=now, updated_at=now
        )
    elif rsvp.status != status:
        rsvp.status = status
        rsvp.updated_at = now
    if status != "waiting":
        rsvp.waiting_number = None
    elif rsvp.waiting_number is None:
        rsvp.waiting_number = await _next_waiting_number(session, event_id)
    session.add(rsvp)
    await session.flush()
    return rsvp


async def _next_waiting_number(session: AsyncSession, event_id: int) -> int:
    result = await session.execute(
        select(func.coalesce(func.max(Rsvp.waiting_number), 0) + 1).where(
            Rsvp.event_id == event_id  # type: ignore[arg-type]
        )
    )
    return int(result.scalar_one())


async def rsvp_counts(session: AsyncSession, event_id: int) -> RsvpCounts:
    return (await rsvp_counts_for(session, [event_id])).get(event_id, RsvpCounts())


async def rsvp_counts_for(
    session: AsyncSession, event_ids: Iterable[int]
) -> dict[int, RsvpCounts]:
    """Going and waiting counts of each event (events without answers are left out)."""
    ids = list(event_ids)
    if not ids:
        return {}
    result = await session.execute(
        select(Rsvp.event_id, Rsvp.status, func.count())
        .where(Rsvp.event_id.in_(ids), Rsvp.status.in_(("going", "waiting")))  # type: ignore[attr-defined]
        .group_by(Rsvp.event_id, Rsvp.status)
    )
    raw: dict[int, dict[str, int]] = {}
    for event_id, status, count in result.all():
        raw.setdefault(event_id, {})[status] = int(count)
    return {
        event_id: RsvpCounts(going=counts.get("going", 0), waiting=counts.get("waiting", 0))
        for event_id, counts in raw.items()
    }


async def waiting_list(session: AsyncSession, event_id: int) -> list[Rsvp]:
    """Who waits for a place, first in line first."""
    result = await session.execute(
        select(Rsvp)
        .where(Rsvp.event_id == event_id, Rsvp.status == "waiting")  # type: ignore[arg-type]
        .order_by(Rsvp.waiting_number, Rsvp.updated_at, Rsvp.user_id)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    )
    return list(result.scalars())


async def waiting_position(session: AsyncSession, event_id: int, user_id: int) -> int | None:
    """The person's place in the waiting line (1 is next), or None when not waiting."""
    mine = await get_rsvp(session, event_id, user_id)
    if mine is None or mine.status != "waiting" or mine.waiting_number is None:
        return None
    result = await session.execute(
        select(func.count())
        .select_from(Rsvp)
        .where(
            Rsvp.event_id == event_id,  # type: ignore[arg-type]
            Rsvp.status == "waiting",  # type: ignore[arg-type]
            Rsvp.waiting_number <= mine.waiting_number,  # type: ignore[operator]
        )
    )
    return int(result.scalar_one())


async def rsvp_people(
    session: AsyncSession, event_id: int, statuses: Sequence[str]
) -> list[tuple[int, str]]:
    """(user id, locale) of the people with one of these answers, blocked ones left out."""
    result = await session.execute(
        select(User.telegram_id, User.locale)
        .join(Rsvp, Rsvp.user_id == User.telegram_id)  # type: ignore[arg-type]
        .where(
            Rsvp.event_id == event_id,  # type: ignore[arg-type]
            Rsvp.status.in_(list(statuses)),  # type: ignore[attr-defined]
            User.blocked_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(User.telegram_id)
    )
    return [(int(user_id), locale) for user_id, locale in result.all()]


async def reminder_recipients(session: AsyncSession, event_id: int) -> list[tuple[int, str]]:
    """(user id, locale) of the people going, unless blocked, they turned reminders off or
    paused their subscription.
    People without a subscription get reminders of what they said they would come to."""
    result = await session.execute(
        select(User.telegram_id, User.locale)
        .join(Rsvp, Rsvp.user_id == User.telegram_id)  # type: ignore[arg-type]
        .outerjoin(Subscription, Subscription.user_id == User.telegram_id)  # type: ignore[arg-type]
        .where(
            Rsvp.event_id == event_id,  # type: ignore[arg-type]
            Rsvp.status == "going",  # type: ignore[arg-type]
            User.blocked_at.is_(None),  # type: ignore[union-attr]
            or_(
                Subscription.user_id.is_(None),  # type: ignore[attr-defined]
                and_(
                    Subscription.reminders.is_(True),  # type: ignore[attr-defined]
                    Subscription.paused_at.is_(None),  # type: ignore[union-attr]
                ),
            ),
        )
        .order_by(User.telegram_id)
    )
    return [(int(user_id), locale) for user_id, locale in result.all()]
