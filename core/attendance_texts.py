"""What residents see of events: the list, the card with its buttons, the outcome of an
answer and the refusals. The use cases in core.services.attendance load the data classes
below; these functions render them (call them inside an i18n context with the reader's
locale)."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram.utils.text_decorations import html_decoration

from core import event_texts
from core.callbacks import EventCB, EventsPageCB
from core.city import CityData
from storage.events import RsvpCounts
from storage.models import Event

quote = html_decoration.quote
# How the answers-so-far line under the places begins, in every language.
ANSWERS_MARK = "📊 "


@dataclass(frozen=True)
class EventsPage:
    """One page of the coming events; `counts` are shown to staff only."""

    events: list[Event]
    total: int
    page: int
    last_page: int
    first_number: int
    staff: bool
    counts: dict[int, RsvpCounts] = field(default_factory=dict)


@dataclass(frozen=True)
class EventView:
    """An event as one person sees it: the counts, their own answer and whether they are
    staff (who see the waiting list's length)."""

    event: Event
    counts: RsvpCounts
    status: str | None
    staff: bool


@dataclass(frozen=True)
class RsvpResult:
    """How an answer came out. `status` is the person's answer now ('going', 'waiting' or
    'not_going'), `before` what it was; `position` is the place on the waiting list;
    `promoted` are the people who got a place that this answer freed."""

    event: Event
    status: str
    before: str | None
    counts: RsvpCounts
    position: int | None = None
    promoted: tuple[int, ...] = ()

    @property
    def changed(self) -> bool:
        return self.before != self.status


def events_list(
    page: EventsPage, city: CityData, locale: str, tz: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The page as text, with a details button for each event and the paging buttons."""
    if page.total == 0:
        text = _(
            "There are no meetings planned right now. New ones are announced here: "
            "with /subscribe I will tell you as soon as there is one."
        )
        return text, None
    heading = _("📅 <b>Coming meetings</b> ({first}–{last} of {total})").format(
        first=page.first_number,
        last=page.first_number + len(page.events) - 1,
        total=page.total,
    )
    lines = [heading]
    builder = InlineKeyboardBuilder()
    for number, event in enumerate(page.events, start=page.first_number):
        counts = page.counts.get(event.id, RsvpCounts()) if page.staff else None  # type: ignore[arg-type]
        lines.append(
            event_texts.event_line(
                event,
                city,
                locale,
                tz,
                number=number,
                going=counts.going if counts else None,
                waiting=counts.waiting if counts else None,
            )
        )
        builder.button(
            text=event_texts.details_button_label(event, locale, number),
            callback_data=EventCB(action="details", event_id=event.id, version=event.version),  # type: ignore[arg-type]
        )
    builder.adjust(1)
    paging = _paging_buttons(page)
    if paging:
        builder.row(*paging)
    lines.append(_("Choose a meeting for the details and to sign up."))
    return "\n\n".join(lines), builder.as_markup()


def _paging_buttons(page: EventsPage) -> list[InlineKeyboardButton]:
    buttons = []
    if page.page > 0:
        buttons.append(
            InlineKeyboardButton(
                text=_("◀️ Earlier"), callback_data=EventsPageCB(page=page.page - 1).pack()
            )
        )
    if page.page < page.last_page:
        buttons.append(
            InlineKeyboardButton(
                text=_("Later ▶️"), callback_data=EventsPageCB(page=page.page + 1).pack()
            )
        )
    return buttons


def card(
    view: EventView, city: CityData, locale: str, tz: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup]:
    """The event's card with Going / Not going / Add to calendar as this person sees them."""
    text = event_texts.event_card(
        view.event,
        city,
        locale,
        tz,
        going=view.counts.going,
        waiting=view.counts.waiting if view.staff else None,
    )
    markup = event_texts.event_keyboard(
        view.event,
        status=view.status,
        unsubscribe=False,
        full=event_texts.is_full(view.event, view.counts.going),
    )
    return text, markup


def not_found_text() -> str:
    return _("I can't find that meeting. Here are the coming ones: /events")


def calendar_caption(event: Event, locale: str) -> str:
    return _("📅 Open this file to add <b>{title}</b> to your calendar.").format(
        title=event_texts.title_html(event, locale)
    )


def refusal_text(reason: str) -> str:
    """Why a button about an event did nothing (see attendance.EventUnavailable)."""
    return {
        "missing": _("I can't find that meeting any more."),
        "unpublished": _("I can't find that meeting any more."),
        "cancelled": _("Sorry, this meeting has been cancelled."),
        "past": _("This meeting has already started or is over, so answers are closed."),
        "stale": _(
            "This meeting has changed since this message was sent, so the button no longer "
            "works. Here it is as it is now."
        ),
    }.get(reason, _("This button is no longer valid."))


def answer_text(result: RsvpResult, locale: str) -> str:
    """What the person is told after pressing Going or Not going: the truth as stored."""
    title = event_texts.title_html(result.event, locale)
    if result.status == "going":
        if not result.changed:
            return _("You are already on the list for <b>{title}</b>. See you there!").format(
                title=title
            )
        return _(
            "✅ Wonderful, you are on the list for <b>{title}</b>. See you there! "
            "Press 📅 Add to calendar to keep the time."
        ).format(title=title)
    if result.status == "waiting":
        return _(
            "⏳ <b>{title}</b> is full, so I have put you on the waiting list: you are "
            "number {position}. If a place opens up, it is yours and I will tell you here."
        ).format(title=title, position=result.position or 1)
    if result.before == "going":
        return _(
            "Thank you for letting us know. I have taken you off the list for <b>{title}</b>, "
            "so your place can go to someone else."
        ).format(title=title)
    return _("Thank you for letting us know: you are not coming to <b>{title}</b>.").format(
        title=title
    )


def counts_after_answer(shown: str, result: RsvpResult) -> str:
    """The pressed message's HTML with its places left (and, on a coordinator's card, the
    answers so far just below) as they are after the answer; a message that does not show
    them stays as it is."""
    event = result.event
    if event.capacity is None:
        return shown
    capacity = event_texts.places_text(event.capacity)
    lines = shown.split("\n")
    for number, line in enumerate(lines):
        # The first line naming the places is the card's (a description comes after it).
        if line.startswith(capacity):
            if not line.startswith(capacity + event_texts.COUNT_SEPARATOR):
                break  # an announcement's places, without counts
            lines[number] = event_texts.capacity_line(event, result.counts.going)
            below = number + 1
            if below < len(lines) and lines[below].startswith(ANSWERS_MARK):
                counts = result.counts
                lines[below] = event_texts.answers_line(counts.going, counts.waiting)
            break
    return "\n".join(lines)


def answer_keyboard(
    result: RsvpResult, previous: InlineKeyboardMarkup | None
) -> InlineKeyboardMarkup:
    """The pressed message's buttons after the answer; an announcement keeps its 🔕."""
    return event_texts.event_keyboard(
        result.event,
        status=result.status,
        unsubscribe=_had_unsubscribe(previous),
        full=event_texts.is_full(result.event, result.counts.going),
    )


def _had_unsubscribe(markup: InlineKeyboardMarkup | None) -> bool:
    if markup is None:
        return False
    unsubscribe = EventCB.__prefix__ + EventCB.__separator__ + "unsubscribe"
    return any(
        (button.callback_data or "").startswith(unsubscribe)
        for row in markup.inline_keyboard
        for button in row
    )
