"""Who may change and cancel which event, checked when the command is typed and again when
the button is pressed or the value typed; a confirmation from an older version is refused;
two coordinators acting at once change or cancel an event once."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from core.services.roles import Roles
from playground.emulator import TelegramEmulator
from storage import events as event_data
from storage.models import AuditEntry, Campaign, Event, OutboxMessage, utcnow
from tests.conftest import RunningBot
from tests.event_admin_journeys import (
    SV,
    coordinator,
    in_days,
    no_longer_coordinator,
    published_event,
    stored_event,
)
from tests.journeys import answer, press
from tests.test_journey_event_admin import subscriber

SODER_ID, NORR_ID, SODER_TOO_ID = 9401, 9402, 9403
NOT_YOUR_AREA = SV("You can publish events city-wide and in the areas your incubators serve.")
STALE = SV("The event was changed in the meantime. Please start again.")
GONE = SV("I can't find an event with that number that is still on.")
CANCELLED = SV("❌ Event {id} is cancelled. {count} person is told.").partition("{count}")[0]


async def refusals(running_bot: RunningBot, actor_id: int) -> list[str]:
    async with running_bot.sessionmaker() as session:
        rows = await session.execute(
            select(AuditEntry).where(
                AuditEntry.action == "refused", AuditEntry.actor_id == actor_id
            )
        )
        return [str(row.details.get("attempt")) for row in rows.scalars()]


async def test_commands_refuse_events_of_other_areas_other_people_and_the_past(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    norr = await coordinator(emulator, running_bot, NORR_ID, "norr")
    soder = await coordinator(emulator, running_bot, SODER_ID, "soder")
    in_soder = await published_event(running_bot, area_code="soder")
    for command in ("editevent", "cancelevent"):
        assert (await answer(norr, f"/{command} {in_soder.id}")).text == NOT_YOUR_AREA
    assert await refusals(running_bot, NORR_ID) == ["event_change:not_your_area"] * 2

    city_wide = await published_event(running_bot, area_code=None)  # by an admin
    refused = await answer(soder, f"/editevent {city_wide.id}")
    assert refused.text == SV(
        "Someone else published this city-wide event. Please ask them or an admin to change it."
    )
    own = await published_event(
        running_bot,
        actor=Roles(user_id=SODER_ID, is_admin=False, incubators=frozenset({"soder"})),
        area_code=None,
    )
    fields = await answer(soder, f"/editevent {own.id}")
    assert SV("Title") in fields.button_labels

    _typed, started = in_days(-1, 18)
    async with running_bot.sessionmaker() as session:
        past = await event_data.get_event(session, in_soder.id or 0)
        assert past is not None
        await event_data.update_event(session, past, now=utcnow(), starts_at=started)
        await session.commit()
    assert (await answer(soder, f"/cancelevent {in_soder.id}")).text == SV(
        "That event has already started, so it can't be changed any more."
    )
    assert (await answer(soder, "/cancelevent 999999")).text == GONE


async def test_the_right_is_checked_again_when_the_button_is_pressed(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    """A coordinator of two incubators opens a cancel and an edit, then leaves Söder."""
    user = await coordinator(emulator, running_bot, SODER_ID, "soder", "norr")
    event = await published_event(running_bot, area_code="soder")
    confirm = await answer(user, f"/cancelevent {event.id}")
    fields = await answer(user, f"/editevent {event.id}")
    await press(user, SV("Place"), fields)
    await no_longer_coordinator(running_bot, SODER_ID, "soder")

    refused = await user.press(SV("❌ Yes, cancel the event"), message=confirm)
    assert (refused.text, refused.show_alert) == (NOT_YOUR_AREA, True)
    assert (await answer(user, "Stadsbiblioteket")).text == NOT_YOUR_AREA
    kept = await stored_event(running_bot, event.id)
    assert (kept.status, kept.place, kept.version) == ("published", event.place, event.version)
    assert len(await refusals(running_bot, SODER_ID)) == 2


async def test_a_confirmation_of_an_older_version_is_refused(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    first = await coordinator(emulator, running_bot, SODER_ID, "soder")
    second = await coordinator(emulator, running_bot, SODER_TOO_ID, "soder")
    event = await published_event(running_bot)
    confirm = await answer(first, f"/cancelevent {event.id}")
    fields = await answer(second, f"/editevent {event.id}")
    await press(second, SV("Place"), fields)
    await answer(second, "Stadsbiblioteket")
    refused = await first.press(SV("❌ Yes, cancel the event"), message=confirm)
    assert (refused.text, refused.show_alert) == (STALE, True)
    assert (await stored_event(running_bot, event.id)).status == "published"


async def test_two_coordinators_cancelling_at_once_cancel_once(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    first = await coordinator(emulator, running_bot, SODER_ID, "soder")
    second = await coordinator(emulator, running_bot, SODER_TOO_ID, "soder")
    await subscriber(running_bot, 5401, "sv", {"lunch_learn"}, set())
    for _round in range(5):
        event = await published_event(running_bot)
        async with running_bot.sessionmaker() as session:
            await event_data.set_rsvp(
                session, event_id=event.id or 0, user_id=5401, status="going", now=utcnow()
            )
            await session.commit()
        confirms = [await answer(user, f"/cancelevent {event.id}") for user in (first, second)]
        label = SV("❌ Yes, cancel the event")
        answers = await asyncio.gather(
            first.press(label, message=confirms[0]), second.press(label, message=confirms[1])
        )
        # The other is told the event changed, or is no longer on, depending on the moment.
        texts = sorted(str(pressed.text) for pressed in answers)
        assert texts in (sorted(["None", STALE]), sorted(["None", GONE]))
        winner = first if answers[0].text is None else second
        assert (await winner.next_message()).text.startswith(CANCELLED.format(id=event.id))
        kept = await stored_event(running_bot, event.id)
        assert (kept.status, kept.version) == ("cancelled", event.version + 1)
        async with running_bot.sessionmaker() as session:
            campaigns = await session.execute(
                select(Campaign).where(
                    Campaign.event_id == event.id, Campaign.kind == "cancellation"
                )
            )
            assert len(campaigns.scalars().all()) == 1
            told = await session.execute(
                select(OutboxMessage).where(
                    OutboxMessage.dedupe_key.like(f"event:{event.id}:cancelled:%")
                )
            )
            assert [row.chat_id for row in told.scalars()] == [5401]
    for user in (first, second):
        user.assert_no_new_message()


async def test_two_coordinators_changing_the_place_at_once_change_it_once(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    first = await coordinator(emulator, running_bot, SODER_ID, "soder")
    second = await coordinator(emulator, running_bot, SODER_TOO_ID, "soder")
    for _round in range(5):
        event = await published_event(running_bot)
        for user in (first, second):
            fields = await answer(user, f"/editevent {event.id}")
            await press(user, SV("Place"), fields)
        await asyncio.gather(first.send("Stadsbiblioteket"), second.send("Folkets park"))
        replies = [await user.next_message() for user in (first, second)]
        changed = SV("✓ Changed (event {id}).").format(id=event.id)
        assert sorted(str(reply.text) for reply in replies) == sorted([changed, STALE])
        place = "Stadsbiblioteket" if replies[0].text == changed else "Folkets park"
        kept = await stored_event(running_bot, event.id)
        assert (kept.place, kept.version) == (place, event.version + 1)
    async with running_bot.sessionmaker() as session:
        assert len((await session.execute(select(Event))).scalars().all()) == 5
