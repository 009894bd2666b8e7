"""A pitch's history in pages: every page fits in a message and is valid HTML, and every
character anyone wrote is on some page, in order."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from core.city import load_city
from core.config import Settings
from core.languages import create_i18n
from core.pitch_history import MESSAGE_LIMIT, history_pages, page_text, paginate
from core.pitch_rules import Block
from playground.emulator import parse_telegram_html
from storage.models import PitchEvent

CITY = load_city()
I18N = create_i18n("sv")
SETTINGS = Settings(_env_file=None, bot_token="1:x", admin_ids=[])  # type: ignore[call-arg]
MARK = re.compile(r"#\d+: ")
# Anything a person may write, but the marker's `#` (so the marker can be taken out again).
written = st.text(alphabet=st.characters(exclude_characters="#", exclude_categories=("Cs",)))


def _shown(pages: list[str]) -> str:
    """What Telegram shows of the pages, as one text; each page must be valid HTML."""
    return "\n".join(parse_telegram_html(page)[0] for page in pages)


def _ink(text: str) -> str:
    """The characters that draw something (cuts may drop spaces at either side)."""
    return "".join(char for char in text if not char.isspace())


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(written, min_size=1, max_size=6), limit=st.integers(60, 400))
def test_pages_fit_and_keep_every_character_in_order(texts: list[str], limit: int) -> None:
    entries = [Block(f"#{number}: ", text) for number, text in enumerate(texts)]
    pages = paginate(entries, limit=limit)
    assert all(len(page) <= limit for page in pages)
    assert _ink(MARK.sub("", _shown(pages))) == _ink("".join(texts))


def test_a_full_length_answer_and_its_escapes_span_pages() -> None:
    answer = ("Fika & <bullar> " * 300)[:4096]
    events = [
        PitchEvent(
            pitch_id=1,
            kind=kind,
            actor_name="Alma <Admin>",
            to_status="in_review",
            detail=detail,
            created_at=datetime(2026, 11, 23, 13, 5, tzinfo=UTC),
        )
        for kind, detail in (("take", None), ("ask", "Hur många?"), ("reply", answer))
    ]
    with I18N.context(), I18N.use_locale("en"):
        pages = history_pages(events, CITY, "en", SETTINGS)
        texts = [page_text(pages, number) for number in range(len(pages))]
    assert len(pages) >= 2
    assert all(len(text) <= MESSAGE_LIMIT for text in texts)
    shown = _shown(texts)
    assert shown.count("<bullar>") == answer.count("<bullar>")
    assert shown.count("&") == answer.count("&")
    assert shown.startswith(f"History · page 1 of {len(pages)}\n")
    assert "Alma <Admin>: In review" in shown
    assert "Alma <Admin> wrote to the resident: Hur många?" in shown
    # Each part of the long answer says whose words they are.
    assert shown.count("The resident answered: ") >= 2


def test_a_short_history_is_one_page_without_a_count() -> None:
    with I18N.context(), I18N.use_locale("sv"):
        assert page_text(["a"], 0) == I18N.gettext("<b>History</b>", locale="sv") + "\na"
