"""The event's texts: names, times by Babel in each language, the card and its buttons."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_time

from core import attendance_texts, event_texts
from core.attendance_texts import RsvpResult
from core.callbacks import EventCB
from core.city import load_city
from core.languages import create_i18n, formatting_locale
from playground.emulator import parse_telegram_html
from storage.events import RsvpCounts
from storage.models import EVENT_KINDS, Event

TZ = ZoneInfo("Europe/Stockholm")
CITY = load_city()
I18N = create_i18n("sv")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with I18N.context(), I18N.use_locale("en"):
        yield


def make_event(**fields: object) -> Event:
    values: dict[str, object] = {
        "id": 12,
        "kind": "lunch_learn",
        "titles": {"sv": "Cykelkök <3", "en": "Bike kitchen & lunch"},
        "descriptions": {"sv": "Vi lagar cyklar."},
        "default_locale": "sv",
        # Tuesday 3 December 2024, 12:00–13:00 in Malmö (CET).
        "starts_at": datetime(2024, 12, 3, 11, 0, tzinfo=UTC),
        "ends_at": datetime(2024, 12, 3, 12, 0, tzinfo=UTC),
        "place": "Nydala <bibliotek>",
        "area_code": "soder",
        "status": "published",
        "version": 3,
        **fields,
    }
    return Event(**values)


def test_when_text_in_swedish_is_the_weekday_day_month_and_times() -> None:
    assert event_texts.when_text(make_event(), "sv", TZ) == "tisdag 3 december 12:00–13:00"


@pytest.mark.parametrize("locale", ["sv", "en", "es", "ar"])
def test_when_text_uses_babel_for_every_shipped_locale(locale: str) -> None:
    event = make_event()
    start = event.starts_at.astimezone(TZ)
    end = event.ends_at.astimezone(TZ)
    text = event_texts.when_text(event, locale, TZ)
    cldr = formatting_locale(locale)
    assert format_date(start, "EEEE", locale=cldr) in text
    assert format_date(start, "MMMM", locale=cldr) in text
    shown_start = format_time(start, "short", locale=cldr).replace("\u202f", " ")
    shown_end = format_time(end, "short", locale=cldr).replace("\u202f", " ")
    assert text.endswith(f"{shown_start}–{shown_end}")
    assert "2024" not in text


def test_english_times_are_as_in_sweden() -> None:
    """English readers live in Malmö: 24-hour times and day before month."""
    text = event_texts.when_text(make_event(), "en", TZ)
    assert text == "Tuesday 3 December 12:00–13:00"
    assert "PM" not in text


def test_when_text_follows_summer_time_and_spans_days() -> None:
    summer = make_event(
        starts_at=datetime(2025, 6, 10, 20, 0, tzinfo=UTC),  # 22:00 in Malmö (CEST)
        ends_at=datetime(2025, 6, 11, 7, 0, tzinfo=UTC),
    )
    assert event_texts.when_text(summer, "sv", TZ) == "tisdag 10 juni 22:00 – onsdag 11 juni 09:00"


def test_naive_times_from_sqlite_are_utc() -> None:
    naive = make_event(starts_at=datetime(2024, 12, 3, 11, 0), ends_at=datetime(2024, 12, 3, 12))
    assert event_texts.when_text(naive, "sv", TZ) == "tisdag 3 december 12:00–13:00"


def test_titles_fall_back_to_the_events_own_language() -> None:
    event = make_event()
    assert event_texts.title_for(event, "en") == "Bike kitchen & lunch"
    assert event_texts.title_for(event, "ar") == "Cykelkök <3"
    assert event_texts.description_for(event, "es") == "Vi lagar cyklar."
    assert event_texts.description_for(make_event(descriptions={}), "es") == ""


def test_every_kind_has_a_name() -> None:
    for kind in EVENT_KINDS:
        assert event_texts.kind_name(kind) != kind
    assert event_texts.kind_name("lunch_learn") == "Lärande Lunch (Lunch & Learn)"


def test_the_card_escapes_what_was_typed_and_shows_places() -> None:
    card = event_texts.event_card(
        make_event(capacity=10, signup_url="https://malmo.se/a?b=1&c=2"),
        CITY,
        "sv",
        TZ,
        going=7,
    )
    assert "<b>Cykelkök &lt;3</b>" in card
    assert "<i>Lärande Lunch (Lunch &amp; Learn)</i>" in card
    assert "📍 Nydala &lt;bibliotek&gt; · Söder" in card
    assert "👥 10 places · 3 left" in card
    assert '<a href="https://malmo.se/a?b=1&amp;c=2">' in card
    assert "📊" not in card  # the counts only with both numbers (for coordinators)


def test_a_sign_up_link_with_quotes_reaches_telegram_intact() -> None:
    # What a coordinator may paste: valid_url only refuses spaces.
    url = "https://malmo.se/anmal?event=\"Cykelk\u00f6k\"&who='alla'&x=<1>"
    card = event_texts.event_card(make_event(signup_url=url), CITY, "en", TZ)
    plain, entities = parse_telegram_html(card)
    assert plain.endswith("🔗 Sign up or read more")
    assert [e["url"] for e in entities if e["type"] == "text_link"] == [url]


def test_the_card_for_coordinators_a_full_city_wide_and_a_cancelled_event() -> None:
    full = event_texts.event_card(
        make_event(capacity=2, area_code=None), CITY, "en", TZ, going=2, waiting=4
    )
    assert "· city-wide" in full
    assert "full, but you can join the waiting list" in full
    assert "📊 Going: 2 · Waiting list: 4" in full
    cancelled = event_texts.event_card(make_event(status="cancelled"), CITY, "en", TZ)
    assert cancelled.startswith("❌ <b>Cancelled</b>")
    unsafe = event_texts.event_card(make_event(signup_url="javascript:alert(1)"), CITY, "en", TZ)
    assert "href" not in unsafe


def test_the_keyboard_carries_the_events_version() -> None:
    event = make_event()
    markup = event_texts.event_keyboard(event, status=None, unsubscribe=True)
    labels = [button.text for row in markup.inline_keyboard for button in row]
    assert labels == ["✅ Going", "❌ Not going", "📅 Add to calendar", "🔕 Unsubscribe"]
    data = [button.callback_data for row in markup.inline_keyboard for button in row]
    assert data == ["ev:going:12:3", "ev:not_going:12:3", "ev:ics:12:3", "ev:unsubscribe:12:3"]
    assert EventCB.unpack("ev:going:12:3") == EventCB(action="going", event_id=12, version=3)


def test_the_keyboard_shows_the_answer_the_waiting_list_and_cancellation() -> None:
    event = make_event()

    def labels(markup: object) -> list[str]:
        return [b.text for row in markup.inline_keyboard for b in row]  # type: ignore[attr-defined]

    going = event_texts.event_keyboard(event, status="going", unsubscribe=False)
    assert labels(going)[:2] == ["✅ Going ✓", "❌ Not going"]
    full = event_texts.event_keyboard(event, status=None, unsubscribe=False, full=True)
    assert labels(full)[0] == "⏳ Join the waiting list"
    waiting = event_texts.event_keyboard(event, status="waiting", unsubscribe=False)
    assert labels(waiting)[0] == "⏳ On the waiting list ✓"
    cancelled = event_texts.event_keyboard(
        make_event(status="cancelled"), status="going", unsubscribe=False
    )
    assert labels(cancelled) == ["📅 Add to calendar"]


def answer(status: str, before: str | None, **fields: object) -> RsvpResult:
    return RsvpResult(
        event=make_event(capacity=2),
        status=status,
        before=before,
        counts=RsvpCounts(going=2, waiting=1),
        **fields,  # type: ignore[arg-type]
    )


def test_the_answer_is_told_as_it_was_stored() -> None:
    title = "<b>Bike kitchen &amp; lunch</b>"
    assert attendance_texts.answer_text(answer("going", None), "en").startswith(
        f"✅ Wonderful, you are on the list for {title}."
    )
    assert attendance_texts.answer_text(answer("going", "going"), "en") == (
        f"You are already on the list for {title}. See you there!"
    )
    assert "you are number 3." in attendance_texts.answer_text(
        answer("waiting", None, position=3), "en"
    )
    assert "taken you off the list" in attendance_texts.answer_text(
        answer("not_going", "going"), "en"
    )
    assert attendance_texts.answer_text(answer("not_going", "waiting"), "en") == (
        f"Thank you for letting us know: you are not coming to {title}."
    )


def test_after_an_answer_an_announcement_keeps_its_unsubscribe_button() -> None:
    result = answer("waiting", None, position=1)
    announcement = event_texts.event_keyboard(result.event, status=None, unsubscribe=True)
    card = event_texts.event_keyboard(result.event, status=None, unsubscribe=False)

    def labels(markup: object) -> list[str]:
        return [b.text for row in markup.inline_keyboard for b in row]  # type: ignore[attr-defined]

    assert labels(attendance_texts.answer_keyboard(result, announcement)) == [
        "⏳ On the waiting list ✓",
        "❌ Not going",
        "📅 Add to calendar",
        "🔕 Unsubscribe",
    ]
    assert "🔕 Unsubscribe" not in labels(attendance_texts.answer_keyboard(result, card))
    assert "🔕 Unsubscribe" not in labels(attendance_texts.answer_keyboard(result, None))


def test_the_list_pages_and_shows_counts_to_staff_only() -> None:
    events = [make_event(id=n, titles={"sv": f"Möte {n}"}) for n in (21, 22)]
    page = attendance_texts.EventsPage(
        events=events,
        total=7,
        page=1,
        last_page=1,
        first_number=6,
        staff=False,
        counts={21: RsvpCounts(going=4, waiting=0)},
    )
    text, markup = attendance_texts.events_list(page, CITY, "en", TZ)
    assert "(6–7 of 7)" in text
    assert "📊" not in text
    buttons = [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert buttons == [
        ("6. Möte 21", "ev:details:21:3"),
        ("7. Möte 22", "ev:details:22:3"),
        ("◀️ Earlier", "evp:0"),
    ]
    staff_text, _ = attendance_texts.events_list(replace(page, staff=True), CITY, "en", TZ)
    assert "📊 Going: 4 · Waiting list: 0" in staff_text
    assert "📊 Going: 0 · Waiting list: 0" in staff_text
    empty, no_buttons = attendance_texts.events_list(
        replace(page, events=[], total=0, page=0, last_page=0, first_number=1), CITY, "en", TZ
    )
    assert empty.startswith("There are no meetings planned right now.")
    assert no_buttons is None


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        ("missing", "I can't find that meeting any more."),
        ("unpublished", "I can't find that meeting any more."),
        ("cancelled", "Sorry, this meeting has been cancelled."),
        ("past", "This meeting has already started or is over, so answers are closed."),
        ("anything else", "This button is no longer valid."),
    ],
)
def test_refusals_say_why(reason: str, text: str) -> None:
    assert attendance_texts.refusal_text(reason) == text


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (
            'https://malmo.se/anmal?namn="Ada"&plats=<1>',
            'https://malmo.se/anmal?namn="Ada"&plats=<1>',
        ),
        ("https://malmo.se/a'b`c\\d", "https://malmo.se/a'b`c\\d"),
        ("https://malmo.se/a b\u200b", "https://malmo.se/a%20b%E2%80%8B"),
        ("https://malmo.se/a?b=1&c=2", "https://malmo.se/a?b=1&c=2"),
        ('https://malmo.se/" onclick="x', 'https://malmo.se/"%20onclick="x'),
    ],
)
def test_a_stored_link_with_quotes_brackets_or_spaces_stays_one_link(
    stored: str, shown: str
) -> None:
    """Links typed before they were checked may hold characters that would end or break the
    HTML attribute (and with it every announcement): escaped, they stay one link."""
    card = event_texts.event_card(make_event(signup_url=stored), CITY, "en", TZ)
    text, entities = parse_telegram_html(card)
    links = [entity for entity in entities if entity["type"] == "text_link"]
    assert [entity["url"] for entity in links] == [shown]
    assert text.endswith("🔗 Sign up or read more")
