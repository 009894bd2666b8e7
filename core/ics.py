"""An event as an iCalendar file (.ics) that calendar apps can add."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from core.event_texts import aware, description_for, title_for
from storage.models import Event

PRODUCT_ID = "-//Malmö Together//Tillsammans//EN"
UID_DOMAIN = "tillsammans.malmo.se"


def event_uid(event: Event) -> str:
    """The same for every version of an event, so an update replaces the earlier entry."""
    return f"event-{event.id}@{UID_DOMAIN}"


def ics_filename(event: Event) -> str:
    return f"event-{event.id}.ics"


def event_ics(event: Event, locale: str, tz: ZoneInfo, *, location: str | None = None) -> bytes:
    """The event in the reader's language, its times in `tz` with the VTIMEZONE included.
    `location` defaults to the event's place."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")

    entry = CalendarEvent()
    entry.add("uid", event_uid(event))
    entry.add("dtstamp", aware(event.updated_at).astimezone(UTC))
    entry.add("dtstart", aware(event.starts_at).astimezone(tz))
    entry.add("dtend", aware(event.ends_at).astimezone(tz))
    entry.add("summary", title_for(event, locale))
    description = description_for(event, locale)
    if event.signup_url:
        description = f"{description}\n\n{event.signup_url}".strip()
        entry.add("url", event.signup_url)
    if description:
        entry.add("description", description)
    entry.add("location", location or event.place)
    entry.add("sequence", event.version)
    entry.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    calendar.add_component(entry)
    # Only the time zone's rules around the event, and before the event as clients prefer.
    year = timedelta(days=366)
    calendar.add_missing_timezones(
        first_date=(aware(event.starts_at) - year).date(),
        last_date=(aware(event.ends_at) + year).date(),
    )
    calendar.subcomponents.sort(key=lambda component: component.name != "VTIMEZONE")
    return calendar.to_ical()
