"""Two coordinators act on one card at the same moment: exactly one decision is recorded, the
resident hears of it once, and the other coordinator sees the card as it is now."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlalchemy import select

from playground.emulator import CallbackAnswer, FakeUser, SentMessage, TelegramEmulator
from storage.models import PitchEvent
from tests.card_steps import (
    ADMIN_ID,
    FIRST_COORDINATOR_ID,
    SECOND_COORDINATOR_ID,
    card_in,
    fresh_pitch,
    history_kinds,
    pitch_audits,
    pitch_now,
    soder_coordinators,
    started,
)
from tests.conftest import RunningBot
from tests.journeys import translator

ROUNDS = 10
CHANGED = "This card had changed; here it is as it is now."
STATUS_LINES = {
    "in_review": "Status: In review",
    "accepted": "Status: Accepted",
    "declined": "Status: Not taken forward",
    "received": "Status: Received",
}


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


async def _decline_press(person: FakeUser, control: SentMessage) -> CallbackAnswer:
    """'Not taken forward' opened the reasons; the template reason is pressed."""
    return await person.press("We don't have the capacity to take it on right now.", control)


async def _press_at_once(
    round_number: int,
    first: FakeUser,
    first_card: SentMessage,
    second: FakeUser,
    second_card: SentMessage,
) -> list[CallbackAnswer]:
    """Take/Take, Accept/Not taken forward, Take/Move, in turn."""
    kind = round_number % 3
    if kind == 0:
        presses = [first.press("🙋 Take it", first_card), second.press("🙋 Take it", second_card)]
    elif kind == 1:
        await second.press("🚫 Not taken forward", second_card)
        await second.wait_for(lambda: "✍️ Write a reason" in second_card.button_labels)
        presses = [first.press("✅ Accept", first_card), _decline_press(second, second_card)]
    else:
        await second.press("🔀 Move to another incubator", second_card)
        await second.wait_for(lambda: "⬅️ Back" in second_card.button_labels)
        presses = [
            first.press("🙋 Take it", first_card),
            second.press("Malmö Together – city-wide", second_card),
        ]
    return list(await asyncio.gather(*presses))


async def test_two_decisions_at_once_exactly_one_goes_through(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    admin, (first, second) = await soder_coordinators(
        emulator, FIRST_COORDINATOR_ID, SECOND_COORDINATOR_ID
    )
    resident = await started(emulator, 5300, "Samira", "sv")
    for round_number in range(ROUNDS):
        pitch = await fresh_pitch(running_bot, resident.id, f"Läxhjälp {round_number}")
        _body, first_card = await card_in(first)
        _body, second_card = await card_in(second)

        answers = await _press_at_once(round_number, first, first_card, second, second_card)

        texts = sorted(answer.text or "" for answer in answers)
        assert texts == sorted(["Done.", CHANGED]), (round_number, texts)
        kinds = await history_kinds(running_bot, pitch.id)  # type: ignore[arg-type]
        assert len(kinds) == 1, (round_number, kinds)
        assert await pitch_audits(running_bot, pitch.reference) == [f"pitch_{kinds[0]}"]
        # Every handler answers its press after its notices: the resident's are all sent.
        told = [m for m in resident.unread if pitch.reference in (m.text or "")]
        assert len(told) == 1, (round_number, [m.text for m in told])
        resident.mark_all_read()

        after = await pitch_now(running_bot, pitch.id)  # type: ignore[arg-type]
        if after.incubator_code == "citywide":
            admin.mark_all_read()  # the moved pitch's card, brought to the admin
            # Neither coordinator of Söder may act on it any more: no buttons left.
            for card in (first_card, second_card):
                await emulator.wait_for(lambda card=card: not card.button_labels)
                assert "Malmö Together – city-wide" in (card.text or "")
            continue
        line = STATUS_LINES[after.status]
        for card in (first_card, second_card):
            await emulator.wait_for(lambda card=card, line=line: line in (card.text or ""))


async def test_an_answer_and_a_decision_at_once_keep_the_history_whole(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    """The resident answers a question (which puts the pitch back in review) just as a
    coordinator accepts it: whichever comes first, the other applies to what it left."""
    _admin, (coordinator,) = await soder_coordinators(emulator, FIRST_COORDINATOR_ID)
    resident = await started(emulator, 5301, "Samira", "sv")
    passed_on = translator("sv")("✓ Sent. The incubator will answer you here.")
    for round_number in range(ROUNDS // 2):
        pitch = await fresh_pitch(running_bot, resident.id, f"Cykelkök {round_number}")
        _body, card = await card_in(coordinator)
        await coordinator.press("❓ Ask for more info", card)
        prompt = await coordinator.next_message()
        await coordinator.send("Hur många?", reply_to=prompt)
        await coordinator.next_message()  # sent
        question = resident.unread[-1]
        resident.mark_all_read()
        await emulator.wait_for(lambda card=card: "Needs more information" in (card.text or ""))

        pressed, _sent = await asyncio.gather(
            coordinator.press("✅ Accept", card), resident.send("Tolv.", reply_to=question)
        )
        assert pressed.text in {"Done.", CHANGED}
        await emulator.wait_for(lambda: any(m.text == passed_on for m in resident.unread))

        async with running_bot.sessionmaker() as session:
            events = (
                (
                    await session.execute(
                        select(PitchEvent)
                        .where(PitchEvent.pitch_id == pitch.id)
                        .order_by(PitchEvent.id)  # type: ignore[arg-type]
                    )
                )
                .scalars()
                .all()
            )
        kinds = [event.kind for event in events]
        assert kinds[0] == "ask" and "reply" in kinds, (round_number, kinds)
        for before, after in itertools.pairwise(events):
            assert after.from_status == before.to_status, (round_number, kinds)
        final = await pitch_now(running_bot, pitch.id)  # type: ignore[arg-type]
        assert final.status == events[-1].to_status
        # Both handlers are done: the press was answered after its notices, and the answer
        # was confirmed to the resident after it was passed on.
        resident.mark_all_read()
        coordinator.mark_all_read()
