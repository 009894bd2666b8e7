"""Properties of the pitch journey through the emulator, against one running bot: any button
data a client can send, and any text typed at the title step."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from core import pitch_rules as rules
from core.callbacks import PITCH_ACTIONS, PITCH_STEPS, PitchCB
from core.text_input import visible_text
from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from tests.conftest import RunningBot
from tests.journeys import CITY, answer, press, step_of, translator
from tests.test_journey_pitch_input import add_pitches, put_complete_draft, stored_draft

PROPERTY_SETTINGS = settings(
    max_examples=35,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
T = translator("en")

CODES = sorted(
    {area.code for area in CITY.areas}
    | {hood.code for hood in CITY.neighbourhoods}
    | {theme.code for theme in CITY.themes}
    | {option.code for option in CITY.support_options}
    | set(rules.SUBMITTER_KINDS)
    | set(PITCH_STEPS)
)
ODD_NUMBERS = ["²", "١", "٣", "0x1", "01", " 1", "1 ", "+1", "-1", "1_0", "1e3", "9" * 25, ""]
numbers = st.one_of(st.integers(-3, 60).map(str), st.sampled_from(ODD_NUMBERS))
values = st.one_of(
    st.just(""),
    st.sampled_from(CODES),
    st.builds("{}.{}".format, st.sampled_from([area.code for area in CITY.areas]), numbers),
    st.text(max_size=12),
)


@st.composite
def presses(draw: st.DrawFn) -> tuple[str, str]:
    """The draft's step, and data a client could send: a real button of that step or of
    another, such a button with odd fields, a page of /mypitches, or anything at all."""
    step = draw(st.sampled_from(PITCH_STEPS), label="draft at step")
    own_actions = sorted(rules.ANY_STEP_ACTIONS | rules.STEP_ACTIONS[step])
    actions = st.one_of(st.sampled_from(own_actions), st.sampled_from(PITCH_ACTIONS))
    other_steps = st.sampled_from([other for other in PITCH_STEPS if other != step])
    odd = st.text(max_size=8)
    button = st.one_of(
        st.builds("p:{}:{}:{}".format, st.just(step), actions, values),
        st.builds("p:{}:{}:{}".format, other_steps, actions, values),
        st.builds(
            "p:{}:{}:{}".format,
            st.one_of(st.just(step), odd),
            st.one_of(actions, odd),
            st.one_of(values, odd),
        ),
    )
    pages = st.builds("mp:{}".format, numbers)
    anything = st.text(min_size=1, max_size=64)
    data = st.one_of(button, pages, anything).filter(lambda d: 0 < len(d.encode()) <= 64)
    return step, draw(data, label="callback data")


def changes_nothing(data: str, step: str) -> bool:
    """Data the draft must stay the same for: unreadable, of another step, a button the
    step does not offer, or a page of /mypitches."""
    try:
        button = PitchCB.unpack(data)
    except (TypeError, ValueError):
        return True
    return button.step != step or not rules.button_fits(step, button.action)


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "handlers.errors"]


async def settle(user: FakeUser) -> None:
    """Wait until everything before has been handled: a resident's updates are handled one
    at a time, so the answer to one more press comes after them."""
    await user.press_data("settle", timeout=15)
    await user.next_message()  # the fallback's "Here is the menu."
    user.mark_all_read()


@pytest.fixture
async def resident(emulator: TelegramEmulator, running_bot: RunningBot) -> FakeUser:
    """Mid-journey with seven pitches sent before (two pages of /mypitches)."""
    user = emulator.user(6001, first_name="Hypo", language_code="en")
    await answer(user, "/start")
    await add_pitches(running_bot, user.id, [f"Idea {n}" for n in range(7)])
    await answer(user, "/mypitches")
    user.mark_all_read()
    return user


@PROPERTY_SETTINGS
@given(case=presses())
@example(case=("theme", "p:where:discard:"))
@example(case=("support", "p:theme:toggle:venue"))
@example(case=("where", "p:where:page:innerstaden.²"))
@example(case=("where", "p:where:page:innerstaden.9"))
@example(case=("contact", "p:summary:submit:"))
@example(case=("summary", "p:summary:field:summary"))
@example(case=("title", "p:title:back:"))
@example(case=("who", "mp:²"))
async def test_any_button_data_is_answered_and_foreign_data_change_nothing(
    running_bot: RunningBot,
    resident: FakeUser,
    caplog: pytest.LogCaptureFixture,
    case: tuple[str, str],
) -> None:
    step, pressed = case
    await put_complete_draft(running_bot, resident.id, step)
    before = await stored_draft(running_bot, resident.id)
    message = _a_message_with_buttons(resident)
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        await resident.press_data(pressed, message=message, timeout=15)  # answered
        await settle(resident)
    assert errors_logged(caplog) == []
    if changes_nothing(pressed, step):
        assert await stored_draft(running_bot, resident.id) == before
    assert all(len(m.text or "") <= 4096 for m in resident.messages)


def _a_message_with_buttons(user: FakeUser) -> SentMessage:
    return next(m for m in reversed(user.messages) if m.inline_keyboard and not m.deleted)


# Text as people type it, and as clients and pasting produce it: controls, right-to-left
# text and marks, zero-width and filler characters, and up to 5000 characters.
ODD_CHARACTERS = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u2060\ufeff\u3164\u2800\u115f\u1160\uffa0\u180e\u034f\u00a0\u3000\u0301"
    "\x00\x07\x1b\x7f\t\n\r \u0085\u2028\u2029"
    "مرحباשלוםسلام ١٢٣"
)
characters = st.one_of(st.characters(codec="utf-8"), st.sampled_from(ODD_CHARACTERS))
typed = st.one_of(
    st.text(characters, min_size=1, max_size=120),
    st.builds(
        lambda part, times: (part * times)[:5000],
        st.text(characters, min_size=1, max_size=16),
        st.integers(1, 5000),
    ),
)


@pytest.fixture
async def at_title(emulator: TelegramEmulator, running_bot: RunningBot) -> FakeUser:
    user = emulator.user(6002, first_name="Tiko", language_code="en")
    await user.send("/pitch")
    await user.next_message()
    assert step_of(await user.next_message(), T, 1)
    return user


@PROPERTY_SETTINGS
@given(text=typed)
async def test_any_text_typed_at_the_title_is_taken_or_refused_kindly(
    running_bot: RunningBot,
    at_title: FakeUser,
    caplog: pytest.LogCaptureFixture,
    text: str,
) -> None:
    assume(not text.startswith("/"))  # a command, not an answer
    before: dict[str, Any] = await stored_draft(running_bot, at_title.id)
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        reply = await answer(at_title, text)
    assert errors_logged(caplog) == []
    shown = visible_text(text)
    if shown and len(shown) <= rules.TITLE_MAX:
        assert step_of(reply, T, 2), reply.text
        assert (await stored_draft(running_bot, at_title.id))["title"] == shown
        assert step_of(await press(at_title, "⬅️ Back", reply), T, 1)
        return
    note = (
        "That looks empty. Please write a few words."
        if not shown
        else f"That is {len(shown)} characters, but at most {rules.TITLE_MAX} fit here."
    )
    assert (reply.text or "").startswith(note), reply.text
    assert "<b>Step 1 of 8</b>" in (reply.text or "")
    assert await stored_draft(running_bot, at_title.id) == before
