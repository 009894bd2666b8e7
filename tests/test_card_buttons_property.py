"""Whatever data a card or Reply button carries (forged, garbled, out of range), pressed by a
coordinator or by a resident: the bot answers the press, raises nothing and changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.callbacks import CardCB
from core.pitch_workflow import ACTIONS
from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from storage.models import PitchEvent
from tests.card_steps import (
    ADMIN_ID,
    FIRST_COORDINATOR_ID,
    card_in,
    count_rows,
    eventually,
    fresh_pitch,
    pitch_now,
    recorded,
    soder_coordinators,
    started,
)
from tests.conftest import RunningBot

ODD_NUMBERS = (
    "١٢",  # Arabic-Indic digits
    "²",
    "１２",  # full-width digits
    "𝟗",
    "-1",
    "+3",
    " 7",
    "1_000",
    "0",
    "1e3",
    "0x10",
    str(2**31),
    str(2**63),
    "9" * 40,
)
WORDS = (
    *("take", "accept", "decline", "move", "ask", "reason", "card", "received", "in_review"),
    *("needs_info", "accepted", "fit", "capacity", "citywide", "soder", ""),
)
FIELD = st.one_of(
    st.text(max_size=12),
    st.sampled_from(ODD_NUMBERS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(WORDS),
)
BUTTON_DATA = st.one_of(
    st.text(max_size=70),
    st.builds(
        lambda prefix, fields: ":".join([prefix, *fields]),
        st.sampled_from(["c", "r", "C", "c ", "rr"]),
        st.lists(FIELD, max_size=6),
    ),
)


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


@dataclass
class Setting:
    coordinator: FakeUser
    resident: FakeUser
    card: SentMessage
    pitch_id: int
    errors: list[logging.LogRecord]


class _Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture
def errors_logged() -> Iterator[list[logging.LogRecord]]:
    """What the one error handler (handlers/errors.py) logs while the test runs."""
    found: list[logging.LogRecord] = []
    handler = _Collect(found)
    logger = logging.getLogger("handlers.errors")
    logger.addHandler(handler)
    try:
        yield found
    finally:
        logger.removeHandler(handler)


@pytest.fixture
async def setting(
    emulator: TelegramEmulator, running_bot: RunningBot, errors_logged: list[logging.LogRecord]
) -> Setting:
    """One running bot, a coordinator with a card and the resident whose pitch it is."""
    _admin, (coordinator,) = await soder_coordinators(emulator, FIRST_COORDINATOR_ID)
    resident = await started(emulator, 5500, "Samira", "sv")
    pitch = await fresh_pitch(running_bot, resident.id, "Läxhjälp i Nydala")
    _body, card = await card_in(coordinator)
    await eventually(lambda: recorded(running_bot, card))
    return Setting(coordinator, resident, card, pitch.id or 0, errors_logged)


def _would_decide(data: str, pitch_id: int) -> bool:
    """A real press of a decision on the pitch as it is: that is allowed to change it."""
    try:
        parsed = CardCB.unpack(data)
    except (ValueError, TypeError):
        return False
    return parsed.pitch_id == pitch_id and parsed.status == "received" and parsed.action in ACTIONS


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=BUTTON_DATA)
async def test_any_button_data_is_answered_and_changes_nothing(
    emulator: TelegramEmulator, running_bot: RunningBot, setting: Setting, data: str
) -> None:
    if _would_decide(data, setting.pitch_id):
        return
    before = (await pitch_now(running_bot, setting.pitch_id)).model_dump()
    events_before = await count_rows(running_bot, PitchEvent)

    await setting.coordinator.press_data(data, message=setting.card)
    await setting.resident.press_data(data, message=setting.resident.last_message)

    assert (await pitch_now(running_bot, setting.pitch_id)).model_dump() == before
    assert await count_rows(running_bot, PitchEvent) == events_before
    assert setting.errors == []
    assert emulator.internal_errors == []
