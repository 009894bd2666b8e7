"""Any arguments to any staff command, and any data on the desk's buttons, sent through the
emulator to one running bot: the bot answers, logs no error, and what does not read changes
no role, coordinator, binding or group language.

Hypothesis runs in a worker thread and hands each example to the test's event loop, where
the bot and the emulator run.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from playground.emulator import FakeGroup, FakeUser, TelegramEmulator
from tests.conftest import RunningBot
from tests.journeys import answer
from tests.staff_steps import (
    ADMIN_ID,
    CANNOT,
    INVALID_BUTTON,
    bind,
    errors_logged,
    roles_and_bindings,
    started,
)

GROUP_ID = -101000
STRANGER_ID = 9300
MAX_TELEGRAM_ID = 2**52 - 1
SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# Commands that only read: nothing may change, whatever their arguments.
READING = {"coordinators", "pitch", "find", "inbox"}
WRONG = "Sorry, something went wrong"

numbers = st.integers(min_value=-(10**30), max_value=10**30).map(str)
other_digits = st.text(alphabet=st.characters(categories=("Nd", "No")), min_size=1, max_size=6)
codes = st.sampled_from(["soder", "vaster", "SODER", "citywide", "nowhere", "söder", "s%", "open"])
references = st.sampled_from(["MT-2026-0001", "mt-2026-0042", "MT-٢٠٢٦-٠٠٠١", "MT-2026-"])
words = st.one_of(numbers, other_digits, codes, references, st.text(max_size=20))
arguments = st.lists(words, max_size=4).map(" ".join)
commands = st.sampled_from(
    [
        "addadmin",
        "removeadmin",
        "addcoordinator",
        "removecoordinator",
        "coordinators",
        "bindchat",
        "pitch",
        "find",
        "inbox",
    ]
)


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


def _user_id(word: str) -> bool:
    return re.fullmatch(r"[0-9]{1,20}", word) is not None and 1 <= int(word) <= MAX_TELEGRAM_ID


def _code(word: str) -> bool:
    return re.fullmatch(r"[a-z0-9][a-z0-9_.=-]{0,39}", word.lower()) is not None


def reads(command: str, args: str) -> bool:
    """Whether the arguments read as the command needs them (an independent reading)."""
    parts = args.split()
    if command in {"addadmin", "removeadmin"}:
        return len(parts) == 1 and _user_id(parts[0])
    if command == "addcoordinator":
        return 1 <= len(parts) <= 2 and _code(parts[0]) and all(map(_user_id, parts[1:]))
    if command == "removecoordinator":
        return len(parts) == 2 and _code(parts[0]) and _user_id(parts[1])
    if command == "bindchat":
        return len(parts) == 1 and _code(parts[0])
    return False


def run_in(loop: asyncio.AbstractEventLoop) -> Callable[[Awaitable[Any]], Any]:
    """From Hypothesis's thread: run one example on the bot's event loop and wait for it."""
    return lambda step: asyncio.run_coroutine_threadsafe(step, loop).result(timeout=120)  # type: ignore[arg-type]


async def test_staff_commands_with_any_arguments(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    group = emulator.group(GROUP_ID, title="Söder")
    assert "now the coordinator chat" in await bind(group, admin, "soder")
    run = run_in(asyncio.get_running_loop())

    async def send(command: str, args: str, chat: FakeUser | FakeGroup) -> None:
        before = await roles_and_bindings(running_bot)
        text = f"/{command} {args}"
        if isinstance(chat, FakeGroup):
            await chat.send(admin, text)
        else:
            await chat.send(text)
        reply = await chat.next_message()
        assert reply.text and not reply.text.startswith(WRONG), (text, reply.text)
        assert errors_logged(caplog) == [], text
        if command in READING or not reads(command, args):
            assert await roles_and_bindings(running_bot) == before, text

    @SETTINGS
    @given(command=commands, args=arguments, in_group=st.booleans())
    @example(command="addadmin", args="9" * 25, in_group=False)
    @example(command="addadmin", args="١٢٣", in_group=False)
    @example(command="removeadmin", args="-5", in_group=False)
    @example(command="addcoordinator", args="soder ²", in_group=False)
    @example(command="addcoordinator", args="soder " + "9" * 25, in_group=True)
    @example(command="removecoordinator", args="soder ²", in_group=False)
    @example(command="bindchat", args="²", in_group=True)
    @example(command="coordinators", args="\x00", in_group=False)
    @example(command="find", args="\x00 % _", in_group=False)
    @example(command="pitch", args="MT-٢٠٢٦-٠٠٠١", in_group=True)
    @example(command="inbox", args="²", in_group=False)
    def check(command: str, args: str, in_group: bool) -> None:
        assume(command != "pitch" or args.split())  # /pitch alone starts a pitch of one's own
        run(send(command, args, group if in_group else admin))
        sent.append(command)

    sent: list[str] = []
    await asyncio.to_thread(check)
    assert len(sent) >= 40 and set(sent) >= {"addadmin", "bindchat", "pitch", "inbox"}


async def test_desk_buttons_with_any_data(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    stranger = emulator.user(STRANGER_ID, first_name="Sam", language_code="en")
    group = emulator.group(GROUP_ID, title="Söder")
    assert "now the coordinator chat" in await bind(group, admin, "soder")
    await group.send(admin, "/inbox")
    in_group = await group.next_message()
    in_private = await answer(admin, "/inbox")
    baseline = await roles_and_bindings(running_bot)
    run = run_in(asyncio.get_running_loop())

    async def press(data: str, by_stranger: bool, pressed_in_group: bool) -> None:
        if pressed_in_group:
            pressed = await group.press_data(stranger if by_stranger else admin, data, in_group)
        else:
            pressed = await admin.press_data(data, message=in_private)
        assert pressed.text in {None, "", INVALID_BUTTON, CANNOT}, (data, pressed.text)
        assert errors_logged(caplog) == [], data
        after = await roles_and_bindings(running_bot)
        if pressed_in_group and not by_stranger and data.startswith("glang:"):
            after["languages"] = baseline["languages"]  # the admin may choose a language
        assert after == baseline, data

    fields = st.one_of(numbers, other_digits, codes, st.text(max_size=12))
    data = st.one_of(
        st.tuples(st.sampled_from(["ib", "ph", "glang"]), st.lists(fields, max_size=3)).map(
            lambda parts: ":".join([parts[0], *parts[1]])
        ),
        st.builds("ib:{}:{}".format, codes, numbers),
        st.builds("ph:{}:{}".format, numbers, numbers),
    ).filter(lambda text: len(text.encode()) <= 64)

    @SETTINGS
    @given(data=data, by_stranger=st.booleans(), pressed_in_group=st.booleans())
    @example(data=f"ib:open:{'9' * 25}", by_stranger=False, pressed_in_group=True)
    @example(data="ib:open:1", by_stranger=True, pressed_in_group=True)
    @example(data=f"ph:{'9' * 25}:0", by_stranger=False, pressed_in_group=False)
    @example(data="ph:1:²", by_stranger=False, pressed_in_group=True)
    @example(data="glang:ar", by_stranger=True, pressed_in_group=True)
    def check(data: str, by_stranger: bool, pressed_in_group: bool) -> None:
        run(press(data, by_stranger, pressed_in_group))
        pressed.append(data)

    pressed: list[str] = []
    await asyncio.to_thread(check)
    assert len(pressed) >= 40
