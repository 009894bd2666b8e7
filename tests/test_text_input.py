"""The one reading of free text and links, and of numbers and codes a client sends."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.inputs import MAX_DB_ID, read_db_id, read_int, read_token, read_user_id
from core.pitch_rules import InvalidAnswer, clean_text
from core.text_input import read_url, visible_text

INVISIBLE_ONLY = [
    "",
    "   ",
    "\u00a0",  # no-break space
    "\u200b\u200c\u200d\u2060\ufeff",  # zero-width characters
    "\u200e\u200f\u202a\u202e\u2066\u2069",  # direction marks and embeddings
    "\u3164",  # Hangul filler
    "\u2800\u2800",  # Braille blank
    "\u115f\u1160\uffa0",
    "\u034f\u180e",
    "\t\n \u3000",
    "\u0301",  # a combining accent with nothing to sit on
    "\x00\x07\x1b",
]


@pytest.mark.parametrize("text", INVISIBLE_ONLY)
def test_text_with_nothing_visible_is_empty(text: str) -> None:
    assert visible_text(text) == ""
    with pytest.raises(InvalidAnswer) as refused:
        clean_text(text, limit=80)
    assert refused.value.reason == "empty"


def test_visible_text_keeps_the_inside_and_trims_the_ends() -> None:
    assert visible_text("\u200f  Fika för alla \u3164\n") == "Fika för alla"
    assert visible_text("Rad ett\nRad två") == "Rad ett\nRad två"
    assert visible_text("مرحبا") == "مرحبا"
    assert visible_text("\u200fمرحبا\u200f") == "مرحبا"
    assert visible_text("a\x00b") == "ab"


@given(st.text(alphabet=st.sampled_from("".join(INVISIBLE_ONLY)), max_size=30))
def test_any_mix_of_invisible_characters_is_empty(text: str) -> None:
    assert visible_text(text) == ""


@given(st.text(max_size=50))
def test_visible_text_never_grows_and_is_stable(text: str) -> None:
    once = visible_text(text)
    assert len(once) <= len(text)
    assert visible_text(once) == once


@pytest.mark.parametrize(
    "url",
    [
        "https://malmo.se/lunch",
        "http://example.org/a?b=1&c=2#d",
        "https://xn--mlm-qla.se/",
        "https://exempel.se/väg",
    ],
)
def test_links_that_read(url: str) -> None:
    assert read_url(url) == url


@pytest.mark.parametrize(
    "text",
    [
        "malmo.se",
        "ftp://malmo.se/file",
        "javascript:alert(1)",
        'https://malmo.se/"onmouseover="x',
        "https://malmo.se/<b>",
        "https://malmo.se/a b",
        "https://malmo.se/'",
        "https://malmo\u200b.se/",
        "https://",
        "https://" + "a" * 2100 + ".se",
        "\u200b",
    ],
)
def test_links_that_do_not(text: str) -> None:
    assert read_url(text) is None


@pytest.mark.parametrize(
    "text",
    ["²", "٣", "１", "+5", "-5", " 5", "5 ", "5_0", "5.0", "", "0x10", "9" * 25, str(2**31)],
)
def test_ids_are_ascii_digits_within_range(text: str) -> None:
    assert read_db_id(text) is None


def test_ids_that_read() -> None:
    assert read_db_id("42") == 42
    assert read_db_id("042") == 42
    assert read_db_id(str(MAX_DB_ID)) == MAX_DB_ID
    assert read_db_id("0") is None
    assert read_user_id(str(2**52 - 1)) == 2**52 - 1
    assert read_user_id(str(2**52)) is None
    assert read_int("-100123", low=-(10**13), high=10**13) == -100123
    assert read_int("-5", low=0, high=10) is None


@given(st.text(max_size=30))
def test_reading_any_text_never_raises(text: str) -> None:
    value = read_db_id(text)
    assert value is None or (1 <= value <= MAX_DB_ID and text.isascii())
    token = read_token(text)
    assert token is None or token == text


def test_tokens() -> None:
    assert read_token("soder") == "soder"
    assert read_token("sodra-sofielund") == "sodra-sofielund"
    assert read_token("Söder") is None
    assert read_token("../etc") is None
    assert read_token("") is None
