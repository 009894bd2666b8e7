"""Pure rules of the pitch journey."""

from __future__ import annotations

import html

import pytest

from core import pitch_rules as rules
from core.pitch_rules import Block, InvalidAnswer, pack_blocks


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
    assert caught.value.reason == "invalid"


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
