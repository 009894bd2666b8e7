"""The coordinators' desk: a pitch's whole history in pages, rights asked again on every
page, and groups that see only their own incubator's pitches."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from playground.emulator import FakeGroup, FakeUser, SentMessage, TelegramEmulator
from storage.models import Pitch, PitchEvent, utcnow
from tests.conftest import RunningBot
from tests.journeys import answer, translator
from tests.staff_steps import (
    ADMIN_ID,
    CANNOT,
    INVALID_BUTTON,
    bind,
    coordinator_of,
    errors_logged,
    pitch_for,
    refusals,
    remembered,
    started,
)

SODER_ID = 9100
STRANGER_ID = 9300
GROUP_ID = -100800
OTHER_GROUP_ID = -100900
WORD = re.compile(r"w\d{4}")


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


async def english_group(emulator: TelegramEmulator, admin: FakeUser, code: str) -> FakeGroup:
    group = emulator.group(GROUP_ID, title="Samordnare")
    assert "now the coordinator chat" in await bind(group, admin, code)
    await group.send(admin, "/language")
    choice = await group.next_message()
    await group.press(admin, "English", message=choice)
    await group.wait_for(lambda: choice.edit_count == 1)
    return group


async def resident_answers(resident: FakeUser, question: SentMessage, text: str) -> None:
    """The resident presses Reply under the question and writes `text`."""
    await resident.press(translator("en")("↩️ Reply"), message=question)
    await resident.next_message()  # "write your answer"
    await resident.send(text)
    thanks = await resident.next_message()
    assert thanks.text == translator("en")("✓ Sent. The incubator will answer you here.")


async def open_history(chat: FakeUser | FakeGroup, who: FakeUser, reference: str) -> SentMessage:
    """/pitch <reference>: the card's body, the history's first page, the status line."""
    if isinstance(chat, FakeGroup):
        await chat.send(who, f"/pitch {reference}")
    else:
        await chat.send(f"/pitch {reference}")
    body = await chat.next_message()
    assert reference in (body.text or "")
    history, control = await chat.next_messages(2)
    assert (history.text or "").startswith("<b>History</b>")
    assert (control.text or "").startswith(f"📌 <b>{reference}</b>")
    return history


async def every_page(user: FakeUser, history: SentMessage) -> list[str]:
    """Press ▶️ until the last page; the text of each page as Telegram shows it."""
    pages = [history.plain_text or ""]
    while "▶️" in history.button_labels:
        edits = history.edit_count
        await user.press("▶️", message=history)
        await user.wait_for(lambda: history.edit_count > edits)  # noqa: B023
        pages.append(history.plain_text or "")
    return pages


async def test_a_long_history_is_readable_in_full_page_by_page(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    group = await english_group(emulator, admin, "soder")
    resident, reference = await pitch_for(
        emulator, 5401, area="soder", neighbourhood="nydala", title="Läxhjälp"
    )
    _body, control = await group.next_messages(2)
    await group.press(admin, "❓ Ask for more info", message=control)
    prompt = await group.next_message()
    await remembered(running_bot, GROUP_ID, prompt.message_id)
    await group.send(admin, "Tell us everything, please.", reply_to=prompt)
    await group.next_message()
    question = await resident.next_message()

    words = [f"w{number:04d}" for number in range(1, 700)]
    long_answer = " ".join(
        f"{word} &<>" if number % 50 == 0 else word for number, word in enumerate(words)
    )[:4096]
    expected_words = WORD.findall(long_answer)
    await resident_answers(resident, question, long_answer)
    await resident_answers(resident, question, "é" * 4096)

    history = await open_history(admin, admin, reference)
    pages = await every_page(admin, history)
    assert len(pages) >= 3
    assert all(len(page) <= 4096 for page in pages)
    assert pages[0].startswith(f"History · page 1 of {len(pages)}")
    shown = "\n".join(pages)
    assert WORD.findall(shown) == expected_words
    assert shown.count("&<>") == long_answer.count("&<>")
    assert shown.count("é") == 4096
    assert "Alma wrote to the resident: Tell us everything, please." in shown

    # And back again.
    edits = history.edit_count
    await admin.press("◀️", message=history)
    await admin.wait_for(lambda: history.edit_count > edits)
    assert history.plain_text == pages[-2]
    assert errors_logged(caplog) == []


async def long_history(running_bot: RunningBot, reference: str) -> int:
    """Give the pitch a resident's answer that takes two pages; the pitch's id."""
    async with running_bot.sessionmaker() as session:
        pitch = (
            await session.execute(select(Pitch).where(Pitch.reference == reference))
        ).scalar_one()
        session.add(
            PitchEvent(
                pitch_id=pitch.id,  # type: ignore[arg-type]
                kind="reply",
                from_status="received",
                to_status="received",
                detail="word " * 1500,
                created_at=utcnow(),
            )
        )
        await session.commit()
        return pitch.id  # type: ignore[return-value]


async def move_pitch(running_bot: RunningBot, reference: str, code: str) -> None:
    async with running_bot.sessionmaker() as session:
        pitch = (
            await session.execute(select(Pitch).where(Pitch.reference == reference))
        ).scalar_one()
        pitch.incubator_code = code
        await session.commit()


async def test_every_history_page_asks_again_who_may_see_it(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    soder = await coordinator_of(emulator, admin, SODER_ID, "Sara", "soder")
    group = await english_group(emulator, admin, "soder")
    stranger = emulator.user(STRANGER_ID, first_name="Sam", language_code="en")
    _resident, reference = await pitch_for(
        emulator, 5402, area="soder", neighbourhood="nydala", title="Läxhjälp"
    )
    await group.next_messages(2)
    pitch_id = await long_history(running_bot, reference)

    private = await open_history(soder, soder, reference)
    in_group = await open_history(group, admin, reference)
    assert "▶️" in private.button_labels and "▶️" in in_group.button_labels

    # Someone without a role, pressing in the group (or forging the data elsewhere).
    assert (await group.press(stranger, "▶️", message=in_group)).text == CANNOT
    assert [e.details["attempt"] for e in await refusals(running_bot, STRANGER_ID)] == [
        f"ph:{pitch_id}:1"
    ]
    for forged in ("ph:0:1", f"ph:{'9' * 25}:1", f"ph:{pitch_id}:-1", f"ph:{pitch_id}:²"):
        assert (await soder.press_data(forged, message=private)).text == INVALID_BUTTON

    # The group now serves another incubator: its old history buttons show nothing more.
    assert "now the coordinator chat" in await bind(group, admin, "vaster")
    assert (await group.press(admin, "▶️", message=in_group)).text == CANNOT
    # The pitch moved away from Söder: its coordinator cannot page on.
    await move_pitch(running_bot, reference, "vaster")
    assert (await soder.press("▶️", message=private)).text == CANNOT
    assert private.edit_count == 0 and in_group.edit_count == 0
    assert [e.details["attempt"] for e in await refusals(running_bot, SODER_ID)] == ["history"]
    assert [e.details["attempt"] for e in await refusals(running_bot, ADMIN_ID)] == ["history"]
    # The admin may still read it in private.
    mine = await open_history(admin, admin, reference)
    await admin.press("▶️", message=mine)
    await admin.wait_for(lambda: mine.edit_count == 1)
    assert "word" in (mine.plain_text or "")
    assert errors_logged(caplog) == []


async def test_a_group_sees_only_its_own_incubators_pitches(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    soder = await coordinator_of(emulator, admin, SODER_ID, "Sara", "soder")
    group = await english_group(emulator, admin, "vaster")
    _resident, in_vaster = await pitch_for(
        emulator, 5403, area="vaster", neighbourhood="hyllie", title="Pingis i Hyllie"
    )
    await group.next_messages(2)
    _resident, in_soder = await pitch_for(
        emulator, 5404, area="soder", neighbourhood="nydala", title="Pingis i Nydala"
    )
    await soder.next_messages(2)

    await group.send(admin, "/inbox")
    inbox = await group.next_message()
    assert in_vaster in (inbox.text or "") and in_soder not in (inbox.text or "")
    await group.send(admin, "/find pingis")
    found = await group.next_message()
    assert in_vaster in (found.text or "") and in_soder not in (found.text or "")
    in_private = await answer(admin, "/find pingis")
    assert in_vaster in (in_private.text or "") and in_soder in (in_private.text or "")
    assert (await answer(admin, "/find %")).text == "Nothing found."
    assert (await answer(admin, "/find _")).text == "Nothing found."

    # A coordinator of another incubator, in this group.
    other_group = "This group is another incubator's chat. Ask me in a private chat."
    await group.send(soder, "/inbox")
    assert (await group.next_message()).text == other_group
    await group.send(soder, "/find pingis")
    assert (await group.next_message()).text == other_group
    assert [e.details["attempt"] for e in await refusals(running_bot, SODER_ID)] == [
        "inbox",
        "find",
    ]
    # A group that serves no incubator.
    unbound = emulator.group(OTHER_GROUP_ID, title="Fika")
    await unbound.send(admin, "/inbox")
    assert (await unbound.next_message()).text == (
        "This group is not an incubator's chat. Ask me in a private chat, or bind the group "
        "with /bindchat."
    )
    # The group's inbox buttons ask again too.
    await group.press(admin, "Received", message=inbox)
    await group.wait_for(lambda: inbox.edit_count == 1)
    assert in_soder not in (inbox.text or "")
    assert errors_logged(caplog) == []


async def test_odd_desk_arguments_get_a_hint(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma")
    coordinator = await coordinator_of(emulator, admin, SODER_ID, "Sara", "soder")
    inbox_hint = (
        "Write /inbox, or /inbox and one of: open, received, in_review, needs_info, accepted, "
        "declined."
    )
    for command in ("/inbox bogus", "/inbox open received", "/inbox ²"):
        assert (await answer(admin, command)).text == inbox_hint, command
    pitch_hint = (
        "To open a pitch, write its reference, e.g. /pitch MT-2026-0042. To pitch an idea "
        "yourself, send /pitch alone."
    )
    for command in ("/pitch hello", "/pitch MT-٢٠٢٦-٠٠٠١", f"/pitch MT-2026-{'9' * 30}"):
        assert (await answer(admin, command)).text == pitch_hint, command
    missing = await answer(admin, "/pitch mt-2026-0001")
    assert missing.text == "I can't find a pitch MT-2026-0001 among yours."

    # Someone who lost their role presses an old inbox button.
    inbox = await answer(coordinator, "/inbox")
    await answer(admin, f"/removecoordinator soder {SODER_ID}")
    assert (await coordinator.press("Received", message=inbox)).text == CANNOT
    assert len(await refusals(running_bot, SODER_ID)) == 1
    assert errors_logged(caplog) == []
