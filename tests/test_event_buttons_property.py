"""Any data in an event, page or subscription button, pressed by a resident through the
emulator against one running bot: every press is answered, nothing fails and nothing
changes (forged numbers, Unicode digits, huge or negative values, missing or extra fields)."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.callbacks import EVENT_ACTIONS, SUBSCRIPTION_ACTIONS, EventCB
from playground.emulator import FakeUser, TelegramEmulator
from storage import events as data
from storage.models import Event, Rsvp, Subscription, utcnow
from tests.conftest import RunningBot
from tests.test_journey_events import create_event, resident

RESIDENT = 7801

EDGES = ["0", "1", "-1", "2147483647", "2147483648", "9" * 25, "-" + "9" * 25, "", " 1", "+1"]
numbers = st.one_of(
    st.sampled_from(["{id}", "{version}", *EDGES, "1_0", "0x1", "²", "١٢", "½"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=4),  # ١٢, ², ½ …
)
ids = st.one_of(st.sampled_from(["{id}", *EDGES, "²", "١٢"]), numbers)
versions = st.one_of(st.sampled_from(["{version}", "1"]), numbers)
words = st.one_of(
    st.sampled_from(["lunch_learn", "soder", "delete", "ALL", "sub", "ev"]),
    st.text(max_size=12),
)


def shaped(prefix: str, *fields: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Data of a button's shape, now and then with a field missing or one too many."""
    return st.builds(
        lambda values, cut, extra: ":".join([prefix, *values[: len(values) - cut], *extra]),
        st.tuples(*fields),
        st.sampled_from([0, 0, 0, 1]),
        st.lists(st.one_of(numbers, words), max_size=1),
    )


button_data = st.one_of(
    shaped("ev", st.one_of(st.sampled_from(EVENT_ACTIONS), words), ids, versions),
    shaped("evp", numbers),
    shaped("sub", st.one_of(st.sampled_from(SUBSCRIPTION_ACTIONS), words), words),
    st.builds(  # anything at all after a known prefix
        lambda prefix, fields: ":".join([prefix, *fields]),
        st.sampled_from(["ev", "evp", "sub"]),
        st.lists(st.one_of(numbers, words), max_size=5),
    ),
)


def changes_something(pressed: str, event: Event) -> bool:
    """The few data that are a real press which changes the resident's answers or
    subscription (a Going of this version, the 🔕): those are left out here."""
    try:
        button = EventCB.unpack(pressed)
    except (TypeError, ValueError):
        return False
    if button.action == "unsubscribe":
        return True
    current = (event.id, event.version)
    return button.action in ("going", "not_going") and (button.event_id, button.version) == current


async def stored_state(running_bot: RunningBot) -> tuple[list[object], list[object]]:
    async with running_bot.sessionmaker() as session:
        answers = await session.execute(select(Rsvp.event_id, Rsvp.user_id, Rsvp.status))
        subscribed = await session.execute(select(Subscription.user_id))
        return list(answers.all()), list(subscribed.all())


@pytest.fixture
async def edited_event(running_bot: RunningBot) -> Event:
    """A published event at its second version, one place taken by someone else."""
    event = await create_event(running_bot, capacity=1)
    async with running_bot.sessionmaker() as session:
        stored = await data.get_event(session, event.id)  # type: ignore[arg-type]
        await data.update_event(session, stored, now=utcnow(), place="Stadsbiblioteket")  # type: ignore[arg-type]
        await data.set_rsvp(session, event_id=event.id, user_id=1, status="going", now=utcnow())  # type: ignore[arg-type]
        await session.commit()
        return stored  # type: ignore[return-value]


@pytest.fixture
async def olle(emulator: TelegramEmulator, running_bot: RunningBot) -> FakeUser:
    return await resident(emulator, RESIDENT, "en")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pressed=button_data)
@example(pressed="ev:going:" + "9" * 25 + ":1")
@example(pressed="ev:details:2147483648:{version}")
@example(pressed="ev:ics:-1:{version}")
@example(pressed="ev:going:١٢:1")
@example(pressed="ev:going:{id}:1")  # a real button of the older version
@example(pressed="ev:not_going:{id}")
@example(pressed="evp:²")
@example(pressed="evp:" + "9" * 25)
@example(pressed="sub:kind:poker")
async def test_any_button_data_is_answered_and_changes_nothing(
    pressed: str,
    running_bot: RunningBot,
    edited_event: Event,
    olle: FakeUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="handlers.errors")
    pressed = pressed.replace("{id}", str(edited_event.id))
    pressed = pressed.replace("{version}", str(edited_event.version))
    pressed = pressed.encode()[:64].decode(errors="ignore")  # Telegram's limit
    assume(not changes_something(pressed, edited_event))
    before = await stored_state(running_bot)
    await olle.send(f"/start event_{edited_event.id}")
    card = (await olle.next_messages(2))[1]

    await olle.press_data(pressed, message=card)  # waits for answerCallbackQuery
    # The resident's updates are handled one after another: when the next is answered,
    # everything the press set off has finished.
    await olle.send("/events")
    await olle.wait_for(lambda: any("Coming meetings" in (m.text or "") for m in olle.unread))
    olle.mark_all_read()

    assert [r for r in caplog.records if r.name == "handlers.errors"] == []
    assert await stored_state(running_bot) == before
