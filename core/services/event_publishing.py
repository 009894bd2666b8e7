"""Coordinators' events: create, publish (now or at a set time), edit and cancel them, the
scheduled reminders and digest, and free announcements. Every message goes through the
outbox with a deterministic dedupe key, so a job that runs twice queues once."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core import event_messages as texts
from core.city import CityData
from core.event_texts import aware, event_keyboard, unsubscribe_keyboard
from core.outbox_messages import text_payload
from core.schedule import EventJobs, plan_event_jobs
from core.services import attendance
from core.services.roles import NotAllowed, Roles
from storage import events as data
from storage.models import EVENT_KINDS, Campaign, Event
from storage.outbox import QueuedMessage, create_campaign, enqueue

logger = logging.getLogger(__name__)

# Changing one of these tells the people going (and waiting).
NOTIFIED_CHANGES = frozenset({"starts_at", "ends_at", "place"})
EDITABLE_FIELDS = frozenset(
    {"kind", "titles", "descriptions", "starts_at", "ends_at", "place", "area_code",
     "capacity", "signup_url", "publish_at"}
)  # fmt: skip


@dataclass(frozen=True)
class Renderer:
    """What rendering a message in someone's language needs."""

    i18n: I18n
    city: CityData
    tz: ZoneInfo
    default_locale: str
    announcement_chat_id: int | None = None

    def render(self, locale: str, build: Any, *args: Any) -> Any:
        with self.i18n.context(), self.i18n.use_locale(locale):
            return build(*args)


@dataclass
class EventDraft:
    """An event as the wizard collected it. Times are UTC."""

    kind: str
    titles: dict[str, str]
    default_locale: str
    starts_at: datetime
    ends_at: datetime
    place: str
    descriptions: dict[str, str] = field(default_factory=dict)
    area_code: str | None = None
    capacity: int | None = None
    signup_url: str | None = None


def may_publish_in(roles: Roles, area_code: str | None, city: CityData) -> bool:
    """Admins anywhere; coordinators city-wide and in the areas their incubators serve (a
    city-wide incubator serves every area)."""
    if roles.is_admin or area_code is None:
        return True
    for code in roles.incubators:
        incubator = city.incubator(code)
        if incubator is not None and (not incubator.areas or area_code in incubator.areas):
            return True
    return False


def _check(roles: Roles, area_code: str | None, city: CityData) -> None:
    if not roles.is_staff:
        raise NotAllowed("not_staff")
    if area_code is not None and city.area(area_code) is None:
        raise NotAllowed("unknown_area")
    if not may_publish_in(roles, area_code, city):
        raise NotAllowed("not_your_area")


def _jobs(event_jobs: EventJobs, event: Event, now: datetime) -> None:
    assert event.id is not None
    planned = plan_event_jobs(
        event_id=event.id,
        version=event.version,
        status=event.status,
        starts_at=aware(event.starts_at),
        publish_at=aware(event.publish_at) if event.publish_at else None,
        now=now,
    )
    event_jobs.replace_event_jobs(event.id, planned)


async def create_event(
    session: AsyncSession,
    *,
    actor: Roles,
    draft: EventDraft,
    publish_at: datetime | None,
    now: datetime,
    renderer: Renderer,
    event_jobs: EventJobs,
) -> Event:
    """Store the event; publish it now (`publish_at` None) or schedule its publishing."""
    _check(actor, draft.area_code, renderer.city)
    if draft.kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {draft.kind!r}")
    event = await data.add_event(
        session,
        Event(
            kind=draft.kind,
            titles=draft.titles,
            descriptions=draft.descriptions,
            default_locale=draft.default_locale,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            place=draft.place,
            area_code=draft.area_code,
            capacity=draft.capacity,
            signup_url=draft.signup_url,
            status="scheduled",
            publish_at=publish_at,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
        ),
    )
    await session.commit()
    assert event.id is not None
    logger.info("event %s created by %s", event.id, actor.user_id)
    if publish_at is None:
        await publish_event(session, event_id=event.id, version=None, now=now, renderer=renderer)
    _jobs(event_jobs, event, now)
    return event


def _announcement(event: Event, renderer: Renderer, locale: str) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        text = texts.announcement_text(event, renderer.city, locale, renderer.tz)
        keyboard = event_keyboard(event, status=None, unsubscribe=True)
        return text_payload(text, keyboard)

    return renderer.render(locale, build)


async def publish_event(
    session: AsyncSession,
    *,
    event_id: int,
    version: int | None,
    now: datetime,
    renderer: Renderer,
) -> int | None:
    """Publish a scheduled event and queue its announcement to each matching subscriber
    (and the announcement channel). Nothing happens for a stale version, an event already
    published or cancelled, or one that has started. Returns how many were queued."""
    event = await data.get_event(session, event_id)
    if event is None or event.status != "scheduled":
        return None
    if version is not None and event.version != version:
        return None
    if aware(event.starts_at) <= now:
        return None
    event.status = "published"
    event.published_at = now
    session.add(event)
    campaign = await create_campaign(session, kind="announcement", event_id=event_id)
    prefix = f"event:{event_id}:v{event.version}:announce"
    messages = [
        QueuedMessage(
            chat_id=user_id,
            payload=_announcement(event, renderer, locale),
            dedupe_key=f"{prefix}:{user_id}",
        )
        for user_id, locale in await data.subscribers_for_event(session, event)
    ]
    if renderer.announcement_chat_id is not None:
        locale = renderer.default_locale
        text = renderer.render(
            locale, texts.announcement_text, event, renderer.city, locale, renderer.tz
        )
        messages.append(
            QueuedMessage(
                chat_id=renderer.announcement_chat_id,
                payload=text_payload(text),
                dedupe_key=f"{prefix}:channel",
            )
        )
    queued = await enqueue(session, messages, campaign=campaign)
    await session.commit()
    logger.info("event %s published, %s announcements queued", event_id, queued)
    return queued


async def remind(
    session: AsyncSession,
    *,
    event_id: int,
    version: int,
    lead: str,
    now: datetime,
    renderer: Renderer,
) -> int | None:
    """Queue a reminder to everyone going, if the event is still on, of this version, and
    not started. Recipients are who is going now. Returns how many were queued."""
    event = await data.get_event(session, event_id)
    if event is None or event.status != "published" or event.version != version:
        return None
    if aware(event.starts_at) <= now:
        return None
    recipients = await data.reminder_recipients(session, event_id)
    if not recipients:
        return 0
    campaign = await create_campaign(session, kind="reminder", event_id=event_id)

    def build(locale: str) -> dict[str, Any]:
        text = texts.reminder_text(event, renderer.city, locale, renderer.tz, lead)
        return text_payload(text, event_keyboard(event, status="going", unsubscribe=False))

    messages = [
        QueuedMessage(
            chat_id=user_id,
            payload=renderer.render(locale, build, locale),
            dedupe_key=f"event:{event_id}:v{version}:remind:{lead}:{user_id}",
        )
        for user_id, locale in recipients
    ]
    queued = await enqueue(session, messages, campaign=campaign)
    await session.commit()
    return queued


async def _tell_people(
    session: AsyncSession,
    *,
    event: Event,
    kind: str,
    key: str,
    now: datetime,
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


def _may_change(actor: Roles, event: Event, city: CityData) -> None:
    if not actor.is_admin and event.created_by != actor.user_id:
        _check(actor, event.area_code, city)
    elif not actor.is_staff:
        raise NotAllowed("not_staff")


async def editable_event(session: AsyncSession, *, actor: Roles, event_id: int) -> Event | None:
    """The event, if it exists and is not cancelled (the caller checks the right)."""
    event = await data.get_event(session, event_id)
    if event is None or event.status == "cancelled":
        return None
    return event


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
    """Change some fields (version + 1), move the jobs, and tell the people going of a
    changed time or place. Returns the event and how many were told.
    Raises NotAllowed ('not_found', 'stale', or a rule of the right)."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"cannot edit {sorted(unknown)}")
    event = await editable_event(session, actor=actor, event_id=event_id)
    if event is None:
        raise NotAllowed("not_found")
    _may_change(actor, event, renderer.city)
    if "area_code" in changes:
        _check(actor, changes["area_code"], renderer.city)
    if event.version != expected_version:
        raise NotAllowed("stale")
    starts_at = changes.get("starts_at", aware(event.starts_at))
    ends_at = changes.get("ends_at", aware(event.ends_at))
    if ends_at <= starts_at:
        raise NotAllowed("end_before_start")
    if "publish_at" in changes and event.status != "scheduled":
        raise NotAllowed("already_published")
    publish_at = changes.get("publish_at", aware(event.publish_at) if event.publish_at else None)
    if event.status == "scheduled" and publish_at is not None and publish_at >= starts_at:
        raise NotAllowed("publish_after_start")
    event = await data.update_event(session, event, now=now, **changes)
    told = 0
    if event.status == "published" and NOTIFIED_CHANGES & set(changes):

        def build(locale: str) -> dict[str, Any]:
            text = texts.change_text(event, renderer.city, locale, renderer.tz)
            return text_payload(text)

        told = await _tell_people(
            session,
            event=event,
            kind="change",
            key=f"v{event.version}:changed",
            now=now,
            renderer=renderer,
            build=build,
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
    _jobs(event_jobs, event, now)
    logger.info("event %s edited by %s (version %s)", event_id, actor.user_id, event.version)
    return event, told


async def cancel_event(
    session: AsyncSession,
    *,
    actor: Roles,
    event_id: int,
    now: datetime,
    renderer: Renderer,
    event_jobs: EventJobs,
) -> tuple[Event, int]:
    """Cancel the event, tell everyone going or waiting, and remove its jobs."""
    event = await editable_event(session, actor=actor, event_id=event_id)
    if event is None:
        raise NotAllowed("not_found")
    _may_change(actor, event, renderer.city)
    was_published = event.status == "published"
    event = await data.update_event(session, event, now=now, status="cancelled", cancelled_at=now)
    told = 0
    if was_published:

        def build(locale: str) -> dict[str, Any]:
            return text_payload(texts.cancellation_text(event, locale, renderer.tz))

        told = await _tell_people(
            session,
            event=event,
            kind="cancellation",
            key="cancelled",
            now=now,
            renderer=renderer,
            build=build,
            actor_id=actor.user_id,
        )
    await session.commit()
    event_jobs.remove_event_jobs(event_id)
    logger.info("event %s cancelled by %s, %s told", event_id, actor.user_id, told)
    return event, told


def _iso_week(moment: datetime, tz: ZoneInfo) -> str:
    year, week, _day = moment.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


async def send_digest(session: AsyncSession, *, now: datetime, renderer: Renderer) -> int:
    """The coming seven days' published events to everyone who asked for the digest; nobody
    gets anything when there are no events. Once per week (dedupe by ISO week)."""
    events = await data.published_between(session, start=now, end=now + timedelta(days=7))
    if not events:
        return 0
    recipients = await data.digest_recipients(session)
    if not recipients:
        return 0
    campaign = await create_campaign(session, kind="digest")
    week = _iso_week(now, renderer.tz)

    def build(locale: str) -> dict[str, Any]:
        text = texts.digest_text(events, renderer.city, locale, renderer.tz)
        return text_payload(text, unsubscribe_keyboard())

    messages = [
        QueuedMessage(
            chat_id=user_id,
            payload=renderer.render(locale, build, locale),
            dedupe_key=f"digest:{week}:{user_id}",
        )
        for user_id, locale in recipients
    ]
    queued = await enqueue(session, messages, campaign=campaign)
    await session.commit()
    return queued


# --- free announcements -----------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """All subscribers (both None), those of a kind, or of an area."""

    kind: str | None = None
    area_code: str | None = None

    @classmethod
    def parse(cls, value: str) -> Audience | None:
        """From a button's value: 'all', 'kind=<kind>' or 'area=<code>'."""
        if value == "all":
            return cls()
        name, _sep, code = value.partition("=")
        if name == "kind" and code in EVENT_KINDS:
            return cls(kind=code)
        if name == "area" and code:
            return cls(area_code=code)
        return None

    def value(self) -> str:
        if self.kind:
            return f"kind={self.kind}"
        if self.area_code:
            return f"area={self.area_code}"
        return "all"


async def broadcast_recipients(
    session: AsyncSession, *, actor: Roles, audience: Audience, city: CityData
) -> list[tuple[int, str]]:
    _check(actor, audience.area_code, city)
    return await data.subscribers(session, kind=audience.kind, area_code=audience.area_code)


def _broadcast_payload(typed_text: str) -> dict[str, Any]:
    return text_payload(texts.broadcast_text(typed_text), unsubscribe_keyboard())


async def send_broadcast(
    session: AsyncSession,
    *,
    actor: Roles,
    typed_text: str,
    audience: Audience,
    report_chat_id: int,
    report_message_id: int,
    report_locale: str,
    now: datetime,
    renderer: Renderer,
) -> tuple[Campaign, int]:
    """Queue a staff announcement to the audience; its progress is reported in the given
    message. Returns the campaign and how many were queued."""
    recipients = await broadcast_recipients(
        session, actor=actor, audience=audience, city=renderer.city
    )
    campaign = await create_campaign(
        session,
        kind="broadcast",
        created_by=actor.user_id,
        report_chat_id=report_chat_id,
        report_message_id=report_message_id,
        report_locale=report_locale,
    )
    messages: Iterable[QueuedMessage] = [
        QueuedMessage(
            chat_id=user_id,
            payload=renderer.render(locale, _broadcast_payload, typed_text),
            dedupe_key=f"broadcast:{campaign.id}:{user_id}",
        )
        for user_id, locale in recipients
    ]
    queued = await enqueue(session, messages, campaign=campaign)
    await session.commit()
    logger.info("broadcast %s by %s: %s queued", campaign.id, actor.user_id, queued)
    return campaign, queued
