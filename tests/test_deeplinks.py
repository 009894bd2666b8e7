"""Deep-link payloads are parsed strictly; anything else is ignored."""

from __future__ import annotations

import pytest

from core.deeplinks import StartLink, parse_start_payload


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("pitch", StartLink("pitch")),
        ("pitch_rosengard", StartLink("pitch", "rosengard")),
        ("PITCH_Sorgenfri", StartLink("pitch", "sorgenfri")),
        ("pitch_vastra-innerstaden", StartLink("pitch", "vastra-innerstaden")),
        ("event_42", StartLink("event", "42")),
        ("event_0042", StartLink("event", "42")),
        ("event_2147483647", StartLink("event", "2147483647")),
        ("subscribe", StartLink("subscribe")),
        ("sub", StartLink("subscribe")),
    ],
)
def test_known_payloads(raw: str, expected: StartLink) -> None:
    assert parse_start_payload(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "hello",
        "event_",
        "event_abc",
        "event_1234567890123",
        "event_2147483648",  # beyond our ids: it never reaches the database
        "event_99999999999",
        "event_0",
        "event_-1",
        "pitch_" + "a" * 41,
        "subscribe_now",
        "pitch_a b",
        "x" * 65,
        "pitch_<b>",
        "../etc",
    ],
)
def test_unknown_payloads_are_none(raw: str | None) -> None:
    assert parse_start_payload(raw) is None


def test_payload_round_trip() -> None:
    assert StartLink("pitch", "rosengard").payload == "pitch_rosengard"
    assert StartLink("subscribe").payload == "subscribe"


def test_an_event_link_names_its_id_read_strictly() -> None:
    link = parse_start_payload("event_0042")
    assert link is not None and link.event_id == 42
    assert StartLink("event", "99999999999").event_id is None
    assert StartLink("pitch", "42").event_id is None
