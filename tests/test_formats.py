"""Dates, times, numbers, lists and language names as each reader's language writes them."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import formats
from core.city import load_city
from core.config import SUPPORTED_LOCALES
from core.languages import formatting_locale, language_name
from core.pitch_texts import PitchAnswers, support_label, within_sentence

TZ = ZoneInfo("Europe/Stockholm")
CITY = load_city()
NOON = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)  # 12:00 in Malmö


def test_english_is_formatted_as_in_sweden_and_the_others_as_themselves() -> None:
    assert formatting_locale("en") == "en_SE"
    assert [formatting_locale(code) for code in ("sv", "es", "ar")] == ["sv", "es", "ar"]


def test_english_dates_and_times() -> None:
    local = NOON.astimezone(TZ)
    assert formats.format_date(local, "full", locale="en") == "Thursday, 10 December 2026"
    assert formats.format_time(local, locale="en") == "12:00"
    assert formats.format_datetime(NOON, tz=TZ, locale="en") == "10 Dec 2026, 12:00"


@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        ("sv", "10 dec. 2026 12:00"),
        ("en", "10 Dec 2026, 12:00"),
        ("es", "10 dic 2026, 12:00"),
    ],
)
def test_a_moment_has_hours_and_minutes(locale: str, shown: str) -> None:
    assert formats.format_datetime(NOON.replace(second=57), tz=TZ, locale=locale) == shown


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    ),
    locale=st.sampled_from(SUPPORTED_LOCALES),
)
def test_no_shown_time_has_seconds(moment: datetime, locale: str) -> None:
    """The same minute reads the same whatever its seconds, in every language."""
    start_of_minute = moment.replace(second=0, microsecond=0)
    shown = formats.format_datetime(moment, tz=TZ, locale=locale)
    assert shown == formats.format_datetime(start_of_minute, tz=TZ, locale=locale)
    assert formats.format_time(moment.astimezone(TZ), locale=locale) in shown
    assert "PM" not in shown and "AM" not in shown


@pytest.mark.parametrize(
    ("code", "reader", "name"),
    [
        ("ar", "sv", "arabiska"),
        ("en", "sv", "engelska"),
        ("sv", "en", "Swedish"),
        ("ar", "en", "Arabic"),
        ("en", "es", "inglés"),
        ("sv", "ar", "السويدية"),
        ("es", "es", "español"),
    ],
)
def test_language_names_are_in_the_readers_language(code: str, reader: str, name: str) -> None:
    assert language_name(code, reader) == name


def test_a_language_name_standing_alone_starts_with_a_capital() -> None:
    assert language_name("ar", "sv", standalone=True) == "Arabiska"
    assert language_name("en", "es", standalone=True) == "Inglés"
    assert language_name("sv", "ar", standalone=True) == "السويدية"


def test_an_unknown_language_code_is_shown_as_it_is() -> None:
    assert language_name("zz", "sv") == "zz"


@pytest.mark.parametrize(
    ("locale", "joined"),
    [("sv", "a, b och c"), ("en", "a, b and c"), ("es", "a, b y c"), ("ar", "a وb وc")],
)
def test_lists_are_joined_as_each_language_does(locale: str, joined: str) -> None:
    assert formats.format_list(["a", "b", "c"], locale=locale) == joined


def test_numbers_follow_the_reader() -> None:
    assert formats.format_decimal(12345, locale="sv") == "12\xa0345"
    assert formats.format_decimal(12345, locale="en") == "12\xa0345"  # as written in Sweden
    assert formats.format_decimal(12345, locale="es") == "12.345"


def support(*codes: str) -> PitchAnswers:
    return SimpleNamespace(support_codes=list(codes))  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("locale", "label"),
    [
        ("en", "Contacts and partners and a place to meet"),
        ("sv", "Kontakter och samarbeten och en plats att ses på"),
        ("es", "Contactos y socios y un lugar de encuentro"),
    ],
)
def test_support_options_read_as_one_list(locale: str, label: str) -> None:
    assert support_label(support("contacts", "venue"), CITY, locale) == label


def test_three_support_options() -> None:
    answers = support("funding", "venue", "city")
    assert support_label(answers, CITY, "en") == (
        "Funding advice, a place to meet and contact with the city"
    )


@pytest.mark.parametrize(
    ("label", "within"),
    [("A place to meet", "a place to meet"), ("SFI courses", "SFI courses"), ("مكان", "مكان")],
)
def test_within_sentence(label: str, within: str) -> None:
    assert within_sentence(label) == within
