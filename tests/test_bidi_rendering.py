"""Texts that mix people's and the city's data into a sentence, laid out as an Arabic reader
sees them: each line goes through an implementation of the Unicode bidirectional algorithm
(python-bidi), as a Telegram client lays out a paragraph, and the visual order is checked."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from bidi import get_display

from core import bidi, erasure_texts, event_texts, privacy_texts
from core import pitch_card_texts as card_texts
from core.city import load_city
from core.config import Settings
from core.languages import create_i18n
from core.services.pitching import PitchPage
from handlers.desk import inbox
from handlers.pitch import replies
from storage.models import Event, Pitch, PitchDraft

CITY = load_city()
I18N = create_i18n("sv")
SETTINGS = Settings(_env_file=None, bot_token="1:x", admin_ids=[])  # type: ignore[call-arg]
MOMENT = datetime(2026, 12, 1, 20, 1, tzinfo=UTC)

PHONE = "+46701234504"
REFERENCE = "MT-2026-0008"
EMAIL = "lina.a@example.com"
HOOD = "Rosengård (Herrgården)"
PLACE = "Rosengårds bibliotek, Amiralsgatan 5"

ANSWERS: dict[str, object] = {
    "title": "Läxhjälp på biblioteket",
    "need": "Barnen behöver en lugn plats.",
    "idea_text": "Volontärer hjälper till varje tisdag.",
    "area_code": "oster",
    "neighbourhood_code": "rosengard",
    "theme_code": "environment",
    "support_codes": [],
    "submitter_kind": "resident",
    "submitter_name": "Lina Ahmed",
    "contact_phone": PHONE,
    "contact_email": EMAIL,
}


@pytest.fixture
def arabic() -> Iterator[str]:
    with I18N.context(), I18N.use_locale("ar"):
        yield "ar"


def shown(text: str) -> list[str]:
    """Each line of an HTML text in visual order, left to right, as a client draws it."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    return [get_display(line) for line in plain.split("\n")]


def shown_line(text: str, needle: str) -> str:
    """The displayed line holding `needle` (marks aside), so a missing value fails clearly."""
    lines = [line for line in shown(text) if needle in bidi.strip_marks(line)]
    assert lines, f"{needle!r} is not shown as one run in:\n" + "\n".join(shown(text))
    return lines[0]


def assert_runs_kept(text: str, *values: str) -> None:
    """Every value reads in its own order, as one run, in the displayed text."""
    displayed = "\n".join(bidi.strip_marks(line) for line in shown(text))
    for value in values:
        assert value in displayed, f"{value!r} not shown as written in:\n{displayed}"


def make_pitch(**fields: object) -> Pitch:
    values: dict[str, object] = {
        **ANSWERS,
        "reference": REFERENCE,
        "status": "in_review",
        "language": "ar",
        "incubator_code": "oster",
        "assignee_name": "Sara",
        "consent_at": MOMENT,
        "submitted_at": MOMENT,
        "updated_at": MOMENT,
        **fields,
    }
    return Pitch(**values)


def make_event() -> Event:
    return Event(
        id=3,
        kind="dialogue_forum",
        titles={"sv": "Dialogforum om trygghet"},
        descriptions={},
        default_locale="sv",
        starts_at=datetime(2026, 12, 10, 11, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 10, 13, 0, tzinfo=UTC),
        place=PLACE,
        area_code="oster",
        status="published",
        version=1,
    )


def test_without_the_isolates_an_arabic_reader_sees_the_phone_number_reversed(
    arabic: str,
) -> None:
    """The check below is meaningful: the same summary with the marks taken out breaks."""
    draft = PitchDraft(user_id=1, language="ar", **ANSWERS)
    summary = replies.summary(draft, CITY, arabic)[0][0]
    broken = shown_line(bidi.strip_marks(summary), "46701234504")
    assert "46701234504+" in broken
    assert PHONE not in broken


def test_the_pitch_summary_keeps_phone_e_mail_and_place_in_order(arabic: str) -> None:
    draft = PitchDraft(user_id=1, language="ar", **ANSWERS)
    summary = replies.summary(draft, CITY, arabic)[0][0]
    assert_runs_kept(summary, PHONE, EMAIL, HOOD, "Lina Ahmed")
    assert "46701234504+" not in "\n".join(shown(summary))


def test_the_card_keeps_reference_phone_e_mail_and_place_in_order(arabic: str) -> None:
    pitch = make_pitch()
    body = card_texts.card_body(pitch, CITY, arabic, SETTINGS)[0]
    control = card_texts.control_text(pitch, CITY, arabic, SETTINGS)
    assert_runs_kept(body, REFERENCE, PHONE, EMAIL, HOOD)
    assert_runs_kept(control, REFERENCE, "Läxhjälp på biblioteket")


def test_the_residents_notice_keeps_the_reference_in_order(arabic: str) -> None:
    notice = card_texts.resident_messages(make_pitch(), "take", CITY, arabic)[0]
    assert_runs_kept(notice, REFERENCE)


def test_my_pitches_lines_read_right_to_left_with_the_reference_whole(arabic: str) -> None:
    page = PitchPage(pitches=[make_pitch()], page=0, pages=1, total=1)
    text = replies.my_pitches(page, CITY, arabic, SETTINGS.tz)
    assert_runs_kept(text, REFERENCE, "Läxhjälp på biblioteket")
    line = bidi.strip_marks(shown_line(text, REFERENCE))
    # Right to left, the line starts at the right: the reference, then the title to its left.
    assert line.index("Läxhjälp") < line.index(REFERENCE)


def test_the_submitted_confirmation_keeps_the_reference_in_order(arabic: str) -> None:
    text = replies.submitted(REFERENCE, "Läxhjälp på biblioteket", "Öster incubator", arabic)
    assert_runs_kept(text, REFERENCE, "Läxhjälp på biblioteket", "Öster incubator")


def test_the_event_card_keeps_a_latin_place_and_title_in_order(arabic: str) -> None:
    text = event_texts.event_card(make_event(), CITY, arabic, SETTINGS.tz, going=0)
    assert_runs_kept(text, PLACE, "Dialogforum om trygghet")
    place = bidi.strip_marks(shown_line(text, PLACE)).strip()
    assert place.endswith("📍"), place  # the pin stands where an Arabic line begins


def test_an_event_list_line_starting_with_a_number_reads_right_to_left(arabic: str) -> None:
    text = event_texts.event_line(make_event(), CITY, arabic, SETTINGS.tz, number=1)
    title = bidi.strip_marks(shown_line(text, "Dialogforum om trygghet")).strip()
    assert title.index("Dialogforum") < title.index("1"), title


def test_the_privacy_notice_keeps_the_citys_phone_and_e_mail_in_order(arabic: str) -> None:
    text = privacy_texts.controller_section(CITY.privacy, arabic)
    assert_runs_kept(text, CITY.privacy.controller_contact, CITY.privacy.dpo_contact)
    rights = privacy_texts.rights_section(CITY.privacy)
    assert_runs_kept(rights, CITY.privacy.dpo_contact)


def test_the_inbox_and_the_consent_screen_keep_the_reference_whole(arabic: str) -> None:
    for text in (
        inbox.pitch_line(make_pitch(), CITY),
        erasure_texts.pitch_privacy(make_pitch(id=8))[0],
    ):
        line = bidi.strip_marks(shown_line(text, REFERENCE))
        assert line.index("Läxhjälp") < line.index(REFERENCE), line


def test_nothing_changes_for_a_swedish_reader() -> None:
    with I18N.context(), I18N.use_locale("sv"):
        draft = PitchDraft(user_id=1, language="sv", **ANSWERS)
        summary = replies.summary(draft, CITY, "sv")[0][0]
        card = card_texts.card_body(make_pitch(), CITY, "sv", SETTINGS)[0]
        page = PitchPage(pitches=[make_pitch()], page=0, pages=1, total=1)
        mine = replies.my_pitches(page, CITY, "sv", SETTINGS.tz)
        event = event_texts.event_card(make_event(), CITY, "sv", SETTINGS.tz)
    for text in (summary, card, mine, event):
        assert bidi.strip_marks(text) == text
    assert f"telefon {PHONE}" in summary
    assert f"<b>{REFERENCE}</b> · Läxhjälp på biblioteket" in mine
