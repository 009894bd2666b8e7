"""Messages about a pitch, both ways: long texts arrive whole (in parts), the writer is told
the truth about delivery, and a reply to a card is understood even before its record is
written."""

from __future__ import annotations

import pytest

from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from storage.models import Pitch
from tests.card_steps import (
    ADMIN_ID,
    FIRST_COORDINATOR_ID,
    card_in,
    eventually,
    forget_record,
    fresh_pitch,
    history_kinds,
    pitch_now,
    recorded,
    soder_coordinators,
    started,
)
from tests.conftest import RunningBot
from tests.journeys import translator

RESIDENT_ID = 5400
SV = translator("sv")
# A long text with characters that HTML escaping makes longer.
LONG = ("Vi behöver <ett rum> & tid för läxor. " * 120)[:4096]
CAPTION = ("Vårt rum & <bord>. " * 60)[:1024]


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


def words(text: str) -> str:
    return " ".join(text.split())


def plain(messages: list[SentMessage]) -> str:
    return words(" ".join(m.plain_text or "" for m in messages))


async def _setting(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> tuple[FakeUser, FakeUser, Pitch, SentMessage]:
    """A coordinator with a fresh pitch's card; the resident writes in Swedish."""
    _admin, (coordinator,) = await soder_coordinators(emulator, FIRST_COORDINATOR_ID)
    resident = await started(emulator, RESIDENT_ID, "Samira", "sv")
    pitch = await fresh_pitch(running_bot, resident.id, "Läxhjälp i Nydala")
    _body, control = await card_in(coordinator)
    await eventually(lambda: recorded(running_bot, control))
    return coordinator, resident, pitch, control


async def _question(
    coordinator: FakeUser, resident: FakeUser, control: SentMessage, text: str
) -> SentMessage:
    """The coordinator asks through the prompt; the prompt itself."""
    await coordinator.press("❓ Ask for more info", control)
    prompt = await coordinator.next_message()
    await coordinator.send(text, reply_to=prompt)
    return prompt


async def test_a_long_answer_reaches_the_incubator_whole(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    coordinator, resident, pitch, control = await _setting(emulator, running_bot)
    await _question(coordinator, resident, control, "Hur många barn?")
    assert (await coordinator.next_message()).text == "✓ Sent to the resident."
    question = await resident.next_message()

    await resident.send(LONG, reply_to=question)
    thanks = await resident.next_message()
    assert thanks.text == SV("✓ Sent. The incubator will answer you here.")
    parts = [m for m in coordinator.unread if m.method == "sendMessage"]
    assert len(parts) >= 2
    assert parts[0].reply_to_message_id == control.message_id
    assert all(len(m.plain_text or "") <= 4096 for m in parts)
    header = f"💬 The resident answers about {pitch.reference}:"
    assert plain(parts) == words(f"{header} {LONG}")
    for part in parts:  # a reply to any part finds the pitch
        await eventually(lambda part=part: recorded(running_bot, part))


async def test_an_answer_that_cannot_be_passed_on_is_saved_and_the_resident_told(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    coordinator, resident, pitch, control = await _setting(emulator, running_bot)
    await _question(coordinator, resident, control, "Hur många barn?")
    await coordinator.next_message()
    question = await resident.next_message()

    emulator.inject_error("sendMessage", 400, chat_id=coordinator.id, times=None)
    await resident.send("Tolv barn, tisdagar.", reply_to=question)
    told = await resident.next_message()
    emulator.clear_faults()
    assert told.text == SV(
        "I couldn't pass it on right now. Your message is saved, and the incubator can read it."
    )
    assert await history_kinds(running_bot, pitch.id) == ["ask", "reply"]  # type: ignore[arg-type]
    assert (await pitch_now(running_bot, pitch.id)).status == "in_review"  # type: ignore[arg-type]


async def test_a_long_question_reaches_the_resident_whole(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    coordinator, resident, pitch, control = await _setting(emulator, running_bot)
    await _question(coordinator, resident, control, LONG)
    assert (await coordinator.next_message()).text == "✓ Sent to the resident."
    parts = resident.unread
    assert len(parts) >= 2
    assert all(len(m.plain_text or "") <= 4096 for m in parts)
    assert parts[-1].button_labels == [SV("↩️ Reply")]
    assert words(LONG) in plain(parts)
    assert (await pitch_now(running_bot, pitch.id)).status == "needs_info"  # type: ignore[arg-type]


async def test_a_question_to_a_resident_out_of_reach_is_saved_and_said_so(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    coordinator, resident, pitch, control = await _setting(emulator, running_bot)
    await resident.block_bot()
    await _question(coordinator, resident, control, "Hur många barn?")
    answer = await coordinator.next_message()
    assert answer.text == (
        "Saved in the pitch's history, but the resident can't be reached in Telegram right now."
    )
    assert (await pitch_now(running_bot, pitch.id)).status == "needs_info"  # type: ignore[arg-type]
    assert await history_kinds(running_bot, pitch.id) == ["ask"]  # type: ignore[arg-type]

    # A decision by button is answered as truthfully.
    await coordinator.wait_for(lambda: "Needs more information" in (control.text or ""))
    taken = await coordinator.press("🙋 Take it", control)
    assert taken.text == "Done, but the resident can't be reached in Telegram right now."
    assert await history_kinds(running_bot, pitch.id) == ["ask", "take"]  # type: ignore[arg-type]


async def test_long_captions_pass_both_ways(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    coordinator, resident, pitch, control = await _setting(emulator, running_bot)
    await coordinator.send_photo(caption=CAPTION, reply_to=control)
    assert (await coordinator.next_message()).text == "✓ Sent to the resident."
    header, photo = resident.unread
    assert pitch.reference in (header.text or "")
    assert photo.method == "copyMessage" and words(photo.plain_text or "") == words(CAPTION)

    await resident.send_photo(caption="Vårt rum", reply_to=photo)
    await resident.next_messages(3)  # the header, the photo and "sent"
    relayed = await coordinator.next_message()
    assert relayed.method == "copyMessage"
    assert relayed.plain_text == f"💬 The resident answers about {pitch.reference}:\n\nVårt rum"


async def test_a_reply_to_a_card_not_yet_recorded_still_reaches_the_resident(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    coordinator, resident, pitch, control = await _setting(emulator, running_bot)
    await forget_record(running_bot, control)
    await coordinator.send_voice(reply_to=control)
    assert (await coordinator.next_message()).text == "✓ Sent to the resident."
    voice = await resident.next_message()
    assert voice.method == "copyMessage" and pitch.reference in (voice.text or "")

    # The resident's answer to a message whose record is late comes back too.
    await forget_record(running_bot, voice)
    await resident.send("Tack!", reply_to=voice)
    assert (await resident.next_message()).text == SV(
        "✓ Sent. The incubator will answer you here."
    )
    relayed = await coordinator.next_message()
    assert relayed.text == f"💬 The resident answers about {pitch.reference}:\n\nTack!"


async def test_a_reply_to_a_prompt_not_yet_recorded_is_still_a_question(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    coordinator, _resident, pitch, control = await _setting(emulator, running_bot)
    await coordinator.press("❓ Ask for more info", control)
    prompt = await coordinator.next_message()
    await eventually(lambda: recorded(running_bot, prompt))
    await forget_record(running_bot, prompt)
    await coordinator.send("Hur många barn?", reply_to=prompt)
    assert (await coordinator.next_message()).text == "✓ Sent to the resident."
    assert (await pitch_now(running_bot, pitch.id)).status == "needs_info"  # type: ignore[arg-type]
    assert await history_kinds(running_bot, pitch.id) == ["ask"]  # type: ignore[arg-type]


async def test_a_reply_to_a_list_of_pitches_goes_to_no_resident(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    coordinator, resident, _pitch, _control = await _setting(emulator, running_bot)
    await fresh_pitch(running_bot, resident.id, "Cykelkök")
    await card_in(coordinator)
    await coordinator.send("/inbox")
    listing = await coordinator.next_message()
    await coordinator.send("Hej!", reply_to=listing)
    await coordinator.next_message()  # not understood: the menu
    resident.assert_no_new_message()
