"""Pure rules of the pitch journey."""

from __future__ import annotations

import html

import pytest

from core import pitch_rules as rules
from core.city import load_city
from core.pitch_rules import Block, InvalidAnswer, pack_blocks

CITY = load_city()


def test_steps_and_navigation() -> None:
    assert rules.STEPS[0] == "title" and len(rules.STEPS) == 8
    assert [rules.step_number(step) for step in rules.STEPS] == list(range(1, 9))
    assert rules.next_step("title") == "need"
    assert rules.next_step("contact") == rules.SUMMARY
    assert rules.previous_step("need") == "title"
    assert rules.previous_step("title") is None
    assert rules.previous_step(rules.SUMMARY) == "contact"
    walked = ["title"]
    while (step := rules.next_step(walked[-1])) != rules.SUMMARY:
        walked.append(step)
    assert tuple(walked) == rules.STEPS


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "empty"), ("   \n ", "empty"), (None, "empty"), ("x" * 81, "too_long")],
)
def test_clean_text_refuses(text: str | None, reason: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        rules.clean_text(text, limit=80)
    assert caught.value.reason == reason
    if reason == "too_long":
        assert (caught.value.length, caught.value.limit) == (81, 80)


def test_clean_text_trims_and_keeps_exactly_the_limit() -> None:
    assert rules.clean_text("  Läxhjälp  ", limit=80) == "Läxhjälp"
    assert rules.clean_text("å" * 80, limit=80) == "å" * 80


@pytest.mark.parametrize(
    "email", ["amina@example.se", "a.b+c@sub.malmo.se", "o'neil@example.com", "x@a-b.org"]
)
def test_valid_emails(email: str) -> None:
    assert rules.clean_email(f" {email} ") == email


@pytest.mark.parametrize(
    "email",
    [
        "amina@example",
        "amina.example.se",
        "a@b@c.se",
        "a b@c.se",
        "@c.se",
        "a@-c.se",
        "a@c-.se",
        "<a>@c.se",
        "a@" + "b" * 250 + ".se",
    ],
)
def test_invalid_emails(email: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        rules.clean_email(email)
    assert caught.value.reason == "invalid_email"


def test_reference_format() -> None:
    assert rules.format_reference(2026, 42) == "MT-2026-0042"
    assert rules.format_reference(2027, 12345) == "MT-2027-12345"


def test_short_blocks_share_one_message() -> None:
    blocks = [Block("<b>Title</b>\n", "Fish & chips"), Block("<b>Need</b>\n", "<none>")]
    assert pack_blocks(blocks, escape=html.escape) == [
        "<b>Title</b>\nFish &amp; chips\n\n<b>Need</b>\n&lt;none&gt;"
    ]


def test_long_text_is_cut_between_words_without_breaking_entities() -> None:
    text = " ".join(["fika&<bullar>"] * 1000)  # about 14 000 characters, 4x longer escaped
    messages = pack_blocks([Block("<b>Idea</b>\n", text)], escape=html.escape, limit=4096)
    assert len(messages) > 3
    assert all(len(message) <= 4096 for message in messages)
    assert all(message.startswith("<b>Idea</b>\n") for message in messages)
    rebuilt = " ".join(html.unescape(m.removeprefix("<b>Idea</b>\n")) for m in messages)
    assert rebuilt == text
    for message in messages:  # no entity cut in half
        assert message.count("&") == message.count(";")


def test_text_without_spaces_is_still_cut() -> None:
    messages = pack_blocks([Block("", "&" * 5000)], escape=html.escape, limit=1000)
    assert all(len(m) <= 1000 for m in messages)
    assert "".join(html.unescape(m) for m in messages) == "&" * 5000


def test_every_button_action_belongs_to_some_step() -> None:
    from core.callbacks import PITCH_ACTIONS, PITCH_STEPS

    offered = set(rules.ANY_STEP_ACTIONS).union(*rules.STEP_ACTIONS.values())
    assert offered == set(PITCH_ACTIONS)
    assert set(rules.STEP_ACTIONS) == set(PITCH_STEPS)
    assert rules.button_fits("theme", "theme") and rules.button_fits("theme", "cancel")
    assert not rules.button_fits("theme", "kind")
    assert not rules.button_fits("title", "back")  # the first step has no Back
    assert not rules.button_fits("summary", "back")
    assert not rules.button_fits("elsewhere", "theme")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("innerstaden", ("innerstaden", 0)), ("innerstaden.0", ("innerstaden", 0))],
)
def test_area_pages_are_read(value: str, expected: tuple[str, int]) -> None:
    assert rules.read_area_page(value, CITY) == expected


def test_the_last_page_of_an_area_is_read_and_no_further() -> None:
    area = max(CITY.areas, key=lambda a: len(CITY.neighbourhoods_in(a.code)))
    count = len(CITY.neighbourhoods_in(area.code))
    pages = rules.page_count(count, rules.NEIGHBOURHOODS_PER_PAGE)
    assert pages > 1
    assert rules.read_area_page(f"{area.code}.{pages - 1}", CITY) == (area.code, pages - 1)
    with pytest.raises(InvalidAnswer):
        rules.read_area_page(f"{area.code}.{pages}", CITY)


@pytest.mark.parametrize(
    "value",
    [
        "atlantis",
        "atlantis.0",
        "innerstaden.²",
        "innerstaden.١",
        "innerstaden.-1",
        "innerstaden.+1",
        "innerstaden. 1",
        "innerstaden.1_0",
        "innerstaden.99999999999999999999999",
        "innerstaden.x",
        "",
        ".1",
    ],
)
def test_area_pages_that_do_not_read(value: str) -> None:
    with pytest.raises(InvalidAnswer):
        rules.read_area_page(value, CITY)


def test_page_count() -> None:
    assert [rules.page_count(n, 5) for n in (0, 1, 5, 6, 10, 11)] == [1, 1, 1, 2, 2, 3]


@pytest.mark.parametrize(
    "caption", [None, "", "   ", "\u200b", "\u200f\u200e", "\u3164", "\u2800\u2800", "\n\t"]
)
def test_a_caption_with_nothing_visible_is_no_text(caption: str | None) -> None:
    assert rules.clean_caption(caption) is None


def test_a_caption_is_read_like_the_idea() -> None:
    assert rules.clean_caption("\u200b Vår gård \u200b") == "Vår gård"
    with pytest.raises(InvalidAnswer) as caught:
        rules.clean_caption("x" * (rules.IDEA_MAX + 1))
    assert caught.value.reason == "too_long"


@pytest.mark.parametrize(
    ("shared", "stored"),
    [
        ("46701234567", "+46701234567"),
        ("+46701234567", "+46701234567"),
        (" +46 70-123 45 67 ", "+46701234567"),
        ("\u200e+46701234567", "+46701234567"),
    ],
)
def test_phone_numbers_as_telegram_shares_them(shared: str, stored: str) -> None:
    assert rules.clean_phone(shared) == stored


@pytest.mark.parametrize(
    "shared", ["", "\u200b", "+", "123", "+46 70 ١٢٣", "0701234567²", "46<b>70", "4" * 21]
)
def test_phone_numbers_that_do_not_read(shared: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        rules.clean_phone(shared)
    assert caught.value.reason == "invalid_phone"


@pytest.mark.parametrize(
    "email", ["ma\u200bja@example.se", "maja\u2060@example.se", "\u3164@x.se"]
)
def test_emails_with_invisible_characters_inside_are_refused(email: str) -> None:
    with pytest.raises(InvalidAnswer):
        rules.clean_email(email)
