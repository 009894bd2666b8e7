"""Residents and events: answering (with a waiting list when full) and subscriptions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration
from sqlalchemy.ext.asyncio import AsyncSession

from core import event_texts
from core.city import CityData
from storage import events as data
from storage.events import RsvpCounts, SubscriptionChoice
from storage.models import EVENT_KINDS, Event
from storage.outbox import QueuedMessage, enqueue

logger = logging.getLogger(__name__)

ANSWERS = ("going", "not_going")


class EventUnavailable(Exception):
    """The event cannot be answered: `reason` is 'missing', 'unpublished', 'cancelled',
    'past' or 'stale' (the button was made for an older version)."""

    def __init__(self, reason: str, event: Event | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.event = event


@dataclass(frozen=True)
class RsvpResult:
    """How an answer came out. `status` is the person's answer now ('going', 'waiting' or
    'not_going'); `changed` is False when it was already so; `position` is the place on the
    waiting list; `promoted` are the people who got a place that this answer freed."""

    event: Event
    status: str
    changed: bool
    counts: RsvpCounts
    position: int | None = None
    promoted: tuple[int, ...] = ()


def check_answerable(event: Event | None, *, now: datetime, version: int | None = None) -> Event:
    """The event if residents may answer it now, else EventUnavailable saying why."""
    if event is None:
        raise EventUnavailable("missing")
    if event.status == "cancelled":
        raise EventUnavailable("cancelled", event)
    if event.status != "published":
        raise EventUnavailable("unpublished", event)
    if version is not None and version != event.version:
        raise EventUnavailable("stale", event)
    if event_texts.aware(event.starts_at) <= now:
        raise EventUnavailable("past", event)
    return event


async def rsvp(
    session: AsyncSession,
    *,
    event_id: int,
    user_id: int,
    answer: str,
    now: datetime,
    i18n: I18n,
    city: CityData,
    tz: ZoneInfo,
    version: int | None = None,
) -> RsvpResult:
    """Answer 'going' or 'not_going'. Going to a full event puts one on the waiting list;
    giving up a place hands it to the first one waiting, who is told in their language."""
    if answer not in ANSWERS:
        raise ValueError(f"unknown answer {answer!r}")
    try:
        event = check_answerable(
            await data.get_event_for_update(session, event_id), now=now, version=version
        )
    except EventUnavailable:
        await session.commit()  # nothing was written; this releases the lock
        raise
    current = await data.get_rsvp(session, event_id, user_id)
    before = current.status if current else None
    promoted: tuple[int, ...] = ()
    if answer == "going":
        if before in ("going", "waiting"):
            status = before
        else:
            counts = await data.rsvp_counts(session, event_id)
            status = "waiting" if event_texts.is_full(event, counts.going) else "going"
        await data.set_rsvp(session, event_id=event_id, user_id=user_id, status=status, now=now)
    else:
        status = "not_going"
        await data.set_rsvp(session, event_id=event_id, user_id=user_id, status=status, now=now)
        if before == "going":
            promoted = await _fill_places(session, event, now=now, i18n=i18n, city=city, tz=tz)
    counts = await data.rsvp_counts(session, event_id)
    position = await data.waiting_position(session, event_id, user_id)
    await session.commit()
    if before != status:
        logger.info("user %s answered %s to event %s", user_id, status, event_id)
    return RsvpResult(
        event=event,
        status=status,
        changed=before != status,
        counts=counts,
        position=position,
        promoted=promoted,
    )


async def fill_from_waiting_list(
    session: AsyncSession,
    *,
    event_id: int,
    now: datetime,
    i18n: I18n,
    city: CityData,
    tz: ZoneInfo,
) -> tuple[int, ...]:
    """Give free places (e.g. after the capacity grew) to those waiting, in order, and queue
    a notice to each. Returns who got a place."""
    event = await data.get_event_for_update(session, event_id)
    if event is None or event.status != "published":
        return ()
    promoted = await _fill_places(session, event, now=now, i18n=i18n, city=city, tz=tz)
    await session.commit()
    return promoted


async def _fill_places(
    session: AsyncSession, event: Event, *, now: datetime, i18n: I18n, city: CityData, tz: ZoneInfo
) -> tuple[int, ...]:
    assert event.id is not None
    counts = await data.rsvp_counts(session, event.id)
    free = counts.waiting if event.capacity is None else max(event.capacity - counts.going, 0)
    chosen = (await data.waiting_list(session, event.id))[:free]
    if not chosen:
        return ()
    for rsvp_row in chosen:
        await data.set_rsvp(
            session, event_id=event.id, user_id=rsvp_row.user_id, status="going", now=now
        )
    people = dict(await data.rsvp_people(session, event.id, ("going",)))
    counts = await data.rsvp_counts(session, event.id)
    messages = []
    for rsvp_row in chosen:
        locale = people.get(rsvp_row.user_id)
        if locale is None:  # blocked the bot: they keep the place, but nobody is told
            continue
        payload = promotion_payload(event, locale, i18n=i18n, city=city, tz=tz, going=counts.going)
        messages.append(
            QueuedMessage(
                chat_id=rsvp_row.user_id,
                payload=payload,
                dedupe_key=(
                    f"event:{event.id}:promoted:{rsvp_row.user_id}:{now.strftime('%Y%m%dT%H%M%S%f')}"
                ),
            )
        )
    await enqueue(session, messages, now=now)
    logger.info(
        "event %s: %s promoted from the waiting list", event.id, [r.user_id for r in chosen]
    )
    return tuple(r.user_id for r in chosen)


def promotion_payload(
    event: Event, locale: str, *, i18n: I18n, city: CityData, tz: ZoneInfo, going: int
) -> dict[str, object]:
    """The notice to someone who got a place from the waiting list, in their language."""
    with i18n.context(), i18n.use_locale(locale):
        title = html_decoration.quote(event_texts.title_for(event, locale))
        text = "\n\n".join(
            (
                _(
                    "🎉 Good news: a place opened up, and you are now coming to <b>{title}</b> "
                    "({when}). If you can't make it after all, please press ❌ Not going, "
                    "so that someone else can have the place."
                ).format(
                    title=title,
                    when=html_decoration.quote(event_texts.when_text(event, locale, tz)),
                ),
                event_texts.event_card(event, city, locale, tz, going=going),
            )
        )
        markup = event_texts.event_keyboard(event, status="going", unsubscribe=False)
    return {
        "method": "sendMessage",
        "text": text,
        "parse_mode": "HTML",
        "reply_markup": markup.model_dump(mode="json", exclude_none=True),
    }


# --- subscriptions --------------------------------------------------------------------------


class InvalidSubscription(ValueError):
    """`reason`: 'no_kinds', 'unknown_kind' or 'unknown_area'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def subscription_of(session: AsyncSession, user_id: int) -> SubscriptionChoice | None:
    return await data.get_subscription(session, user_id)


async def save_subscription(
    session: AsyncSession,
    *,
    user_id: int,
    choice: SubscriptionChoice,
    city: CityData,
    now: datetime,
) -> SubscriptionChoice:
    """Store what the resident chose: at least one kind, areas of this city (none: all)."""
    if not choice.kinds:
        raise InvalidSubscription("no_kinds")
    if not choice.kinds <= set(EVENT_KINDS):
        raise InvalidSubscription("unknown_kind")
    if any(city.area(code) is None for code in choice.areas):
        raise InvalidSubscription("unknown_area")
    await data.save_subscription(session, user_id=user_id, choice=choice, now=now)
    await session.commit()
    logger.info("user %s saved a subscription", user_id)
    return choice


async def set_reminders(
    session: AsyncSession, *, user_id: int, enabled: bool, now: datetime
) -> None:
    await data.set_subscription_flags(session, user_id=user_id, now=now, reminders=enabled)
    await session.commit()


async def set_digest(session: AsyncSession, *, user_id: int, enabled: bool, now: datetime) -> None:
    await data.set_subscription_flags(session, user_id=user_id, now=now, digest=enabled)
    await session.commit()


async def unsubscribe(session: AsyncSession, *, user_id: int, now: datetime) -> bool:
    """Stop everything: no announcements, no digest, and no reminders either (a subscription
    without kinds stays, since people without one get reminders). Whether anything was on."""
    before = await data.get_subscription(session, user_id)
    stopped = SubscriptionChoice(kinds=frozenset(), areas=frozenset(), reminders=False)
    await data.save_subscription(session, user_id=user_id, choice=stopped, now=now)
    await session.commit()
    logger.info("user %s unsubscribed", user_id)
    return before is None or before != stopped
