"""Reports on pitches: counts, the weekly chart and the CSV export for Excel."""

from __future__ import annotations

import csv
import io
import struct
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from core.city import load_city
from core.languages import create_i18n
from core.reports import PitchStats, export_csv, pitch_stats, stats_chart_png, stats_text
from storage.models import Pitch

CITY = load_city()
TZ = ZoneInfo("Europe/Stockholm")
# A Wednesday in winter (UTC+1 in Stockholm); its week starts Monday 2026-11-16.
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def i18n():
    return create_i18n("sv")


def make_pitch(number: int = 1, **fields: object) -> Pitch:
    values: dict[str, object] = {
        "reference": f"MT-2026-{number:04d}",
        "status": "received",
        "language": "sv",
        "title": "Odla på taket",
        "need": "Det finns för lite grönska.",
        "area_code": "innerstaden",
        "neighbourhood_code": None,
        "theme_code": "environment",
        "incubator_code": "innerstaden",
        "consent_at": NOW - timedelta(days=1),
        "submitted_at": NOW - timedelta(days=1),
        "updated_at": NOW - timedelta(days=1),
    }
    values.update(fields)
    return Pitch(**values)


def test_counts_by_status_area_theme_and_language_with_zeros() -> None:
    pitches = [
        make_pitch(1),
        make_pitch(2, status="accepted", language="en"),
        make_pitch(3, status="accepted", area_code=None, theme_code="culture", language="ar"),
        make_pitch(4, area_code="soder", neighbourhood_code="mollevangen"),
        make_pitch(5, status="declined", area_code="soder", theme_code=None),
    ]
    stats = pitch_stats(pitches, now=NOW, tz=TZ)

    assert stats.total == 5
    assert stats.by_status == {
        "received": 2,
        "in_review": 0,
        "needs_info": 0,
        "accepted": 2,
        "declined": 1,
    }
    assert list(stats.by_status) == ["received", "in_review", "needs_info", "accepted", "declined"]
    assert stats.by_area == {"innerstaden": 2, "soder": 2, "": 1}
    assert stats.by_theme == {"environment": 3, "culture": 1, "": 1}
    assert stats.by_language == {"sv": 3, "en": 1, "ar": 1}
    assert sum(count for _week, count in stats.per_week) == 5


def test_no_pitches_gives_zeros() -> None:
    stats = pitch_stats([], now=NOW, tz=TZ)
    assert stats.total == 0
    assert set(stats.by_status.values()) == {0}
    assert len(stats.by_status) == 5
    assert stats.by_area == stats.by_theme == stats.by_language == {}
    assert [count for _week, count in stats.per_week] == [0] * 12


def test_per_week_has_12_mondays_ending_this_week_in_stockholm() -> None:
    stats = pitch_stats([], now=NOW, tz=TZ)
    mondays = [week for week, _count in stats.per_week]
    assert len(mondays) == 12
    assert all(monday.weekday() == 0 for monday in mondays)
    assert mondays[-1] == date(2026, 11, 16)
    assert mondays[0] == date(2026, 8, 31)
    assert mondays == sorted(mondays)
    assert all(b - a == timedelta(days=7) for a, b in pairwise(mondays))


def test_now_just_after_midnight_on_monday_in_stockholm_is_the_new_week() -> None:
    # Sunday 23:30 UTC is Monday 00:30 in Stockholm (winter time).
    now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    stats = pitch_stats([], now=now, tz=TZ)
    assert stats.per_week[-1][0] == date(2026, 11, 23)


def test_a_pitch_counts_in_its_stockholm_week() -> None:
    late_sunday_utc = datetime(2026, 11, 15, 23, 30, tzinfo=UTC)  # Monday 00:30 in Stockholm
    earlier_sunday_utc = datetime(2026, 11, 15, 22, 30, tzinfo=UTC)  # Sunday 23:30 there
    naive_utc = datetime(2026, 11, 17, 8, 0)  # as SQLite returns it
    pitches = [
        make_pitch(1, submitted_at=late_sunday_utc),
        make_pitch(2, submitted_at=earlier_sunday_utc),
        make_pitch(3, submitted_at=naive_utc),
    ]
    stats = pitch_stats(pitches, now=NOW, tz=TZ)
    weeks = dict(stats.per_week)
    assert weeks[date(2026, 11, 16)] == 2
    assert weeks[date(2026, 11, 9)] == 1


def test_older_pitches_count_in_the_totals_only() -> None:
    old = make_pitch(1, submitted_at=NOW - timedelta(weeks=20), status="accepted")
    recent = make_pitch(2)
    stats = pitch_stats([old, recent], now=NOW, tz=TZ)
    assert stats.total == 2
    assert stats.by_status["accepted"] == 1
    assert stats.by_area == {"innerstaden": 2}
    assert sum(count for _week, count in stats.per_week) == 1


def test_stats_text_in_english_with_translated_labels(i18n) -> None:
    pitches = [
        make_pitch(1),
        make_pitch(2, status="accepted", area_code=None, language="en", theme_code="culture"),
    ]
    stats = pitch_stats(pitches, now=NOW, tz=TZ)
    with i18n.context(), i18n.use_locale("en"):
        text = stats_text(stats, CITY, "en", scope="<Söder & co>")

    assert text.startswith("<b>📊 Pitches: &lt;Söder &amp; co&gt;</b>")
    assert "<Söder" not in text
    for heading in ("By status", "By area", "By theme", "By language"):
        assert f"<b>{heading}</b>" in text
    assert "Total: 2" in text
    assert "Received: 1" in text
    assert "Needs more information: 0" in text
    assert "Not taken forward: 0" in text
    assert "The whole city: 1" in text
    assert f"{CITY.area('innerstaden').name('en')}: 1" in text
    assert f"🎭 {CITY.theme('culture').name('en')}: 1" in text
    assert "• Swedish: 1" in text
    assert "• English: 1" in text
    assert "Last 12 weeks" in text
    assert text.count(" · ") == 11


def test_stats_text_with_no_pitches_says_none_yet(i18n) -> None:
    stats = pitch_stats([], now=NOW, tz=TZ)
    with i18n.context(), i18n.use_locale("en"):
        text = stats_text(stats, CITY, "en", scope="Malmö")
    assert text.count("None yet") == 4
    assert "Total: 0" in text


def test_stats_text_stays_under_telegram_limit(i18n) -> None:
    areas = [area.code for area in CITY.areas] + [None]
    themes = [theme.code for theme in CITY.themes]
    pitches = [
        make_pitch(
            number,
            status=("received", "in_review", "accepted")[number % 3],
            area_code=areas[number % len(areas)],
            theme_code=themes[number % len(themes)],
            language=("sv", "en", "es", "ar")[number % 4],
            submitted_at=NOW - timedelta(hours=7 * number),
        )
        for number in range(3000)
    ]
    stats = pitch_stats(pitches, now=NOW, tz=TZ)
    for locale in ("sv", "en", "es", "ar"):
        with i18n.context(), i18n.use_locale(locale):
            text = stats_text(stats, CITY, locale, scope="Inkubatorn Innerstaden" * 20)
        assert len(text) < 4096


def test_stats_text_stays_under_the_limit_with_many_unknown_codes(i18n) -> None:
    stats = PitchStats(
        total=300,
        by_status={"received": 300, "in_review": 0, "needs_info": 0, "accepted": 0, "declined": 0},
        by_area={f"&&&&&&&&{n}" * 8: 1 for n in range(100)},
        by_theme={f"<<<<<<<<{n}" * 8: 1 for n in range(100)},
        by_language={f'""""""{n}' * 8: 1 for n in range(100)},
        per_week=[(date(2026, 11, 16) - timedelta(weeks=n), 25) for n in range(11, -1, -1)],
    )
    with i18n.context(), i18n.use_locale("en"):
        text = stats_text(stats, CITY, "en", scope="&" * 500)
    assert len(text) < 4096
    assert "<<" not in text


def test_stats_text_numbers_follow_the_locale(i18n) -> None:
    stats = PitchStats(
        total=12345,
        by_status={
            "received": 12345,
            "in_review": 0,
            "needs_info": 0,
            "accepted": 0,
            "declined": 0,
        },
        by_area={"": 12345},
        by_theme={"other": 12345},
        by_language={"sv": 12345},
        per_week=[(date(2026, 11, 16) - timedelta(weeks=n), 0) for n in range(11, -1, -1)],
    )
    with i18n.context(), i18n.use_locale("sv"):
        text = stats_text(stats, CITY, "sv", scope="Malmö")
    assert "12\xa0345" in text
    assert "Hela staden: 12\xa0345" in text


def png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chart_is_a_png_of_about_800_by_450(i18n) -> None:
    pitches = [
        make_pitch(number, submitted_at=NOW - timedelta(days=5 * number)) for number in range(30)
    ]
    stats = pitch_stats(pitches, now=NOW, tz=TZ)
    for locale in ("sv", "ar"):
        with i18n.context(), i18n.use_locale(locale):
            data = stats_chart_png(stats, locale, title="Inkubatorn Innerstaden $5 <b>")
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = png_size(data)
        assert 760 <= width <= 840
        assert 420 <= height <= 480
        assert 5_000 < len(data) < 500_000


def test_chart_with_no_pitches(i18n) -> None:
    with i18n.context(), i18n.use_locale("en"):
        data = stats_chart_png(pitch_stats([], now=NOW, tz=TZ), "en", title="Malmö")
    assert data.startswith(b"\x89PNG")


def read_back(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_for_swedish_excel(i18n) -> None:
    pitches = [
        make_pitch(
            1,
            status="in_review",
            title='Möten; "fika" för alla',
            need="Rad ett\nRad två med åäö",
            idea_text="Vi träffas på torget.",
            media=[{"kind": "photo", "file_id": "a"}, {"kind": "voice", "file_id": "b"}],
            area_code="innerstaden",
            neighbourhood_code="mollevangen",
            theme_code="culture",
            support_codes=["venue", "funding"],
            submitter_kind="association",
            submitter_name="Föreningen Ö",
            contact_phone="+46701234567",
            contact_email="ö@example.se",
            language="sv",
            submitted_at=datetime(2026, 7, 1, 22, 15, tzinfo=UTC),  # summer: 00:15 on 2 July
        ),
        make_pitch(
            2,
            title="=SUM(A1:A9)",
            need="-1 kronor",
            idea_text="@everyone",
            area_code=None,
            theme_code="other",
            submitter_kind=None,
            submitter_name="+Anna",
            language="ar",
            submitted_at=datetime(2026, 11, 17, 8, 0),  # naive = UTC, 09:00 in Stockholm
        ),
    ]
    with i18n.context(), i18n.use_locale("sv"):
        data = export_csv(pitches, CITY, "sv", tz=TZ)

    assert data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    assert b"\r\n" in data
    rows = read_back(data)
    assert len(rows) == 3
    header, first, second = rows
    assert len(header) == 16
    assert all(len(row) == 16 for row in rows)
    assert all(header)
    assert header[6] == "Tema"
    assert header[8] == "Rubrik"

    assert first[0] == "MT-2026-0001"
    assert first[1] == "Under granskning"
    assert first[2] == "2026-07-02 00:15"
    assert first[3] == CITY.incubator("innerstaden").name("sv")
    assert first[4] == CITY.area("innerstaden").name("sv")
    assert first[5] == "Möllevången"
    assert first[6] == CITY.theme("culture").name("sv")
    assert first[7] == "En plats att ses på och råd om finansiering"
    assert first[8] == 'Möten; "fika" för alla'
    assert first[9] == "Rad ett\nRad två med åäö"
    assert first[10] == "Vi träffas på torget."
    assert first[11] == "2"
    assert first[12] == "Svenska"
    assert first[13] == "En förening · Föreningen Ö"
    assert first[14] == "+46701234567"
    assert first[15] == "ö@example.se"

    assert second[2] == "2026-11-17 09:00"
    assert second[4] == "Hela staden"
    assert second[5] == ""
    assert second[8] == "'=SUM(A1:A9)"
    assert second[9] == "'-1 kronor"
    assert second[10] == "'@everyone"
    assert second[11] == "0"
    assert second[12] == "Arabiska"
    assert second[13] == "'+Anna"
    assert second[14] == ""


def test_csv_header_in_english(i18n) -> None:
    with i18n.context(), i18n.use_locale("en"):
        data = export_csv([make_pitch(1, status="accepted")], CITY, "en", tz=TZ)
    header, row = read_back(data)
    assert header == [
        "Reference",
        "Status",
        "Submitted",
        "Incubator",
        "Area",
        "Neighbourhood",
        "Theme",
        "Support wanted",
        "Title",
        "The need",
        "The idea",
        "Attachments",
        "Written in",
        "Who",
        "Phone",
        "E-mail",
    ]
    assert row[1] == "Accepted"
    assert row[4] == CITY.area("innerstaden").name("en")
    assert row[8] == "Odla på taket"


def test_csv_with_no_pitches_is_just_the_header(i18n) -> None:
    with i18n.context(), i18n.use_locale("sv"):
        data = export_csv([], CITY, "sv", tz=TZ)
    assert len(read_back(data)) == 1
    assert data.count(b"\r\n") == 1
