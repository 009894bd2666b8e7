"""The calendar file: it parses back, in the reader's language, in Malmö's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from core.ics import event_ics, event_uid, ics_filename
from storage.models import Event

TZ = ZoneInfo("Europe/Stockholm")


def make_event(**fields: object) -> Event:
    values: dict[str, object] = {
        "id": 42,
        "kind": "dialogue_forum",
        "titles": {"sv": "Dialogforum om Rosengård", "ar": "منتدى الحوار"},
        "descriptions": {"sv": "Kom och prata, fika finns."},
        "default_locale": "sv",
        "starts_at": datetime(2026, 3, 31, 15, 30, tzinfo=UTC),  # 17:30 CEST
        "ends_at": datetime(2026, 3, 31, 17, 0, tzinfo=UTC),
        "place": "Rosengårds bibliotek",
        "area_code": "oster",
        "status": "published",
        "version": 4,
        "signup_url": "https://malmo.se/dialogforum",
        "updated_at": datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        **fields,
    }
    return Event(**values)


def parse(raw: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(raw)
    [entry] = calendar.walk("VEVENT")
    return calendar, entry


def test_the_file_parses_back_with_the_right_times_and_texts() -> None:
    event = make_event()
    raw = event_ics(event, "ar", TZ)
    calendar, entry = parse(raw)
    start = entry.decoded("dtstart")  # type: ignore[attr-defined]
    assert start.astimezone(UTC) == event.starts_at
    assert str(start.tzinfo) == "Europe/Stockholm" or start.tzname() == "CEST"
    assert entry.decoded("dtend").astimezone(UTC) == event.ends_at  # type: ignore[attr-defined]
    assert b"DTSTART;TZID=Europe/Stockholm:20260331T173000" in raw
    assert str(entry["summary"]) == "منتدى الحوار"  # type: ignore[index]
    assert "Kom och prata" in str(entry["description"])  # type: ignore[index]
    assert "https://malmo.se/dialogforum" in str(entry["description"])  # type: ignore[index]
    assert str(entry["location"]) == "Rosengårds bibliotek"  # type: ignore[index]
    assert int(entry["sequence"]) == 4  # type: ignore[index]
    assert str(entry["status"]) == "CONFIRMED"  # type: ignore[index]
    [timezone] = calendar.walk("VTIMEZONE")
    assert str(timezone["tzid"]) == "Europe/Stockholm"
    assert raw.index(b"BEGIN:VTIMEZONE") < raw.index(b"BEGIN:VEVENT")


def test_the_uid_is_stable_across_versions_and_a_cancelled_event_says_so() -> None:
    first = parse(event_ics(make_event(version=1), "sv", TZ))[1]
    cancelled = parse(event_ics(make_event(version=2, status="cancelled"), "sv", TZ))[1]
    assert str(first["uid"]) == str(cancelled["uid"]) == event_uid(make_event())  # type: ignore[index]
    assert str(cancelled["status"]) == "CANCELLED"  # type: ignore[index]
    assert int(cancelled["sequence"]) == 2  # type: ignore[index]
    assert str(first["summary"]) == "Dialogforum om Rosengård"  # type: ignore[index]
    assert ics_filename(make_event()) == "event-42.ics"


def test_naive_times_from_sqlite_are_taken_as_utc() -> None:
    naive = make_event(
        starts_at=datetime(2026, 12, 1, 11, 0),
        ends_at=datetime(2026, 12, 1, 12, 0),
        updated_at=datetime(2026, 11, 1, 8, 0),
    )
    raw = event_ics(naive, "sv", TZ)
    assert b"DTSTART;TZID=Europe/Stockholm:20261201T120000" in raw
