"""Any data in a main-menu, language or privacy button, pressed by a resident through the
emulator against one running bot: every press is answered, nothing fails, and the resident's
language changes only by a real language button (forged codes, Unicode, missing or extra
fields)."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from core.callbacks import MENU_ACTIONS, PRIVACY_ACTIONS, LanguageCB
from core.config import SUPPORTED_LOCALES
from playground.emulator import FakeUser, TelegramEmulator
from storage.models import User
from tests.conftest import RunningBot
from tests.test_journey_events import resident

RESIDENT = 7901

words = st.one_of(
    st.sampled_from(
        [
            *MENU_ACTIONS,
            *PRIVACY_ACTIONS,
            *SUPPORTED_LOCALES,
            "xx",
            "SV",
            "sv-SE",
            "",
            "²",
            "9" * 25,
        ]
    ),
    st.text(max_size=12),
)
button_data = st.builds(
    lambda prefix, fields: ":".join([prefix, *fields]),
    st.sampled_from(["m", "lang", "glang", "priv"]),
    st.lists(words, max_size=3),
)


def sets_a_language(pressed: str) -> bool:
    try:
        LanguageCB.unpack(pressed)
    except (TypeError, ValueError):
        return False
    return True


async def stored_locale(running_bot: RunningBot) -> str | None:
    async with running_bot.sessionmaker() as session:
        user = await session.get(User, RESIDENT)
        return None if user is None else user.locale


@pytest.fixture
async def rut(emulator: TelegramEmulator, running_bot: RunningBot) -> FakeUser:
    return await resident(emulator, RESIDENT, "en")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pressed=button_data)
@example(pressed="m:delete")
@example(pressed="m:pitch:extra")
@example(pressed="m")
@example(pressed="lang:xx")
@example(pressed="lang:SV")
@example(pressed="lang:sv:1")
@example(pressed="glang:ar")
@example(pressed="priv:mydata")
@example(pressed="priv:notice:1")
async def test_any_menu_or_language_button_is_answered(
    pressed: str,
    running_bot: RunningBot,
    rut: FakeUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="handlers.errors")
    pressed = pressed.encode()[:64].decode(errors="ignore")  # Telegram's limit
    assume(not sets_a_language(pressed))
    rut.mark_all_read()
    before = await stored_locale(running_bot)

    await rut.press_data(pressed, message=rut.last_message)  # waits for answerCallbackQuery
    # The resident's updates are handled one after another: when the next is answered,
    # everything the press set off has finished.
    await rut.send("/help")
    await rut.wait_for(lambda: any("/pitch" in (m.text or "") for m in rut.unread))

    assert [r for r in caplog.records if r.name == "handlers.errors"] == []
    assert await stored_locale(running_bot) == before == "en"
