"""What staff type and press, read strictly: odd numbers after commands and as places, forged
buttons, links with quotes, and titles with nothing visible. Each gets a kind answer, nothing
is stored, and no handler fails."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import jobs
from core.event_fields import CAPACITY_LIMIT
from playground.emulator import TelegramEmulator
from storage import events as event_data
from storage.models import Event, utcnow
from tests.conftest import RunningBot
from tests.event_admin_journeys import (
    SV,
    all_events,
    coordinator,
    errors_logged,
    in_days,
    published_event,
    stored_event,
    walk_to_capacity,
)
from tests.journeys import answer, press
from tests.test_journey_event_admin import subscriber

COORDINATOR = 9300
CAPACITY_PROBLEM = SV(
    "Please write the number of places as a whole number from 1 to {limit}, "
    "or skip if there is no limit."
).format(limit=CAPACITY_LIMIT)
LINK_PROBLEM = SV(
    "That doesn't look like a web link. Please send a full link starting with "
    "https://, or skip this."
)
HUGE = "1" * 25


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"announcement_chat_id": -100778}


async def test_odd_numbers_after_the_commands_get_a_one_line_hint(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    user = await coordinator(emulator, running_bot, COORDINATOR, "soder")
    await published_event(running_bot)
    before = await all_events(running_bot)
    edit_hint = SV("Please add the event's number, e.g. /editevent 12.")
    cancel_hint = SV("Please add the event's number, e.g. /cancelevent 12.")
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        for argument in ("²", HUGE, "-1", "0", "١", "1.0", "1 2", "#", ""):
            assert (await answer(user, f"/editevent {argument}")).text == edit_hint
            assert (await answer(user, f"/cancelevent {argument}")).text == cancel_hint
    assert errors_logged(caplog) == []
    assert await all_events(running_bot) == before


async def test_odd_numbers_of_places_are_asked_again_in_the_wizard_and_the_edit(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    user = await coordinator(emulator, running_bot, COORDINATOR, "soder")
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        question = await walk_to_capacity(user)
        for typed in ("²", HUGE, "١٢", "-5", "0", "12 people", "10001"):
            assert (await answer(user, typed)).text == CAPACITY_PROBLEM
            assert (await user.next_message()).text == question.text
        link_question = await answer(user, "25")
        assert link_question.text is not None and "https://" in link_question.text

        event = await published_event(running_bot, capacity=10)
        fields = await answer(user, f"/editevent {event.id}")
        places = await press(user, SV("Places"), fields)
        for typed in ("²", HUGE):
            assert (await answer(user, typed)).text == CAPACITY_PROBLEM
            assert (await user.next_message()).text == places.text
        assert (await stored_event(running_bot, event.id)).capacity == 10
        changed = await answer(user, "40")
        assert changed.text == SV("✓ Changed (event {id}).").format(id=event.id)
    assert (await stored_event(running_bot, event.id)).capacity == 40
    assert errors_logged(caplog) == []


async def test_forged_cancel_buttons_are_no_longer_valid(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    user = await coordinator(emulator, running_bot, COORDINATOR, "soder")
    event = await published_event(running_bot)
    question = await answer(user, f"/cancelevent {event.id}")
    forged = [
        "eva:cancel_event:yes:².1",
        f"eva:cancel_event:yes:{HUGE}.1",
        f"eva:cancel_event:yes:{event.id}.{HUGE}",
        f"evc:yes:{HUGE}:1",
        f"evc:yes:{event.id}:{HUGE}",
        f"evc:yes:{event.id}:-1",
        "evc:yes:²:1",
        f"evc:maybe:{event.id}:1",
        f"evc:yes:{event.id}",
    ]
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        for data in forged:
            pressed = await user.press_data(data, message=question)
            assert pressed.text == SV("This button is no longer valid."), data
    assert errors_logged(caplog) == []
    assert (await stored_event(running_bot, event.id)).status == "published"


async def test_a_link_with_quotes_is_refused_when_typed(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    user = await coordinator(emulator, running_bot, COORDINATOR, "soder")
    await subscriber(running_bot, 5301, "en", {"lecture"}, set())
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        question = await walk_to_capacity(user)
        link_question = await press(user, SV("Skip ➡️"), question)
        for typed in (
            'https://malmo.se/anmal?namn="Ada"',
            "https://malmo.se/anmal?<b>",
            "https://malmo.se/an mal",
            "malmo.se/anmal",
            "javascript:alert(1)",
            "https://" + "a" * 500 + ".se",
        ):
            assert (await answer(user, typed)).text == LINK_PROBLEM
            assert (await user.next_message()).text == link_question.text
        preview = await answer(user, "https://malmo.se/anmal?a=1&b=2")
        assert '<a href="https://malmo.se/anmal?a=1&amp;b=2">' in (preview.text or "")
        await press(user, SV("✅ Publish now"), preview)
    announcement = await emulator.user(5301).next_message()
    links = [e["url"] for e in announcement.entities if e["type"] == "text_link"]
    assert links == ["https://malmo.se/anmal?a=1&b=2"]

    async with running_bot.sessionmaker() as session:
        event = (await session.execute(select(Event))).scalar_one()
    fields = await answer(user, f"/editevent {event.id}")
    link_question = await press(user, SV("Sign-up link"), fields)
    assert (await answer(user, 'https://malmo.se/"x"')).text == LINK_PROBLEM
    assert (await user.next_message()).text == link_question.text
    assert (await stored_event(running_bot, event.id)).signup_url == (
        "https://malmo.se/anmal?a=1&b=2"
    )
    assert errors_logged(caplog) == []


async def test_a_stored_link_with_quotes_reaches_every_subscriber_safely(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    """A link stored before links were checked: announced, it must not break the message."""
    await subscriber(running_bot, 5302, "sv", {"lunch_learn"}, set())
    _typed, starts_at = in_days(8, 12)
    async with running_bot.sessionmaker() as session:
        event = await event_data.add_event(
            session,
            Event(
                kind="lunch_learn",
                titles={"sv": "Lunch & lärande"},
                default_locale="sv",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=1),
                place="Nydala",
                signup_url='https://malmo.se/anmal?namn="Ada"&plats=<1>',
                status="scheduled",
                publish_at=utcnow(),
                created_at=utcnow(),
                updated_at=utcnow(),
            ),
        )
        await session.commit()
    running_bot.bind_jobs()
    assert await jobs.publish_event(event.id, event.version, now=utcnow()) == 2
    safe = 'https://malmo.se/anmal?namn="Ada"&plats=<1>'  # one link, escaped in the HTML
    resident = await emulator.user(5302).next_message()
    channel = (await emulator.wait_for(lambda: emulator.messages_to(-100778)))[0]
    for message in (resident, channel):
        assert [e["url"] for e in message.entities if e["type"] == "text_link"] == [safe]
    assert emulator.failed_calls == []


@pytest.mark.parametrize("typed", [" \u00a0 ", "\u200b", "\u00a0\u2060\u3164", "\u200f\u200e"])
async def test_a_title_of_nothing_visible_is_refused_in_the_wizard_and_the_edit(
    emulator: TelegramEmulator, running_bot: RunningBot, typed: str
) -> None:
    user = await coordinator(emulator, running_bot, COORDINATOR, "soder")
    problem = SV("Please write the title in words.")
    kinds = await answer(user, "/newevent")
    title_question = await press(user, "💡 " + SV("Inspirational lecture"), kinds)
    assert (await answer(user, typed)).text == problem
    assert (await user.next_message()).text == title_question.text

    event = await published_event(running_bot)
    fields = await answer(user, f"/editevent {event.id}")
    title_question = await press(user, SV("Title"), fields)
    assert (await answer(user, typed)).text == problem
    assert (await user.next_message()).text == title_question.text
    kept = await stored_event(running_bot, event.id)
    assert (kept.titles, kept.version) == (event.titles, event.version)
