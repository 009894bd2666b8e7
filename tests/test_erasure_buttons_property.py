"""Any data in an erasure button (/forget, a pitch's data choices, /erase), pressed by a
resident through the emulator against one running bot: every press is answered, nothing
fails, and nothing is erased unless it is the resident's own real button."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from core.callbacks import ConsentCB
from playground.emulator import FakeUser, TelegramEmulator
from storage.models import Pitch, User
from tests.card_steps import fresh_pitch, pitch_now
from tests.conftest import RunningBot
from tests.test_journey_events import resident

RESIDENT = 7902
ACTIONS = ["yes", "no", "open", "withdraw", "withdraw_yes", "contact", "contact_yes", "keep"]

words = st.one_of(
    st.sampled_from([*ACTIONS, "person", "pitch", "1", "2", "0", "-1", "", "²", "9" * 25]),
    st.text(max_size=12),
)
button_data = st.builds(
    lambda prefix, fields: ":".join([prefix, *fields]),
    st.sampled_from(["fg", "cs", "er"]),
    st.lists(words, max_size=4),
)


def changes_own_pitch(pressed: str, pitch_id: int) -> bool:
    """The resident's own real button for withdrawing a consent (it would do just that)."""
    try:
        data = ConsentCB.unpack(pressed)
    except (TypeError, ValueError):
        return False
    return data.pitch_id == pitch_id and data.action in {"withdraw_yes", "contact_yes"}


async def first_seen_at(running_bot: RunningBot) -> object:
    async with running_bot.sessionmaker() as session:
        user = await session.get(User, RESIDENT)
        return None if user is None else user.first_seen_at


@pytest.fixture
async def ana(emulator: TelegramEmulator, running_bot: RunningBot) -> tuple[FakeUser, Pitch]:
    person = await resident(emulator, RESIDENT, "en")
    return person, await fresh_pitch(running_bot, RESIDENT, "Huerto")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pressed=button_data)
@example(pressed="fg:yes:0")
@example(pressed="fg:yes:99999999999999999999")
@example(pressed="cs:withdraw_yes:2")
@example(pressed="cs:open:1:extra")
@example(pressed="er:yes:person:7902")
@example(pressed="er:yes:pitch:1")
@example(pressed="er")
async def test_any_erasure_button_is_answered_and_erases_nothing_not_meant(
    pressed: str,
    running_bot: RunningBot,
    ana: tuple[FakeUser, Pitch],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="handlers.errors")
    person, pitch = ana
    pressed = pressed.encode()[:64].decode(errors="ignore")  # Telegram's limit
    assume(not changes_own_pitch(pressed, pitch.id))  # type: ignore[arg-type]
    person.mark_all_read()
    first_seen = await first_seen_at(running_bot)

    await person.press_data(pressed, message=person.last_message)  # waits for the answer
    await person.send("/help")  # handled after everything the press set off
    await person.wait_for(lambda: any("/pitch" in (m.text or "") for m in person.unread))

    assert [r for r in caplog.records if r.name == "handlers.errors"] == []
    now = await pitch_now(running_bot, pitch.id)  # type: ignore[arg-type]
    assert now.erased_at is None and now.user_id == RESIDENT
    assert await first_seen_at(running_bot) == first_seen  # the same person, not a new one
