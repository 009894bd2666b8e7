"""Residents pressing at the same moment, through the emulator, on SQLite and PostgreSQL:
exactly the places there are, the rest in line in the order their answers were taken, each
told the truth; a freed place goes to the first in line once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from storage import events as data
from storage.models import OutboxMessage
from tests.conftest import RunningBot
from tests.test_journey_events import create_event, resident

ROUNDS = 10
GOING = (
    "✅ Wonderful, you are on the list for <b>Lärande Lunch: cykelkök</b>. See you there! "
    "Press 📅 Add to calendar to keep the time."
)


TAKEN_OFF = (
    "Thank you for letting us know. I have taken you off the list for "
    "<b>Lärande Lunch: cykelkök</b>, so your place can go to someone else."
)
NOT_COMING = "Thank you for letting us know: you are not coming to <b>Lärande Lunch: cykelkök</b>."


def waiting_text(position: int) -> str:
    return (
        "⏳ <b>Lärande Lunch: cykelkök</b> is full, so I have put you on the waiting list: "
        f"you are number {position}. If a place opens up, it is yours and I will tell you here."
    )


@pytest.fixture
async def five(emulator: TelegramEmulator, running_bot: RunningBot) -> list[FakeUser]:
    return [await resident(emulator, 7600 + n, "en") for n in range(5)]


async def open_cards(people: list[FakeUser], event_id: int) -> list[SentMessage]:
    cards = []
    for person in people:
        await person.send(f"/start event_{event_id}")
        await person.next_message()  # the greeting
        cards.append(await person.next_message())
    return cards


async def press_at_once(people: list[FakeUser], cards: list[SentMessage], label: str) -> None:
    await asyncio.gather(*(p.press(label, message=c) for p, c in zip(people, cards, strict=True)))


@pytest.mark.parametrize("capacity", [1, 2])
async def test_five_pressing_going_at_once_fill_exactly_the_places(
    running_bot: RunningBot, five: list[FakeUser], capacity: int
) -> None:
    for _ in range(ROUNDS):
        event = await create_event(running_bot, capacity=capacity)
        cards = await open_cards(five, event.id)  # type: ignore[arg-type]
        await press_at_once(five, cards, "✅ Going")
        replies = {person.id: (await person.next_message()).text for person in five}

        going = sorted(u for u, text in replies.items() if text == GOING)
        told = {waiting_text(n): n for n in range(1, 6)}
        line = sorted((told[text], u) for u, text in replies.items() if text in told)
        assert len(going) == capacity
        assert [n for n, _ in line] == list(range(1, 6 - capacity))  # each number once
        async with running_bot.sessionmaker() as session:
            stored = [r.user_id for r in await data.waiting_list(session, event.id)]  # type: ignore[arg-type]
            people = await data.rsvp_people(session, event.id, ["going"])  # type: ignore[arg-type]
        assert stored == [u for _, u in line]  # the line is what each was told
        assert [u for u, _ in people] == going
        for person, card in zip(five, cards, strict=True):
            mark = "✅ Going ✓" if person.id in going else "⏳ On the waiting list ✓"
            assert card.button_labels[0] == mark


async def test_two_leaving_at_once_give_their_places_to_the_first_two_once(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    for round_ in range(ROUNDS):
        # New people each round: the notices of one round do not mix with the next.
        five = [
            emulator.user(7700 + 10 * round_ + n, "Resident", language_code="en") for n in range(5)
        ]
        first, second, *waiting = five
        event = await create_event(running_bot, capacity=2)
        cards = await open_cards(five, event.id)  # type: ignore[arg-type]
        for person, card in zip(five, cards, strict=True):
            await person.press(card.button_labels[0], message=card)
            await person.next_message()
        # Both leave at the same moment, and the first presses twice.
        await press_at_once([first, second, first], [cards[0], cards[1], cards[0]], "❌ Not going")
        assert sorted(m.text or "" for m in await first.next_messages(2)) == [
            TAKEN_OFF,
            NOT_COMING,
        ]
        assert (await second.next_message()).text == TAKEN_OFF

        async with running_bot.sessionmaker() as session:
            stored = [r.user_id for r in await data.waiting_list(session, event.id)]  # type: ignore[arg-type]
            people = await data.rsvp_people(session, event.id, ["going"])  # type: ignore[arg-type]
            notices = await session.execute(
                select(OutboxMessage.chat_id).where(
                    OutboxMessage.dedupe_key.like(f"event:{event.id}:promoted:%")  # type: ignore[union-attr]
                )
            )
        assert stored == [waiting[2].id]
        assert [u for u, _ in people] == [waiting[0].id, waiting[1].id]
        assert sorted(notices.scalars()) == [waiting[0].id, waiting[1].id]  # once each
