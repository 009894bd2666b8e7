"""Events as residents and coordinators see them: names, times, the card and its buttons.

Pure rendering: call it inside an i18n context with the reader's locale.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import quote as percent_encoded
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram.utils.text_decorations import html_decoration

from core.bidi import isolate
from core.bidi import line as rtl_line
from core.callbacks import EventCB
from core.city import CityData
from core.formats import cldr, format_date, format_time
from core.text_input import is_invisible
from storage.models import Event

quote = html_decoration.quote

KIND_EMOJI = {
    "lunch_learn": "🥪",
    "malmo_hour": "🕐",
    "dialogue_forum": "🗣",
    "training": "🎓",
    "lecture": "💡",
    "meetup": "🤝",
}


def kind_name(kind: str) -> str:
    """The kind's name in the reader's language (plain text, not HTML)."""
    names = {
        "lunch_learn": _("Lärande Lunch (Lunch & Learn)"),
        "malmo_hour": _("Malmötimmen (The Malmö Hour)"),
        "dialogue_forum": _("Dialogforum"),
        "training": _("Medskapa förändring (Co-creating Change) training"),
        "lecture": _("Inspirational lecture"),
        "meetup": _("Incubator meetup"),
    }
    return names.get(kind, kind)


def kind_label(kind: str) -> str:
    return f"{KIND_EMOJI.get(kind, '📅')} {kind_name(kind)}"


def aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_SHORT_WEEKDAY = re.compile(r"(?<!E)E(?!E)")
_TRAILING_YEAR = re.compile(r"[\s,،]*y+$")


@lru_cache(maxsize=16)
def _day_pattern(locale: str) -> str:
    """The locale's weekday, day and month without the year (e.g. 'EEEE d MMMM' in sv)."""
    data = cldr(locale)
    month_day = data.datetime_skeletons.get("MMMMEd")
    if month_day is not None:
        return _SHORT_WEEKDAY.sub("EEEE", month_day.pattern)
    return _TRAILING_YEAR.sub("", data.date_formats["full"].pattern)


def _day_text(moment: datetime, locale: str) -> str:
    return format_date(moment, _day_pattern(locale), locale=locale)


def moment_text(moment: datetime, locale: str, tz: ZoneInfo) -> str:
    """One moment with its year, e.g. 'torsdag 3 december 2026 12:00', for confirmations."""
    local = aware(moment).astimezone(tz)
    day = format_date(local, format="full", locale=locale)
    return f"{day} {format_time(local, locale=locale)}"


def when_text(event: Event, locale: str, tz: ZoneInfo) -> str:
    """E.g. 'tisdag 3 december 12:00–13:00' in the city's time zone, for the reader."""
    start = aware(event.starts_at).astimezone(tz)
    end = aware(event.ends_at).astimezone(tz)
    day = _day_text(start, locale)
    start_time = format_time(start, locale=locale)
    end_time = format_time(end, locale=locale)
    if start.date() == end.date():
        return f"{day} {start_time}–{end_time}"
    end_day = _day_text(end, locale)
    return f"{day} {start_time} – {end_day} {end_time}"


def _in_language(texts: dict[str, str], locale: str, default_locale: str) -> str:
    for code in (locale, default_locale):
        if texts.get(code):
            return texts[code]
    return next((text for text in texts.values() if text), "")


def title_for(event: Event, locale: str) -> str:
    """The title in the reader's language where given, else in the event's own (plain)."""
    return _in_language(event.titles, locale, event.default_locale)


def title_html(event: Event, locale: str) -> str:
    """The title for a sentence (HTML-escaped), kept in its own direction in any locale."""
    return isolate(quote(title_for(event, locale)), locale)


def description_for(event: Event, locale: str) -> str:
    return _in_language(event.descriptions, locale, event.default_locale)


def area_text(event: Event, city: CityData, locale: str) -> str:
    if event.area_code is None:
        return _("city-wide")
    area = city.area(event.area_code)
    return area.name(locale) if area else event.area_code


def places_left(event: Event, going: int) -> int | None:
    """None when the event has no limit."""
    return None if event.capacity is None else max(event.capacity - going, 0)


def is_full(event: Event, going: int) -> bool:
    return event.capacity is not None and going >= event.capacity


def safe_url(url: str | None) -> str | None:
    """A stored link fit to show: an http(s) link with a host, spaces and invisible
    characters percent-encoded (links typed today have none; older ones may); None when it
    is no web link at all. Quotes and brackets stay: the attribute escapes them."""
    if not url:
        return None
    cleaned = "".join(
        percent_encoded(char, safe="") if char.isspace() or is_invisible(char) else char
        for char in url.strip()
    )
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return cleaned


COUNT_SEPARATOR = " · "


def capacity_line(event: Event, going: int | None = None) -> str:
    """The event's places; with `going`, how many are left (or that it is full)."""
    assert event.capacity is not None
    capacity = places_text(event.capacity)
    if going is None:
        return capacity
    left = places_left(event, going) or 0
    if left:
        return (
            capacity
            + COUNT_SEPARATOR
            + ngettext("{count} left", "{count} left", left).format(count=left)
        )
    return capacity + COUNT_SEPARATOR + _("full, but you can join the waiting list")


def places_text(capacity: int) -> str:
    return ngettext("👥 {count} place", "👥 {count} places", capacity).format(count=capacity)


def answers_line(going: int, waiting: int) -> str:
    """The answers so far, as coordinators see them on the card."""
    return _("📊 Going: {going} · Waiting list: {waiting}").format(going=going, waiting=waiting)


def event_card(
    event: Event,
    city: CityData,
    locale: str,
    tz: ZoneInfo,
    *,
    going: int | None = None,
    waiting: int | None = None,
) -> str:
    """The event as HTML. With `going`, the places left are shown; with both counts, the
    answers so far are too (for coordinators)."""
    lines = []
    if event.status == "cancelled":
        lines += [_("❌ <b>Cancelled</b>"), ""]
    lines.append(_title_line(event, locale))
    lines.append(rtl_line(f"<i>{isolate(quote(kind_name(event.kind)), locale)}</i>", locale))
    lines.append("")
    lines.append(f"🗓 {quote(when_text(event, locale, tz))}")
    lines.append(place_line(event, city, locale))
    if event.capacity is not None:
        lines.append(capacity_line(event, going))
    if going is not None and waiting is not None:
        lines.append(answers_line(going, waiting))
    description = description_for(event, locale)
    if description:
        lines += ["", quote(description)]
    url = safe_url(event.signup_url)
    if url:
        lines += [
            "",
            _('🔗 <a href="{url}">Sign up or read more</a>').format(
                url=html.escape(url, quote=True)
            ),
        ]
    return "\n".join(lines)


def _title_line(event: Event, locale: str, *, number: int | None = None) -> str:
    """'1. 🗣 <b>Dialogforum om trygghet</b>': a line that may start with a digit or Latin
    text, so it is laid out in the reader's direction with the title isolated."""
    prefix = f"{number}. " if number is not None else ""
    title = title_html(event, locale)
    return rtl_line(f"{prefix}{KIND_EMOJI.get(event.kind, '📅')} <b>{title}</b>", locale)


def place_line(event: Event, city: CityData, locale: str) -> str:
    """'📍 Rosengårds bibliotek, Amiralsgatan 5 · Öster': each name keeps its own direction."""
    place = isolate(quote(event.place), locale)
    area = isolate(quote(area_text(event, city, locale)), locale)
    return rtl_line(f"📍 {place} · {area}", locale)


def event_line(
    event: Event,
    city: CityData,
    locale: str,
    tz: ZoneInfo,
    *,
    number: int | None = None,
    going: int | None = None,
    waiting: int | None = None,
) -> str:
    """One event in a list (HTML): title, kind, time and place; counts for coordinators."""
    lines = [
        _title_line(event, locale, number=number),
        f"🗓 {quote(when_text(event, locale, tz))}",
        place_line(event, city, locale),
    ]
    if going is not None and waiting is not None:
        lines.append(
            _("📊 Going: {going} · Waiting list: {waiting}").format(going=going, waiting=waiting)
        )
    return "\n".join(lines)


def event_keyboard(
    event: Event, *, status: str | None, unsubscribe: bool, full: bool = False
) -> InlineKeyboardMarkup:
    """Going / Not going / Add to calendar (and Unsubscribe on announcements). `status` is
    the reader's answer so far; `full` offers the waiting list instead of a place."""
    assert event.id is not None
    builder = InlineKeyboardBuilder()

    def button(text: str, action: str) -> None:
        builder.button(
            text=text,
            callback_data=EventCB(action=action, event_id=event.id, version=event.version),  # type: ignore[arg-type]
        )

    if event.status != "cancelled":
        if status == "going":
            button(_("✅ Going ✓"), "going")
        elif status == "waiting":
            button(_("⏳ On the waiting list ✓"), "going")
        elif full:
            button(_("⏳ Join the waiting list"), "going")
        else:
            button(_("✅ Going"), "going")
        button(_("❌ Not going ✓") if status == "not_going" else _("❌ Not going"), "not_going")
    button(_("📅 Add to calendar"), "ics")
    if unsubscribe:
        button(_("🔕 Unsubscribe"), "unsubscribe")
    builder.adjust(2, 1, 1)
    return builder.as_markup()


def unsubscribe_keyboard() -> InlineKeyboardMarkup:
    """The one-tap 🔕 Unsubscribe on announcements that are not about one event."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🔕 Unsubscribe"),
        callback_data=EventCB(action="unsubscribe", event_id=0, version=0),
    )
    return builder.as_markup()


def details_button_label(event: Event, locale: str, number: int) -> str:
    title = title_for(event, locale)
    short = title if len(title) <= 40 else title[:39] + "…"
    return f"{number}. {short}"
