"""Property-based journeys of the staff's event commands against one running bot: arbitrary
button data, command arguments and typed answers are answered, no handler fails, and what
is refused changes no event. What the bot accepts agrees with core.event_fields."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core import event_fields
from core.callbacks import EVENT_ADMIN_ACTIONS, EVENT_ADMIN_STEPS
from core.event_fields import FieldProblem
from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from storage.models import Event, utcnow
from tests.conftest import RunningBot
from tests.event_admin_journeys import (
    SV,
    all_events,
    errors_logged,
    in_days,
    published_event,
    walk_to_capacity,
)
from tests.journeys import answer, press

ADMIN_ID = 9500
TZ = ZoneInfo("Europe/Stockholm")
PROPERTY = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(["²", "١٢", "٣", "¹²", "Ⅻ", "1_000", "1e3", "0x1f", "+7", " 7 ", "#3"]),
)
TEXT = st.one_of(st.text(max_size=40), NUMBERS)


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


@dataclass
class Desk:
    """An admin talking to the running bot, and the one event there is."""

    admin: FakeUser
    event: Event
    question: SentMessage | None = None  # the wizard's question being answered


@pytest.fixture
async def desk(emulator: TelegramEmulator, running_bot: RunningBot) -> Desk:
    admin = emulator.user(ADMIN_ID, first_name="Admin", language_code="sv")
    await answer(admin, "/start")
    return Desk(admin=admin, event=await published_event(running_bot))


def sendable(text: str) -> bool:
    """What a person can send as a message that is no command."""
    return bool(text.strip(" \t\r\n")) and not text.startswith("/")


@PROPERTY
@given(command=st.sampled_from(["/editevent", "/cancelevent"]), argument=TEXT)
async def test_commands_with_any_argument_are_answered_and_change_nothing(
    running_bot: RunningBot,
    desk: Desk,
    caplog: pytest.LogCaptureFixture,
    command: str,
    argument: str,
) -> None:
    before = await all_events(running_bot)
    caplog.clear()  # what earlier examples logged is theirs
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        reply = await answer(desk.admin, f"{command} {argument}")
    assert reply.text
    assert errors_logged(caplog) == []
    assert await all_events(running_bot) == before


EVENT_ADMIN_DATA = st.lists(
    st.one_of(
        st.sampled_from([*EVENT_ADMIN_STEPS, *EVENT_ADMIN_ACTIONS, "lecture", "soder", "city"]),
        st.sampled_from(["all", "kind=lecture", "area=norr", "area=", "cancel_event", ""]),
        TEXT,
    ),
    min_size=0,
    max_size=4,
).map(lambda parts: ":".join(["eva", *parts]))
CANCEL_DATA = st.tuples(st.sampled_from(["yes", "no", "maybe"]), NUMBERS, NUMBERS).map(
    lambda parts: ":".join(["evc", *parts])
)


@PROPERTY
@given(data=st.one_of(EVENT_ADMIN_DATA, CANCEL_DATA))
async def test_any_button_data_is_answered_and_changes_no_event(
    running_bot: RunningBot, desk: Desk, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    assume(len(data.encode()) <= 64)  # Telegram's limit for callback data
    assume(data != f"evc:yes:{desk.event.id}:{desk.event.version}")  # that one would cancel
    kinds = await answer(desk.admin, "/newevent")
    before = await all_events(running_bot)
    caplog.clear()  # what earlier examples logged is theirs
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        pressed = await desk.admin.press_data(data, message=kinds)
    assert pressed.callback_query_id
    assert errors_logged(caplog) == []
    assert await all_events(running_bot) == before


@dataclass(frozen=True)
class Step:
    """A typed step of the wizard and core's reader of it (which may depend on the moment)."""

    read: Callable[[str, datetime], object]
    backs: int  # presses of Back from the number of places to get there


_START_TYPED, STARTS_AT = in_days(6, 18)  # as walk_to_capacity types it
STEPS = {
    "capacity": Step(lambda text, now: event_fields.read_capacity(text), 0),
    "signup": Step(lambda text, now: event_fields.read_signup_url(text), -1),
    "start": Step(lambda text, now: event_fields.read_start(text, now=now, tz=TZ), 4),
    "end": Step(lambda text, now: event_fields.read_end(text, start=STARTS_AT, now=now, tz=TZ), 3),
}
DATEISH = st.lists(
    st.one_of(
        NUMBERS,
        st.sampled_from(["dec", "maj", "kl", "12:00", "18.30", "/", "-", "2027", "3/12", " "]),
    ),
    max_size=5,
).map(" ".join)


async def question_at(user: FakeUser, step: Step) -> SentMessage:
    """The wizard walked to the question of `step` (start in six days at 18:00, end 20:00)."""
    question = await walk_to_capacity(user)
    if step.backs < 0:
        return await press(user, SV("Skip ➡️"), question)
    for _back in range(step.backs):
        question = await press(user, SV("⬅️ Back"), question)
    return question


def accepted(step: Step, text: str, before: datetime, after: datetime) -> bool | None:
    """Whether core's reader takes `text` (None when that changed in the meantime)."""
    verdicts = set()
    for now in (before, after):
        try:
            step.read(text, now)
        except FieldProblem:
            verdicts.add(False)
        else:
            verdicts.add(True)
    return verdicts.pop() if len(verdicts) == 1 else None


@pytest.mark.parametrize("step_name", list(STEPS))
@PROPERTY
@given(text=st.one_of(TEXT, DATEISH, st.text(alphabet="0123456789/:. -", max_size=16)))
async def test_typed_answers_are_read_as_core_reads_them(
    running_bot: RunningBot,
    desk: Desk,
    caplog: pytest.LogCaptureFixture,
    step_name: str,
    text: str,
) -> None:
    """A refused answer is explained and asked again; an accepted one moves on (and Back
    returns to the question). Either way no event is stored or changed."""
    assume(sendable(text))
    step, user = STEPS[step_name], desk.admin
    if desk.question is None:
        desk.question = await question_at(user, step)
    before = await all_events(running_bot)
    moment = utcnow()
    caplog.clear()  # what earlier examples logged is theirs
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        reply = await answer(user, text)
        verdict = accepted(step, text, moment, utcnow())
        if reply.has_button(SV("⬅️ Back")):  # the next step's question
            assert verdict in (True, None), reply.text
            again = await press(user, SV("⬅️ Back"), reply)
        else:  # what is wrong with it, then the question again
            assert verdict in (False, None), reply.text
            again = await user.next_message()
    assert again.text == desk.question.text
    assert errors_logged(caplog) == []
    assert await all_events(running_bot) == before
