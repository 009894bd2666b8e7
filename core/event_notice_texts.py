"""The texts the bot queues about events: announcement, reminder, change, cancellation,
digest and broadcast. Pure rendering: call inside an i18n context with the reader's locale."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration

from core.bidi import line as rtl_line
from core.city import CityData
from core.event_texts import event_card, event_line, place_line, title_html, when_text
from storage.models import Event

quote = html_decoration.quote


def announcement_text(event: Event, city: CityData, locale: str, tz: ZoneInfo) -> str:
    return "\n".join([_("📣 <b>New event</b>"), "", event_card(event, city, locale, tz)])


def reminder_text(event: Event, city: CityData, locale: str, tz: ZoneInfo, lead: str) -> str:
    heading = _("⏰ <b>Reminder: tomorrow</b>") if lead == "24h" else _("⏰ <b>Reminder: soon</b>")
    return "\n".join(
        [
            heading,
            "",
            rtl_line(f"<b>{title_html(event, locale)}</b>", locale),
            f"🗓 {quote(when_text(event, locale, tz))}",
            place_line(event, city, locale),
        ]
    )


def change_text(event: Event, city: CityData, locale: str, tz: ZoneInfo) -> str:
    return "\n".join(
        [
            _("✏️ <b>An event you are going to has changed</b>"),
            "",
            event_card(event, city, locale, tz),
        ]
    )


def cancellation_text(event: Event, locale: str, tz: ZoneInfo) -> str:
    return _("❌ <b>Cancelled:</b> {title}, {when}. We are sorry!").format(
        title=title_html(event, locale), when=quote(when_text(event, locale, tz))
    )


def digest_text(events: Sequence[Event], city: CityData, locale: str, tz: ZoneInfo) -> str:
    lines = [_("🗓 <b>The coming week at Malmö Together</b>")]
    for number, event in enumerate(events, start=1):
        lines += ["", event_line(event, city, locale, tz, number=number)]
    lines += ["", _("See them all and answer with /events.")]
    return "\n".join(lines)


def broadcast_text(typed: str) -> str:
    """A staff announcement; what they typed is escaped."""
    return "\n".join([_("📣 <b>Malmö Together</b>"), "", quote(typed)])
