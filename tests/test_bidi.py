"""The direction helper: values keep their own order inside a right-to-left sentence, and
nothing changes for a left-to-right reader."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import bidi
from core.services.desk import read_reference

LTR_LOCALES = ["sv", "en", "es", "de", "pl"]
RTL_LOCALES = ["ar", "fa", "he"]

# Text that may itself hold isolates and marks: the helper must cope with anything typed.
any_text = st.text(
    alphabet=st.characters(codec="utf-8")
    | st.sampled_from(["\u2066", "\u2068", "\u2069", "\u200f"])
)
plain_text = st.text(min_size=1).map(bidi.strip_marks).filter(bool)


@pytest.mark.parametrize("locale", RTL_LOCALES)
def test_right_to_left_locales_are_known_from_babel(locale: str) -> None:
    assert bidi.is_rtl(locale)


@pytest.mark.parametrize("locale", [*LTR_LOCALES, "", "xx-not-a-locale", "en-GB"])
def test_other_locales_and_unknown_codes_are_left_to_right(locale: str) -> None:
    assert not bidi.is_rtl(locale)


def test_a_phone_number_is_isolated_left_to_right_in_arabic() -> None:
    assert bidi.ltr("+46701234504", "ar") == "\u2066+46701234504\u2069"
    assert bidi.isolate("Rosengård", "ar") == "\u2068Rosengård\u2069"


def test_an_empty_value_stays_empty() -> None:
    assert bidi.isolate("", "ar") == ""
    assert bidi.line("", "ar") == ""


def test_a_line_is_started_right_to_left_once() -> None:
    assert bidi.line("1. Dialogforum", "ar") == "\u200f1. Dialogforum"
    assert bidi.line(bidi.line("1. Dialogforum", "ar"), "ar") == "\u200f1. Dialogforum"
    assert bidi.line("1. Dialogforum", "sv") == "1. Dialogforum"


def test_two_isolates_side_by_side_are_wrapped_as_one_value() -> None:
    """Starting and ending with marks is not enough: the first must close at the end."""
    value = "\u2068a\u2069 b \u2068c\u2069"
    assert bidi.isolate(value, "ar") == f"\u2068{value}\u2069"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("\u2069", "\u2068\u2069"),
        ("a\u2069b", "\u2068ab\u2069"),
        ("\u2068a", "\u2068a\u2069"),
        ("\u2066a\u2069 b", "\u2068\u2066a\u2069 b\u2069"),
    ],
)
def test_marks_typed_into_a_value_cannot_close_its_isolate_early(typed: str, shown: str) -> None:
    assert bidi.isolate(typed, "ar") == shown


def test_the_pager_arrows_are_mirrored_right_to_left() -> None:
    assert bidi.page_arrows("sv") == ("◀️", "▶️")
    assert bidi.page_arrows("ar") == ("▶️", "◀️")
    assert bidi.page_arrows("fa") == ("▶️", "◀️")


@given(value=any_text, locale=st.sampled_from(LTR_LOCALES), known=st.booleans())
def test_left_to_right_readers_get_the_value_unchanged(
    value: str, locale: str, known: bool
) -> None:
    assert bidi.isolate(value, locale, ltr=known) == value
    assert bidi.line(value, locale) == value


@given(value=plain_text, locale=st.sampled_from(RTL_LOCALES), known=st.booleans())
def test_stripping_the_marks_gives_the_value_back(value: str, locale: str, known: bool) -> None:
    wrapped = bidi.isolate(value, locale, ltr=known)
    assert wrapped != value
    assert wrapped.endswith(bidi.PDI)
    assert bidi.strip_marks(wrapped) == value


@given(value=any_text, locale=st.sampled_from(RTL_LOCALES), known=st.booleans())
def test_an_isolated_value_is_never_wrapped_twice(value: str, locale: str, known: bool) -> None:
    once = bidi.isolate(value, locale, ltr=known)
    assert bidi.isolate(once, locale) == once
    assert bidi.isolate(once, locale, ltr=True) == once


@pytest.mark.parametrize(
    "typed", ["\u2066MT-2026-0008\u2069", "\u200fmt-2026-0008", " \u2068MT-2026-0008\u2069 "]
)
def test_a_reference_copied_from_an_arabic_message_still_reads(typed: str) -> None:
    assert read_reference(typed) == "MT-2026-0008"
    assert read_reference("\u2066MT-2026\u2069") is None
