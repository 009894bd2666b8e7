"""Coordinators' events: create and publish them (now or at a set time), the scheduled
reminders and digest, and free announcements (edits and cancelling: event_changes). Every
message goes through the outbox with a deterministic dedupe key, so a job that runs twice
queues once. Rights are core.event_rights; a refusal is kept in the audit log."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core import event_notice_texts as texts
from core.city import CityData
from core.event_fields import EventDraft, draft_problem
from core.event_rights import publish_refusal
from core.event_texts import aware, event_keyboard, unsubscribe_keyboard
from core.outbox_messages import text_payload
from core.schedule import EventJobs, plan_event_jobs
from core.services.roles import NotAllowed, Roles, record_refusal
from storage import events as data
from storage import subscriptions as subscription_data
from storage.models import EVENT_KINDS, Campaign, Event
from storage.outbox import QueuedMessage, create_campaign, enqueue

logger = logging.getLogger(__name__)

__all__ = ["EventDraft", "Renderer"]  # EventDraft is the input of create_event


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


async def refusal(
    session: AsyncSession,
    *,
    actor: Roles,
    attempt: str,
    subject: str,
    reason: str,
    now: datetime,
) -> NotAllowed:
    """Keep a refused attempt in the audit log (nothing else of it is stored); the refusal
    to raise."""
    await session.rollback()
    await record_refusal(
        session, actor_id=actor.user_id, action=f"{attempt}:{reason}", subject=subject, now=now
    )
    logger.info("user %s: %s of %s refused (%s)", actor.user_id, attempt, subject, reason)
    return NotAllowed(reason)


async def check_publish(
    session: AsyncSession,
    *,
    actor: Roles,
    area_code: str | None,
    city: CityData,
    attempt: str,
    now: datetime,
) -> None:
    """Raise (and keep in the audit log) when the actor may not publish in the area."""
    reason = publish_refusal(actor, area_code, city)
    if reason is not None:
        subject = f"area:{area_code or 'city'}"
        raise await refusal(
            session, actor=actor, attempt=attempt, subject=subject, reason=reason, now=now
        )


async def place_jobs(event_jobs: EventJobs, event: Event, now: datetime) -> None:
    """Replace the event's jobs with those of its current version."""
    assert event.id is not None
    planned = plan_event_jobs(
        event_id=event.id,
        version=event.version,
        status=event.status,
        starts_at=aware(event.starts_at),
        publish_at=aware(event.publish_at) if event.publish_at else None,
        now=now,
    )
    await event_jobs.replace_event_jobs(event.id, planned)


async def remove_jobs(event_jobs: EventJobs, event_id: int) -> None:
    """Remove the event's jobs."""
    await event_jobs.remove_event_jobs(event_id)


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
    """Store the event; publish it now (`publish_at` None) or schedule its publishing.
    Raises NotAllowed: a rule of the right, or what keeps the draft from being stored
    ('past', 'end_before_start', 'after_start', ...: see event_fields.draft_problem)."""
    await check_publish(
        session,
        actor=actor,
        area_code=draft.area_code,
        city=renderer.city,
        attempt="event_create",
        now=now,
    )
    if draft.kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {draft.kind!r}")
    problem = draft_problem(draft, publish_at=publish_at, now=now)
    if problem is not None:
        raise NotAllowed(problem)
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
    await place_jobs(event_jobs, event, now)
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
    if not await data.mark_published(session, event, version=version, now=now):
        return None  # cancelled, edited or published at this very moment
    campaign = await create_campaign(session, kind="announcement", event_id=event_id)
    prefix = f"event:{event_id}:v{event.version}:announce"
    messages = [
        QueuedMessage(
            chat_id=user_id,
            payload=_announcement(event, renderer, locale),
            dedupe_key=f"{prefix}:{user_id}",
        )
        for user_id, locale in await subscription_data.subscribers_for_event(session, event)
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


def _iso_week(moment: datetime, tz: ZoneInfo) -> str:
    year, week, _day = moment.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


async def send_digest(session: AsyncSession, *, now: datetime, renderer: Renderer) -> int:
    """The coming seven days' published events to everyone who asked for the digest; nobody
    gets anything when there are no events. Once per week (dedupe by ISO week)."""
    events = await data.published_between(session, start=now, end=now + timedelta(days=7))
    if not events:
        return 0
    recipients = await subscription_data.digest_recipients(session)
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
    session: AsyncSession, *, actor: Roles, audience: Audience, city: CityData, now: datetime
) -> list[tuple[int, str]]:
    """Who an announcement to `audience` reaches; NotAllowed for an area not the actor's."""
    await check_publish(
        session,
        actor=actor,
        area_code=audience.area_code,
        city=city,
        attempt="broadcast",
        now=now,
    )
    return await subscription_data.subscribers(
        session, kind=audience.kind, area_code=audience.area_code
    )


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
        session, actor=actor, audience=audience, city=renderer.city, now=now
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
