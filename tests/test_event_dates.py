"""Typed dates and times of events, in Swedish and English, read in Stockholm's time."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.event_dates import (
    DateProblem,
    parse_end,
    parse_moment,
    parse_publish_time,
    parse_start,
)

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # Monday 19:00 in Malmö


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    "typed",
    [
        "2026-12-03 12:00",
        "3/12 12:00",
        "3 dec 12:00",
        "3 december 12:00",
        "3 dec kl 12",
        "3 dec kl. 12",
        "tors 3 dec 12.00",
        "torsdag 3 december kl 12:00",
        "Thu 3 Dec 12:00",
        "December 3 12:00",
        "december 3rd at 12:00",
        "3 dec. 2026 12:00",
        "3/12/2026 12:00",
        "  3  DEC   12:00 ",
        "2026-12-03T12:00",
        "3 dec 12",
    ],
)
def test_the_same_moment_typed_in_many_ways(typed: str) -> None:
    # 12:00 in winter (CET, UTC+1) is 11:00 UTC.
    assert parse_start(typed, now=NOW, tz=TZ) == utc(2026, 12, 3, 11, 0)


def test_summer_time_is_two_hours_ahead() -> None:
    assert parse_start("3 jun 12:00", now=NOW, tz=TZ) == utc(2027, 6, 3, 10, 0)
    assert parse_start("3 maj 9:30", now=NOW, tz=TZ) == utc(2027, 5, 3, 7, 30)


def test_without_a_year_the_next_occurrence_is_meant() -> None:
    assert parse_start("20 jan 18:00", now=NOW, tz=TZ) == utc(2027, 1, 20, 17, 0)
    # Today, later on: this year; today, earlier: a year from now.
    assert parse_start("23 nov 20:00", now=NOW, tz=TZ) == utc(2026, 11, 23, 19, 0)
    assert parse_start("23 nov 18:00", now=NOW, tz=TZ) == utc(2027, 11, 23, 17, 0)


def test_a_leap_day_finds_the_next_leap_year() -> None:
    assert parse_start("29 feb 10:00", now=NOW, tz=TZ) == utc(2028, 2, 29, 9, 0)


@pytest.mark.parametrize(
    "typed",
    ["", "tomorrow", "3 dec", "12 dec 25:00", "32/12 12:00", "3 foo 12:00", "3 dec 12:61",
     "2026-02-30 10:00", "dec 12:00", "12:00 13:00", "kl"],
)  # fmt: skip
def test_unreadable_inputs(typed: str) -> None:
    with pytest.raises(DateProblem) as problem:
        parse_start(typed, now=NOW, tz=TZ)
    assert problem.value.reason == "unreadable"


def test_a_date_in_the_past_is_refused() -> None:
    with pytest.raises(DateProblem) as problem:
        parse_start("2026-11-01 12:00", now=NOW, tz=TZ)
    assert problem.value.reason == "past"
    with pytest.raises(DateProblem) as problem:
        parse_start("18:30", now=NOW, tz=TZ)  # today, already gone
    assert problem.value.reason == "past"


def test_a_time_alone_is_today_or_the_given_day() -> None:
    assert parse_start("21:15", now=NOW, tz=TZ) == utc(2026, 11, 23, 20, 15)
    assert parse_moment("kl 9", now=NOW, tz=TZ, base_day=date(2026, 12, 1)) == utc(
        2026, 12, 1, 8, 0
    )


def test_the_end_time_alone_is_on_the_start_day() -> None:
    start = parse_start("3 dec 12:00", now=NOW, tz=TZ)
    assert parse_end("13:30", start=start, now=NOW, tz=TZ) == utc(2026, 12, 3, 12, 30)
    assert parse_end("4 dec 10:00", start=start, now=NOW, tz=TZ) == utc(2026, 12, 4, 9, 0)


@pytest.mark.parametrize("typed", ["11:00", "12:00", "2 dec 14:00", "2025-12-03 13:00"])
def test_an_end_before_the_start_is_refused(typed: str) -> None:
    start = parse_start("3 dec 12:00", now=NOW, tz=TZ)
    with pytest.raises(DateProblem) as problem:
        parse_end(typed, start=start, now=NOW, tz=TZ)
    assert problem.value.reason == "end_before_start"


def test_publishing_must_be_before_the_start() -> None:
    start = parse_start("3 dec 12:00", now=NOW, tz=TZ)
    assert parse_publish_time("1 dec 9:00", now=NOW, tz=TZ, starts_at=start) == utc(
        2026, 12, 1, 8, 0
    )
    with pytest.raises(DateProblem) as problem:
        parse_publish_time("4 dec 9:00", now=NOW, tz=TZ, starts_at=start)
    assert problem.value.reason == "after_start"


# Summer time ends on the last Sunday of October (03:00 CEST → 02:00 CET) and begins on the
# last Sunday of March (02:00 CET → 03:00 CEST).


def test_the_night_summer_time_ends() -> None:
    assert parse_start("2027-10-31 01:30", now=NOW, tz=TZ) == utc(2027, 10, 30, 23, 30)
    # 02:30 happens twice that night: the first (still summer time) is meant.
    assert parse_start("2027-10-31 02:30", now=NOW, tz=TZ) == utc(2027, 10, 31, 0, 30)
    assert parse_start("2027-10-31 03:30", now=NOW, tz=TZ) == utc(2027, 10, 31, 2, 30)
    # An evening event over the change lasts one hour longer than the clock says.
    start = parse_start("30 okt 23:00", now=NOW, tz=TZ)
    end = parse_end("31 okt 04:00", start=start, now=NOW, tz=TZ)
    assert (end - start).total_seconds() == 6 * 3600


def test_the_night_summer_time_begins() -> None:
    assert parse_start("2027-03-28 01:30", now=NOW, tz=TZ) == utc(2027, 3, 28, 0, 30)
    assert parse_start("2027-03-28 03:30", now=NOW, tz=TZ) == utc(2027, 3, 28, 1, 30)
    with pytest.raises(DateProblem) as problem:
        parse_start("28 mars 02:30", now=NOW, tz=TZ)  # the clocks skip it
    assert problem.value.reason == "nonexistent"
    # The week after, noon is 10:00 UTC; the week before, 11:00 UTC.
    assert parse_start("4 apr 12:00", now=NOW, tz=TZ) == utc(2027, 4, 4, 10, 0)
    assert parse_start("21 mar 12:00", now=NOW, tz=TZ) == utc(2027, 3, 21, 11, 0)


@pytest.mark.parametrize(
    "typed",
    [
        "١٢/١٢ ١٢:٠٠",  # Arabic-Indic digits: numbers are typed with ASCII digits
        "3/12 ١٢:00",
        "²/12 12:00",
        "3 dec 1²:00",
        "0001-01-01 00:30",  # would not even convert to UTC
        "9999-12-31 23:59",
        "1999-12-03 12:00",
        "2101-12-03 12:00",
        "3/12/9999 12:00",
        "1111111111111111111111111",
        "3 dec 1111111111111111111111111:00",
        "1111111111111111111111111-12-03 12:00",
    ],
)
def test_odd_digits_and_far_years_are_unreadable(typed: str) -> None:
    with pytest.raises(DateProblem) as problem:
        parse_start(typed, now=NOW, tz=TZ)
    assert problem.value.reason == "unreadable"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_moment_ahead_or_a_date_problem(typed: str) -> None:
    try:
        moment = parse_start(typed, now=NOW, tz=TZ)
    except DateProblem as problem:
        assert problem.reason in {"unreadable", "past", "nonexistent"}
    else:
        assert moment >= NOW
        assert moment.tzinfo is UTC


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(min_value=-(10**25), max_value=10**25).map(str),
            st.sampled_from(["dec", "kl", "/", "-", ":", ".", " ", "12:00", "T", "29 feb"]),
        ),
        max_size=6,
    ).map("".join)
)
def test_numbers_of_any_size_in_any_order_never_crash(typed: str) -> None:
    start = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)
    for read in (
        lambda: parse_start(typed, now=NOW, tz=TZ),
        lambda: parse_end(typed, start=start, now=NOW, tz=TZ),
        lambda: parse_publish_time(typed, now=NOW, tz=TZ, starts_at=start),
    ):
        with contextlib.suppress(DateProblem):
            read()
