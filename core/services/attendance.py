"""Residents and events: the list, an event's card, answering (with a waiting list when
full) and giving freed places to those waiting.

Answers to one event are taken one at a time (`storage.events.get_event_for_update` locks
the event on SQLite and PostgreSQL alike), so an event never has more people going than
places, and the waiting line keeps the order in which the answers were taken."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration
from sqlalchemy.ext.asyncio import AsyncSession

from core import event_texts
from core.attendance_texts import EventsPage, EventView, RsvpResult
from core.city import CityData
from core.services.roles import record_refusal, roles_of
from storage import events as data
from storage.models import Event
from storage.outbox import QueuedMessage, enqueue

__all__ = [
    "ANSWERS",
    "EventUnavailable",
    "RsvpResult",
    "button_event",
    "event_view",
    "events_page",
    "fill_from_waiting_list",
    "refused",
    "rsvp",
]

logger = logging.getLogger(__name__)

ANSWERS = ("going", "not_going")
EVENTS_PER_PAGE = 5
# Residents never see an event still being prepared; a cancelled one shows as cancelled.
VISIBLE = ("published", "cancelled")
# A press naming an event residents cannot see is forged (or the event was taken back).
AUDITED = ("missing", "unpublished")


class EventUnavailable(Exception):
    """The event cannot be used as asked: `reason` is 'missing', 'unpublished',
    'cancelled', 'past' or 'stale' (the button was made for an older version)."""

    def __init__(self, reason: str, event: Event | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.event = event


def check_visible(event: Event | None) -> Event:
    """The event if residents may see it, else EventUnavailable saying why."""
    if event is None:
        raise EventUnavailable("missing")
    if event.status not in VISIBLE:
        raise EventUnavailable("unpublished", event)
    return event


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


# --- what residents see ---------------------------------------------------------------------


async def events_page(
    session: AsyncSession, *, page: int, user_id: int, admin_ids: list[int], now: datetime
) -> EventsPage:
    """A page of the coming events, soonest first (a page beyond the last shows the last);
    staff get the counts too."""
    total = await data.count_upcoming_events(session, now=now)
    last_page = max(total - 1, 0) // EVENTS_PER_PAGE
    page = min(max(page, 0), last_page)
    found = await data.upcoming_events(
        session, now=now, limit=EVENTS_PER_PAGE, offset=page * EVENTS_PER_PAGE
    )
    staff = (await roles_of(session, user_id, admin_ids)).is_staff
    counts = await data.rsvp_counts_for(session, [e.id for e in found]) if staff else {}  # type: ignore[misc]
    return EventsPage(
        events=found,
        total=total,
        page=page,
        last_page=last_page,
        first_number=page * EVENTS_PER_PAGE + 1,
        staff=staff,
        counts=counts,
    )


async def event_view(
    session: AsyncSession, *, event_id: int, user_id: int, admin_ids: list[int]
) -> EventView:
    """The event as this person sees it, with their own answer; EventUnavailable when
    residents may not see it."""
    event = check_visible(await data.get_event(session, event_id))
    answer = await data.get_rsvp(session, event_id, user_id)
    return EventView(
        event=event,
        counts=await data.rsvp_counts(session, event_id),
        status=answer.status if answer else None,
        staff=(await roles_of(session, user_id, admin_ids)).is_staff,
    )


async def button_event(
    session: AsyncSession, *, event_id: int, action: str, version: int, now: datetime
) -> Event:
    """The event a resident's button names, if the action may use it now: the card and the
    calendar file need an event residents may see; Going and Not going one open for
    answers, of the button's version. EventUnavailable says why not."""
    event = await data.get_event(session, event_id)
    if action in ANSWERS:
        return check_answerable(event, now=now, version=version)
    return check_visible(event)


async def refused(
    session: AsyncSession,
    *,
    refusal: EventUnavailable,
    event_id: int,
    action: str,
    user_id: int,
    admin_ids: list[int],
    now: datetime,
) -> EventView | None:
    """After a refused press: one naming an event residents cannot see goes to the audit
    log; a button of an older version gets the event as it is now (returned)."""
    logger.info("user %s: %s on event %s refused (%s)", user_id, action, event_id, refusal.reason)
    if refusal.reason in AUDITED:
        await record_refusal(
            session,
            actor_id=user_id,
            action=f"event:{action}",
            subject=f"event:{event_id}",
            now=now,
        )
    if refusal.reason == "stale" and refusal.event is not None:
        return await event_view(session, event_id=event_id, user_id=user_id, admin_ids=admin_ids)
    return None


# --- answers --------------------------------------------------------------------------------


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
    """Answer 'going' or 'not_going', under the event's lock. Going to a full event puts
    one at the end of the waiting line; giving up a place hands it to the first one
    waiting, who is told in their language."""
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
    status = await _status_after(session, event, answer=answer, before=before)
    await data.set_rsvp(session, event_id=event_id, user_id=user_id, status=status, now=now)
    promoted: tuple[int, ...] = ()
    if before == "going" and status == "not_going":
        promoted = await _fill_places(session, event, now=now, i18n=i18n, city=city, tz=tz)
    result = RsvpResult(
        event=event,
        status=status,
        before=before,
        counts=await data.rsvp_counts(session, event_id),
        position=await data.waiting_position(session, event_id, user_id),
        promoted=promoted,
    )
    await session.commit()
    if result.changed:
        logger.info("user %s answered %s to event %s", user_id, status, event_id)
    return result


async def _status_after(
    session: AsyncSession, event: Event, *, answer: str, before: str | None
) -> str:
    """Going keeps a place or a place in line already held; else a free place, or the line."""
    if answer == "not_going":
        return "not_going"
    if before in ("going", "waiting"):
        return before
    counts = await data.rsvp_counts(session, event.id)  # type: ignore[arg-type]
    return "waiting" if event_texts.is_full(event, counts.going) else "going"


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
    promoted: tuple[int, ...] = ()
    if event is not None and event.status == "published":
        promoted = await _fill_places(session, event, now=now, i18n=i18n, city=city, tz=tz)
    await session.commit()  # also when nothing changed: this releases the lock
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
        title = event_texts.title_html(event, locale)
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
