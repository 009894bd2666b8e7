"""Roles and coordinator chats: odd input is answered with a hint and changes nothing, every
command checks the right on the object and on what it belongs to, refusals are audited."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete

from playground.emulator import TelegramEmulator
from storage.models import IncubatorChat, PromotedAdmin, utcnow
from tests.conftest import RunningBot
from tests.journeys import answer
from tests.staff_steps import (
    ADMIN_ID,
    CANNOT,
    INVALID_BUTTON,
    bind,
    coordinator_of,
    errors_logged,
    pitch_for,
    refusals,
    roles_and_bindings,
    started,
)

SODER_ID = 9100
VASTER_ID = 9200
STRANGER_ID = 9300
GROUP_ID = -100700
NINES = "9" * 25

ADD_ADMIN_HINT = "Reply to the person's message or add their numeric id, e.g. /addadmin 12345."
REMOVE_ADMIN_HINT = (
    "Reply to the person's message or add their numeric id, e.g. /removeadmin 12345."
)
ADD_COORDINATOR_HINT = (
    "Write the incubator's code, e.g. /addcoordinator soder, and reply to a message of the "
    "person, add their numeric id, or share their contact afterwards."
)
REMOVE_COORDINATOR_HINT = (
    "Write the incubator's code and reply to the person's message or add their id, e.g. "
    "/removecoordinator soder 12345."
)
NOT_THEIR_INCUBATOR = "Only admins and this incubator's coordinators can do that."
BOUND_ELSEWHERE = (
    "This group is the chat of another incubator. Only admins and that incubator's "
    "coordinators can change that."
)
BOUND_TO_SODER = (
    "This group is now the coordinator chat of Söder incubator. New pitches for it will come here."
)
BOUND_TO_VASTER = (
    "This group is now the coordinator chat of Väster incubator. New pitches for it will "
    "come here."
)


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


async def test_odd_numbers_and_codes_get_a_hint_and_change_nothing(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    before = await roles_and_bindings(running_bot)
    hints = {
        f"/addadmin {NINES}": ADD_ADMIN_HINT,
        "/addadmin ²": ADD_ADMIN_HINT,
        "/addadmin ١٢٣": ADD_ADMIN_HINT,
        "/addadmin -5": ADD_ADMIN_HINT,
        "/addadmin 0": ADD_ADMIN_HINT,
        "/addadmin 12 34": ADD_ADMIN_HINT,
        f"/removeadmin {NINES}": REMOVE_ADMIN_HINT,
        "/removeadmin ²": REMOVE_ADMIN_HINT,
        "/addcoordinator soder ²": ADD_COORDINATOR_HINT,
        f"/addcoordinator soder {NINES}": ADD_COORDINATOR_HINT,
        "/addcoordinator ² 12345": ADD_COORDINATOR_HINT,
        "/addcoordinator soder 12345 6789": ADD_COORDINATOR_HINT,
        "/removecoordinator soder ²": REMOVE_COORDINATOR_HINT,
        f"/removecoordinator soder {NINES}": REMOVE_COORDINATOR_HINT,
        "/removecoordinator soder": REMOVE_COORDINATOR_HINT,
        "/coordinators ²": "I don't know that incubator. See /incubators for the codes.",
    }
    for command, hint in hints.items():
        assert (await answer(admin, command)).text == hint, command
    # No conversation was started: a number sent now is not taken as a new coordinator.
    after_number = await answer(admin, "12345")
    assert (
        after_number.text == "Sorry, I didn't understand that. Please choose from the menu below."
    )
    assert await roles_and_bindings(running_bot) == before
    assert errors_logged(caplog) == []


async def test_the_contact_step_reads_only_real_ids_and_loses_nothing(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    await answer(admin, "/addcoordinator soder")
    unreadable = (
        "I can't read that as a Telegram id. Share the person's contact (📎 → Contact), or "
        "send their id in digits, e.g. 12345."
    )
    for text in ("²", "١٢٣٤", NINES, "-7", "0"):
        assert (await answer(admin, text)).text == unreadable, text
    assert (await roles_and_bindings(running_bot))["coordinators"] == []
    await admin.share_contact("+46700000001", first_name="Vera", user_id=9301)
    added = await admin.next_message()
    assert "tg://user?id=9301" in (added.text or "")
    assert (await roles_and_bindings(running_bot))["coordinators"] == [("soder", 9301)]
    assert errors_logged(caplog) == []


async def test_forged_inbox_buttons_are_answered_everywhere(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    inbox = await answer(admin, "/inbox")
    group = emulator.group(GROUP_ID, title="Söder")
    assert await bind(group, admin, "soder") == BOUND_TO_SODER
    for data in (f"ib:open:{NINES}", "ib:open:-1", "ib:bogus:0", "ib:open:²", "ib:received"):
        assert (await admin.press_data(data, message=inbox)).text == INVALID_BUTTON, data
        pressed = await group.press_data(admin, data, message=group.last_message)
        assert pressed.text == INVALID_BUTTON, data
    assert errors_logged(caplog) == []


async def test_a_coordinator_cannot_take_another_incubators_group(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    soder = await coordinator_of(emulator, admin, SODER_ID, "Sara", "soder")
    group = emulator.group(GROUP_ID, title="Väster – samordnare")
    assert await bind(group, admin, "vaster") == BOUND_TO_VASTER
    await group.send(admin, "/language")
    choice = await group.next_message()

    assert await bind(group, soder, "soder") == BOUND_ELSEWHERE
    await group.send(soder, "/unbindchat")
    assert (await group.next_message()).text == NOT_THEIR_INCUBATOR
    await group.send(soder, "/language")
    assert (await group.next_message()).text == NOT_THEIR_INCUBATOR
    pressed = await group.press(soder, "English", message=choice)
    assert pressed.text == CANNOT
    state = await roles_and_bindings(running_bot)
    assert state["bindings"] == [("vaster", GROUP_ID)]
    assert state["languages"] == []
    attempts = [entry.details.get("attempt") for entry in await refusals(running_bot, SODER_ID)]
    assert attempts == ["bindchat", "unbindchat", "group_language", "group_language"]

    # Söder's next pitch, with the resident's contact details, does not come to this group.
    _resident, reference = await pitch_for(
        emulator, 5301, area="soder", neighbourhood="nydala", title="Läxhjälp"
    )
    body, _control = await soder.next_messages(2)
    assert reference in (body.text or "")
    assert all(reference not in (message.text or "") for message in group.messages)

    # Someone with the right on both incubators may move the group over.
    both = await coordinator_of(emulator, admin, VASTER_ID, "Vide", "vaster", "soder")
    assert await bind(group, both, "soder") == BOUND_TO_SODER
    assert (await roles_and_bindings(running_bot))["bindings"] == [("soder", GROUP_ID)]
    assert errors_logged(caplog) == []


async def test_group_language_buttons_answer_people_without_the_right(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    stranger = emulator.user(STRANGER_ID, first_name="Sam", language_code="en")
    group = emulator.group(GROUP_ID, title="Söder")
    assert await bind(group, admin, "soder") == BOUND_TO_SODER
    await group.send(admin, "/language")
    choice = await group.next_message()

    assert (await group.press(stranger, "English", message=choice)).text == CANNOT
    assert (await group.press_data(stranger, "glang:xx", message=choice)).text == INVALID_BUTTON
    assert choice.edit_count == 0
    assert (await roles_and_bindings(running_bot))["languages"] == []
    assert [e.subject for e in await refusals(running_bot, STRANGER_ID)] == [f"chat:{GROUP_ID}"]

    await group.press(admin, "English", message=choice)
    await group.wait_for(lambda: choice.edit_count == 1)
    assert (await roles_and_bindings(running_bot))["languages"] == [(GROUP_ID, "en")]
    # Forged into a private chat, the group button sets nothing.
    forged = await admin.press_data("glang:ar", message=admin.last_message)
    assert forged.text == INVALID_BUTTON
    assert (await roles_and_bindings(running_bot))["languages"] == [(GROUP_ID, "en")]
    assert errors_logged(caplog) == []


async def test_coordinators_manage_only_their_own_incubators(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    soder = await coordinator_of(emulator, admin, SODER_ID, "Sara", "soder")
    await coordinator_of(emulator, admin, VASTER_ID, "Vide", "vaster")
    before = await roles_and_bindings(running_bot)

    for command in (
        f"/addcoordinator vaster {STRANGER_ID}",
        "/addcoordinator vaster",  # refused before asking for a contact
        f"/removecoordinator vaster {VASTER_ID}",
        "/coordinators vaster",
    ):
        assert (await answer(soder, command)).text == NOT_THEIR_INCUBATOR, command
    nothing_asked = await answer(soder, "12345")
    assert (
        nothing_asked.text == "Sorry, I didn't understand that. Please choose from the menu below."
    )
    assert await roles_and_bindings(running_bot) == before
    assert len(await refusals(running_bot, SODER_ID)) == 4

    # Their own incubator, they may.
    added = await answer(soder, f"/addcoordinator soder {STRANGER_ID}")
    assert f"tg://user?id={STRANGER_ID}" in (added.text or "")
    # In private, a group-only command gets a pointer, not "for coordinators only".
    assert (await answer(soder, "/bindchat soder")).text == (
        "Send /bindchat in the group that should get the incubator's pitches."
    )
    assert errors_logged(caplog) == []


async def test_admins_configured_or_last_stay(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    promoted = await started(emulator, SODER_ID, "Pia")
    await answer(admin, f"/addadmin {SODER_ID}")
    configured = await answer(promoted, f"/removeadmin {ADMIN_ID}")
    assert "ADMIN_IDS" in (configured.text or "")
    not_admin = await answer(promoted, f"/removeadmin {STRANGER_ID}")
    assert not_admin.text == "That person is not an admin."
    assert (await roles_and_bindings(running_bot))["admins"] == [(SODER_ID,)]
    assert [e.details["reason"] for e in await refusals(running_bot, SODER_ID)] == [
        "configured_admin"
    ]
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("bot_overrides", [{"admin_ids": []}])
async def test_two_admins_removing_each_other_at_once_leave_one(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    first = await started(emulator, ADMIN_ID, "Alma")
    second = await started(emulator, SODER_ID, "Pia")
    async with running_bot.sessionmaker() as session:
        session.add(PromotedAdmin(user_id=ADMIN_ID, granted_at=utcnow()))
        await session.commit()
    for _round in range(6):
        [(admin_id,)] = (await roles_and_bindings(running_bot))["admins"]  # type: ignore[misc]
        survivor, other = (first, second) if admin_id == ADMIN_ID else (second, first)
        promoted = await answer(survivor, f"/addadmin {other.id}")
        assert "is now an admin" in (promoted.text or "")
        await asyncio.gather(
            first.send(f"/removeadmin {SODER_ID}"), second.send(f"/removeadmin {ADMIN_ID}")
        )
        texts = [(await first.next_message()).text, (await second.next_message()).text]
        assert sum("is no longer an admin" in (text or "") for text in texts) == 1, texts
        assert len((await roles_and_bindings(running_bot))["admins"]) == 1  # type: ignore[arg-type]
    assert errors_logged(caplog) == []


async def test_two_coordinators_binding_one_group_at_once(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    soder = await coordinator_of(emulator, admin, SODER_ID, "Sara", "soder")
    vaster = await coordinator_of(emulator, admin, VASTER_ID, "Vide", "vaster")
    group = emulator.group(GROUP_ID, title="Samordnare")
    for _round in range(6):
        await asyncio.gather(
            group.send(soder, "/bindchat soder"), group.send(vaster, "/bindchat vaster")
        )
        texts = sorted((message.text or "") for message in await group.next_messages(2))
        bindings = (await roles_and_bindings(running_bot))["bindings"]
        if texts == sorted([BOUND_TO_SODER, BOUND_ELSEWHERE]):
            assert bindings == [("soder", GROUP_ID)]
        else:
            assert texts == sorted([BOUND_TO_VASTER, BOUND_ELSEWHERE]), texts
            assert bindings == [("vaster", GROUP_ID)]
        async with running_bot.sessionmaker() as session:
            await session.execute(delete(IncubatorChat))
            await session.commit()
    assert errors_logged(caplog) == []


async def test_every_button_press_in_a_group_is_answered(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Data no router reads (another prefix, a forged field) is answered quietly in a group:
    the presser's client stops spinning and the group gets no message."""
    admin = await started(emulator, ADMIN_ID, "Alma")
    stranger = emulator.user(STRANGER_ID, first_name="Sam", language_code="en")
    group = emulator.group(GROUP_ID, title="Söder")
    assert await bind(group, admin, "soder") == BOUND_TO_SODER
    await group.send(admin, "/language")
    choice = await group.next_message()
    group.mark_all_read()
    for data in ("zz:1", "ev:going:²:1", "c:take:" + "9" * 25 + ":received:", "m:pitch", "p"):
        for presser in (admin, stranger):
            answer = await group.press_data(presser, data, message=choice)
            assert answer.text == INVALID_BUTTON, data
    group.assert_no_new_message()
    assert errors_logged(caplog) == []
