"""The same button pressed twice: a message edited in place to what it already shows is
answered quietly (Telegram's "message is not modified" is success), on every path that edits
in place; nobody is told that something went wrong and nothing is logged as an error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.bidi import page_arrows
from core.pitch_rules import format_reference
from playground.emulator import NOT_MODIFIED, FakeUser, SentMessage, TelegramEmulator
from storage import events as event_data
from storage.models import Event, Pitch, utcnow
from storage.pitches import next_reference_number
from tests.card_steps import card_in, fresh_pitch, soder_coordinators
from tests.conftest import RunningBot
from tests.journeys import CITY, answer, press, translator
from tests.staff_steps import ADMIN_ID, bind, errors_logged
from tests.test_journey_desk import long_history, open_history

TZ = ZoneInfo("Europe/Stockholm")
WENT_WRONG = (
    "Sorry, something went wrong on our side. Your data is safe. Please try again in a moment."
)


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


async def person(emulator: TelegramEmulator, user_id: int, locale: str) -> FakeUser:
    someone = emulator.user(user_id, first_name="Kim", language_code=locale)
    await someone.send("/start")
    await someone.next_message()
    return someone


async def published_event(running_bot: RunningBot, **fields: object) -> Event:
    day = (utcnow() + timedelta(days=9)).astimezone(TZ).date()
    starts = datetime(day.year, day.month, day.day, 12, 0, tzinfo=TZ).astimezone(UTC)
    values: dict[str, object] = {
        "kind": "lunch_learn",
        "titles": {"sv": "Lärande Lunch: cykelkök"},
        "descriptions": {"sv": "Vi lagar cyklar."},
        "default_locale": "sv",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1),
        "place": "Nydala bibliotek",
        "area_code": "soder",
        "status": "published",
        "published_at": utcnow(),
        **fields,
    }
    async with running_bot.sessionmaker() as session:
        event = await event_data.add_event(session, Event(**values))
        await session.commit()
        await session.refresh(event)
        return event


def unchanged_edits(emulator: TelegramEmulator, chat_id: int) -> int:
    """How many edits in `chat_id` Telegram answered with "message is not modified"."""
    return sum(
        1
        for call in emulator.failed_calls
        if call.method.lower().startswith("editmessage")
        and str(call.params.get("chat_id")) == str(chat_id)
        and NOT_MODIFIED in str((call.response or {}).get("description", ""))
    )


async def press_twice(
    emulator: TelegramEmulator, user: FakeUser, label: str, message: SentMessage
) -> None:
    """Press `label` on `message`, then the same button again (a double tap, or the button
    that is already selected): the second edit changes nothing."""
    data = message.callback_data(label)
    before = unchanged_edits(emulator, user.id)
    await user.press_data(data, message=message)
    await user.press_data(data, message=message)
    await user.wait_for(lambda: unchanged_edits(emulator, user.id) > before)


async def help_text(user: FakeUser) -> str:
    return (await answer(user, "/help")).text or ""


async def quiet_until_help(user: FakeUser, help_says: str, locale: str) -> list[SentMessage]:
    """The messages the bot sent after the presses, before its answer to a new /help."""
    t = translator(locale)
    await user.send("/help")
    said = []
    while True:
        message = await user.next_message()
        if message.text == help_says:
            return said
        assert message.text != t(WENT_WRONG), "the person was told that something went wrong"
        said.append(message)


async def test_the_inbox_filter_already_selected_answers_quietly(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await person(emulator, ADMIN_ID, "sv")
    help_says = await help_text(admin)
    inbox = await answer(admin, "/inbox")
    selected = next(label for label in inbox.button_labels if label.startswith("• "))
    shown = inbox.text
    await press_twice(emulator, admin, selected, inbox)
    assert await quiet_until_help(admin, help_says, "sv") == []
    assert inbox.text == shown
    assert errors_logged(caplog) == []


async def test_the_subscription_screen_all_areas_twice_answers_quietly(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    t = translator("es")
    ana = await person(emulator, 7301, "es")
    help_says = await help_text(ana)
    screen = await answer(ana, "/subscribe")
    everywhere = "✓ " + t("🏙 All of Malmö")
    assert everywhere in screen.button_labels  # no area chosen yet: all of them
    await press_twice(emulator, ana, everywhere, screen)
    assert await quiet_until_help(ana, help_says, "es") == []
    assert everywhere in screen.button_labels
    assert errors_logged(caplog) == []


async def test_the_same_language_chosen_twice_answers_quietly(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    layla = await person(emulator, 7302, "ar")
    choice = await answer(layla, "/language")
    data = choice.callback_data("English")
    await layla.press_data(data, message=choice)
    await layla.wait_for(lambda: choice.edit_count == 1)
    await layla.next_message()  # the menu in English
    help_says = await help_text(layla)
    before = unchanged_edits(emulator, layla.id)
    await layla.press_data(data, message=choice)
    await layla.wait_for(lambda: unchanged_edits(emulator, layla.id) > before)
    said = await quiet_until_help(layla, help_says, "en")
    assert [message.text for message in said] == [translator("en")("What would you like to do?")]
    assert choice.edit_count == 1
    assert errors_logged(caplog) == []


async def test_going_pressed_twice_answers_quietly(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    t = translator("sv")
    await published_event(running_bot, capacity=20)
    karin = await person(emulator, 7303, "sv")
    help_says = await help_text(karin)
    listing = await answer(karin, "/events")
    card = await press(karin, next(b for b in listing.button_labels if b.startswith("1. ")))
    going = card.callback_data(t("✅ Going"))
    await karin.press_data(going, message=card)
    await karin.wait_for(lambda: card.edit_count == 1)
    before = unchanged_edits(emulator, karin.id)
    await karin.press_data(going, message=card)
    await karin.wait_for(lambda: unchanged_edits(emulator, karin.id) > before)
    said = await quiet_until_help(karin, help_says, "sv")
    assert said[-1].text == t(
        "You are already on the list for <b>{title}</b>. See you there!"
    ).format(title="Lärande Lunch: cykelkök")
    assert card.edit_count == 1
    assert errors_logged(caplog) == []


async def test_the_events_page_pressed_twice_answers_quietly(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    for number in range(12):
        await published_event(running_bot, titles={"sv": f"Träff {number + 1}"})
    nour = await person(emulator, 7304, "en")
    help_says = await help_text(nour)
    listing = await answer(nour, "/events")
    later = next(label for label in listing.button_labels if "▶️" in label)
    await press_twice(emulator, nour, later, listing)
    assert await quiet_until_help(nour, help_says, "en") == []
    assert listing.edit_count == 1
    assert errors_logged(caplog) == []


async def test_keep_the_event_pressed_twice_answers_quietly(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    t = translator("en")
    event = await published_event(running_bot)
    admin = await person(emulator, ADMIN_ID, "en")
    help_says = await help_text(admin)
    question = await answer(admin, f"/cancelevent {event.id}")
    await press_twice(emulator, admin, t("Keep it"), question)
    said = await quiet_until_help(admin, help_says, "en")
    assert [message.text for message in said] == [t("Good, the event stays on.")] * 2
    assert errors_logged(caplog) == []


async def test_back_on_a_card_pressed_twice_answers_quietly(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    t = translator("en")
    _admin, [sara] = await soder_coordinators(emulator, 9401)
    help_says = await help_text(sara)
    await person(emulator, 7305, "sv")
    await fresh_pitch(running_bot, 7305, "Läxhjälp i Nydala")
    _body, control = await card_in(sara)
    edits = control.edit_count
    await sara.press(t("🚫 Not taken forward"), message=control)
    await sara.wait_for(lambda: control.edit_count > edits)
    await press_twice(emulator, sara, t("⬅️ Back"), control)
    assert await quiet_until_help(sara, help_says, "en") == []
    assert t("🚫 Not taken forward") in control.button_labels
    assert errors_logged(caplog) == []


async def test_the_neighbourhood_pager_pressed_twice_answers_quietly(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    t = translator("ar")
    amal = await person(emulator, 7306, "ar")
    help_says = await help_text(amal)
    await amal.send("/pitch")
    await amal.next_messages(2)  # the welcome and the first step
    await answer(amal, "Läxhjälp")
    await answer(amal, "Barnen behöver hjälp med läxorna.")
    saved = await answer(amal, "En kväll i veckan på biblioteket.")
    where = await press(amal, t("Next ➡️"), saved)
    await amal.press(CITY.area("innerstaden").name("ar"), message=where)  # type: ignore[union-attr]
    await amal.wait_for(lambda: where.edit_count == 1)
    shown = where.text
    _earlier, later = page_arrows("ar")  # pages turn right to left
    await press_twice(emulator, amal, later, where)
    assert where.edit_count == 2
    assert where.text != shown
    assert await quiet_until_help(amal, help_says, "ar") == []
    assert errors_logged(caplog) == []


async def test_a_history_page_pressed_twice_answers_quietly(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await person(emulator, ADMIN_ID, "en")
    await person(emulator, 7307, "sv")
    pitch = await fresh_pitch(running_bot, 7307, "Läxhjälp i Nydala")
    await long_history(running_bot, pitch.reference)
    admin.mark_all_read()
    help_says = await help_text(admin)
    history = await open_history(admin, admin, pitch.reference)
    await press_twice(emulator, admin, "▶️", history)
    assert history.edit_count == 1
    assert await quiet_until_help(admin, help_says, "en") == []
    assert errors_logged(caplog) == []


async def stored_pitches(running_bot: RunningBot, resident_id: int, count: int) -> None:
    """`count` sent pitches of the resident, straight into the database."""
    now = utcnow()
    async with running_bot.sessionmaker() as session:
        for number in range(count):
            reference = format_reference(now.year, await next_reference_number(session, now.year))
            session.add(
                Pitch(
                    reference=reference,
                    user_id=resident_id,
                    language="es",
                    title=f"Idea {number + 1}",
                    need="Más bancos en el parque.",
                    area_code="soder",
                    neighbourhood_code="nydala",
                    submitter_kind="resident",
                    submitter_name="Lucía",
                    incubator_code="soder",
                    consent_at=now,
                    submitted_at=now,
                    updated_at=now,
                )
            )
            await session.flush()
        await session.commit()


async def test_my_pitches_page_pressed_twice_answers_quietly(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    lucia = await person(emulator, 7308, "es")
    await stored_pitches(running_bot, 7308, 7)
    help_says = await help_text(lucia)
    mine = await answer(lucia, "/mypitches")
    await press_twice(emulator, lucia, "▶️", mine)
    assert mine.edit_count == 1
    assert await quiet_until_help(lucia, help_says, "es") == []
    assert errors_logged(caplog) == []


async def test_save_on_the_subscription_screen_tapped_twice_answers_quietly(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    t = translator("sv")
    karin = await person(emulator, 7309, "sv")
    help_says = await help_text(karin)
    screen = await answer(karin, "/subscribe")
    lunch = "🥪 " + t("Lärande Lunch (Lunch & Learn)")
    await karin.press(lunch, message=screen)
    await karin.wait_for(lambda: screen.edit_count == 1)
    save = screen.callback_data(t("💾 Save"))
    await karin.press_data(save, message=screen)
    await karin.wait_for(lambda: screen.edit_count == 2)
    answered = await karin.press_data(save, message=screen)  # the second of a double tap
    assert answered.text == t("This button is no longer valid. Start again with /subscribe.")
    assert await quiet_until_help(karin, help_says, "sv") == []
    assert errors_logged(caplog) == []


async def test_a_group_language_chosen_twice_answers_quietly(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await person(emulator, ADMIN_ID, "en")
    group = emulator.group(-100700, title="Samordnare")
    assert "now the coordinator chat" in await bind(group, admin, "soder")
    await group.send(admin, "/language")
    choice = await group.next_message()
    data = choice.callback_data("English")
    before = unchanged_edits(emulator, group.id)
    await group.press_data(admin, data, message=choice)
    await group.press_data(admin, data, message=choice)
    await group.wait_for(lambda: unchanged_edits(emulator, group.id) > before)
    # The admin's next command in the group is handled after both presses.
    await group.send(admin, "/inbox")
    inbox = await group.next_message()
    assert "/pitch" in (inbox.text or "") or inbox.text == translator("en")("No pitches here.")
    assert choice.edit_count == 1
    assert errors_logged(caplog) == []
