"""A coordinator publishes an event through the wizard; subscribers hear of it in their own
language, answer, get reminders at the right moments, and hear of changes and cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import jobs
from core.event_fields import CAPACITY_LIMIT, TITLE_LIMIT
from core.event_texts import aware
from core.schedule import publish_job_id, reminder_job_id
from core.services import users
from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from storage import coordination
from storage import subscriptions as subs
from storage.models import Event, OutboxMessage, Rsvp, utcnow
from tests.conftest import RunningBot
from tests.journeys import CITY, answer, plural_translator, press, translator

COORDINATOR_ID = 9100
SUBSCRIBER_ID = 5101
TZ = ZoneInfo("Europe/Stockholm")
SV = translator("sv")
ES = translator("es")


async def coordinator_of_soder(emulator: TelegramEmulator, running_bot: RunningBot) -> FakeUser:
    """A Swedish-speaking coordinator of Söder's incubator."""
    async with running_bot.sessionmaker() as session:
        await users.ensure_user(
            session,
            telegram_id=COORDINATOR_ID,
            language_code="sv",
            default_locale="sv",
            now=utcnow(),
        )
        await coordination.add_coordinator(
            session, incubator_code="soder", user_id=COORDINATOR_ID, added_by=0, now=utcnow()
        )
        await session.commit()
    return emulator.user(COORDINATOR_ID, first_name="Sara", language_code="sv")


async def subscriber(
    running_bot: RunningBot, user_id: int, locale: str, kinds: set[str], areas: set[str]
) -> None:
    async with running_bot.sessionmaker() as session:
        await users.ensure_user(
            session, telegram_id=user_id, language_code=locale, default_locale="sv", now=utcnow()
        )
        await subs.save_subscription(
            session,
            user_id=user_id,
            choice=subs.SubscriptionChoice(kinds=frozenset(kinds), areas=frozenset(areas)),
            now=utcnow(),
        )
        await session.commit()


def in_days(days: int, hour: int) -> tuple[str, datetime]:
    """A day `days` ahead as typed ("D/M HH:00") and the moment it means, in UTC."""
    day = (datetime.now(TZ) + timedelta(days=days)).date()
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(UTC)
    return f"{day.day}/{day.month} {hour}:00", moment


async def walk_to_preview(coordinator: FakeUser, *, start: str, end: str) -> SentMessage:
    await coordinator.send("/newevent")
    kinds = await coordinator.next_message()
    assert kinds.text == SV("📅 <b>New event</b>\n\nWhat kind of event is it?")
    title_question = await press(coordinator, "🥪 " + SV("Lärande Lunch (Lunch & Learn)"), kinds)
    assert title_question.text == SV(
        "What is the event's title? (in {language}, at most {limit} characters)"
    ).format(language="svenska", limit=TITLE_LIMIT)
    await answer(coordinator, "Lunch & lärande <om> odling")
    languages = await answer(coordinator, "Vi pratar stadsodling i Nydala.")
    assert "➕ Spanska" in languages.button_labels
    spanish_title = await press(coordinator, "➕ Spanska", languages)
    assert spanish_title.text == SV("The title in {language}:").format(language="spanska")
    await answer(coordinator, "Almuerzo y aprendizaje")
    languages = await answer(coordinator, "Hablamos de huertos urbanos en Nydala.")
    start_question = await press(coordinator, SV("Continue ➡️"), languages)
    assert "3 dec 18:00" in (start_question.text or "")
    await answer(coordinator, start)
    place_question = await answer(coordinator, end)
    assert place_question.text == SV(
        "Where is it? Write the address, or the link for an online event."
    )
    area_question = await answer(coordinator, "Nydala bibliotek, Lorensborgsgatan 2")
    await press(
        coordinator,
        CITY.area("soder").name("sv"),  # type: ignore[union-attr]
        area_question,
    )
    await answer(coordinator, "30")
    preview = await answer(coordinator, "https://malmo.se/tillsammans")
    return preview


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"announcement_chat_id": -100777}


async def test_publish_announce_rsvp_remind_edit_and_cancel(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    coordinator = await coordinator_of_soder(emulator, running_bot)
    await subscriber(running_bot, SUBSCRIBER_ID, "es", {"lunch_learn"}, {"soder"})
    await subscriber(running_bot, 5102, "en", {"lunch_learn"}, {"norr"})  # another area
    await subscriber(running_bot, 5103, "ar", {"lecture"}, set())  # another kind
    typed_start, starts_at = in_days(10, 12)
    preview = await walk_to_preview(coordinator, start=typed_start, end="13:30")
    assert (preview.text or "").startswith(
        SV("👀 <b>Preview</b> — this is how residents will see it:")
    )
    assert "Lunch &amp; lärande &lt;om&gt; odling" in (preview.text or "")
    assert "Nydala bibliotek" in (preview.text or "")
    done = await press(coordinator, SV("✅ Publish now"), preview)
    async with running_bot.sessionmaker() as session:
        event = (await session.execute(select(Event))).scalar_one()
    assert done.text == SV(
        "✅ Published as event {id}. Subscribers get the announcement now. "
        "Change it with /editevent {id}, cancel it with /cancelevent {id}."
    ).format(id=event.id)
    assert event.status == "published"
    assert aware(event.starts_at) == starts_at
    assert aware(event.ends_at) == starts_at + timedelta(hours=1, minutes=30)
    assert event.titles == {"sv": "Lunch & lärande <om> odling", "es": "Almuerzo y aprendizaje"}
    assert (event.area_code, event.capacity, event.created_by) == ("soder", 30, COORDINATOR_ID)

    # The Spanish subscriber of Söder gets it in Spanish; the others are not told.
    resident = emulator.user(SUBSCRIBER_ID, first_name="Lucía", language_code="es")
    announcement = await resident.next_message()
    assert (announcement.text or "").startswith(ES("📣 <b>New event</b>"))
    assert "Almuerzo y aprendizaje" in (announcement.text or "")
    assert ES("✅ Going") in announcement.button_labels
    assert ES("🔕 Unsubscribe") in announcement.button_labels
    channel_post = await emulator.wait_for(lambda: emulator.messages_to(-100777))
    assert "Lunch &amp; lärande &lt;om&gt; odling" in (channel_post[0].text or "")
    async with running_bot.sessionmaker() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert sorted(row.chat_id for row in rows) == [-100777, SUBSCRIBER_ID]

    # RSVP, then the reminders fire at their moments.
    await resident.press(ES("✅ Going"), message=announcement)
    await resident.next_message()
    async with running_bot.sessionmaker() as session:
        rsvp = (await session.execute(select(Rsvp))).scalar_one()
    assert (rsvp.user_id, rsvp.status) == (SUBSCRIBER_ID, "going")

    scheduler = running_bot.dispatcher["scheduler"]
    day_before = scheduler.get_job(reminder_job_id(event.id, "24h"))
    hour_before = scheduler.get_job(reminder_job_id(event.id, "1h"))
    assert day_before.next_run_time == starts_at - timedelta(hours=24)
    assert hour_before.next_run_time == starts_at - timedelta(hours=1)
    assert scheduler.get_job(publish_job_id(event.id)) is None  # published at once
    running_bot.bind_jobs()
    assert await jobs.remind_event(*day_before.args, now=day_before.next_run_time) == 1
    assert await jobs.remind_event(*day_before.args, now=day_before.next_run_time) == 0
    reminder = await resident.next_message()
    assert (reminder.text or "").startswith(ES("⏰ <b>Reminder: tomorrow</b>"))
    assert "Nydala bibliotek" in (reminder.text or "")

    # Moving the start moves the reminders and tells the people going.
    typed_new_start, new_start = in_days(12, 17)
    await coordinator.send(f"/editevent {event.id}")
    fields = await coordinator.next_message()
    start_question = await press(coordinator, SV("Start"), fields)
    assert start_question.text is not None
    changed = await answer(coordinator, typed_new_start)
    told_one = plural_translator("sv")(
        "{count} person who is coming is told.", "{count} people who are coming are told.", 1
    )
    assert changed.text == SV("✓ Changed (event {id}).").format(id=event.id) + " " + (
        told_one.format(count=1)
    )
    moved = scheduler.get_job(reminder_job_id(event.id, "24h"))
    assert moved.next_run_time == new_start - timedelta(hours=24)
    assert moved.args == (event.id, event.version + 1, "24h")
    notice = await resident.next_message()
    assert (notice.text or "").startswith(ES("✏️ <b>An event you are going to has changed</b>"))
    # The reminder made for the old version does nothing now.
    assert await jobs.remind_event(*day_before.args, now=day_before.next_run_time) is None

    # Cancelling tells everyone going and removes the jobs.
    await coordinator.send(f"/cancelevent {event.id}")
    confirm = await coordinator.next_message()
    cancelled = await press(coordinator, SV("❌ Yes, cancel the event"), confirm)
    assert cancelled.text == plural_translator("sv")(
        "❌ Event {id} is cancelled. {count} person is told.",
        "❌ Event {id} is cancelled. {count} people are told.",
        1,
    ).format(id=event.id, count=1)
    told = await resident.next_message()
    assert (told.text or "").startswith(
        ES("❌ <b>Cancelled:</b> {title}, {when}. We are sorry!").partition("{title}")[0]
    )
    assert "Almuerzo y aprendizaje" in (told.text or "")
    for lead in ("24h", "1h"):
        assert scheduler.get_job(reminder_job_id(event.id, lead)) is None
    await coordinator.send(f"/cancelevent {event.id}")
    again = await coordinator.next_message()
    assert again.text == SV("I can't find an event with that number that is still on.")
    assert emulator.messages_to(5102) == [] and emulator.messages_to(5103) == []


async def test_publishing_at_a_chosen_time_schedules_the_job(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    coordinator = await coordinator_of_soder(emulator, running_bot)
    await subscriber(running_bot, SUBSCRIBER_ID, "es", {"lunch_learn"}, set())
    typed_start, starts_at = in_days(10, 18)
    preview = await walk_to_preview(coordinator, start=typed_start, end="20:00")
    when_question = await press(coordinator, SV("🕒 Publish at a chosen time"), preview)
    assert when_question.text is not None
    typed_publish, publish_at = in_days(3, 9)
    late, _late = in_days(11, 9)
    refused = await answer(coordinator, late)
    assert (refused.text or "").startswith(
        SV(
            "The event starts {start}, so it must be published before that. "
            "Please write an earlier time."
        ).partition("{start}")[0]
    )
    await coordinator.next_message()  # the question again
    saved = await answer(coordinator, typed_publish)
    async with running_bot.sessionmaker() as session:
        event = (await session.execute(select(Event))).scalar_one()
    saved_text = SV(
        "🕒 Saved as event {id}. It will be published {when}. "
        "Change it with /editevent {id}, cancel it with /cancelevent {id}."
    )
    assert (saved.text or "").startswith(saved_text.partition("{when}")[0].format(id=event.id))
    assert event.status == "scheduled"
    job = running_bot.dispatcher["scheduler"].get_job(publish_job_id(event.id))
    assert job.next_run_time == publish_at
    assert job.misfire_grace_time < (starts_at - publish_at).total_seconds()

    # Until it is published, its publish time can be changed; the job moves with it.
    await coordinator.send(f"/editevent {event.id}")
    fields = await coordinator.next_message()
    question = await press(coordinator, SV("Publish time"), fields)
    assert "1 dec 09:00" in (question.text or "")
    typed_later, publish_at = in_days(4, 9)
    changed = await answer(coordinator, typed_later)
    assert changed.text == SV("✓ Changed (event {id}).").format(id=event.id)
    job = running_bot.dispatcher["scheduler"].get_job(publish_job_id(event.id))
    assert job.next_run_time == publish_at

    # Fired at its time, twice (a restart in between): announced once (resident, channel).
    running_bot.bind_jobs()
    assert await jobs.publish_event(*job.args, now=publish_at) == 2
    assert await jobs.publish_event(*job.args, now=publish_at) is None
    resident = emulator.user(SUBSCRIBER_ID, first_name="Lucía", language_code="es")
    announcement = await resident.next_message()
    assert "Almuerzo y aprendizaje" in (announcement.text or "")


async def test_wrong_answers_get_a_kind_explanation_and_the_same_question(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    coordinator = await coordinator_of_soder(emulator, running_bot)
    await coordinator.send("/newevent")
    kinds = await coordinator.next_message()
    # Text where a button is expected.
    hint = await answer(coordinator, "lunch")
    assert hint.text == SV("Please choose with the buttons below.")
    again = await coordinator.next_message()
    assert again.text == kinds.text
    await press(coordinator, "💡 " + SV("Inspirational lecture"), again)
    await answer(coordinator, "Föreläsning")
    languages = await press(coordinator, SV("Skip ➡️"))
    start_question = await press(coordinator, SV("Continue ➡️"), languages)

    past = await answer(coordinator, "2020-01-01 12:00")
    assert past.text == SV("That moment has already passed. Please write a date and time ahead.")
    assert (await coordinator.next_message()).text == start_question.text
    unreadable = await answer(coordinator, "next friday")
    assert unreadable.text == SV(
        "Sorry, I couldn't read that. Please write the date and time like "
        "<code>3 dec 18:00</code>, <code>3/12 18:00</code> or "
        "<code>2026-12-03 18:00</code>."
    )
    await coordinator.next_message()
    typed_start, _start = in_days(5, 18)
    await answer(coordinator, typed_start)
    early = await answer(coordinator, "17:00")
    assert (early.text or "").startswith(
        SV(
            "The end must come after the start ({start}). Please write the end, "
            "e.g. <code>20:00</code>."
        ).partition("{start}")[0]
    )
    await coordinator.next_message()
    await answer(coordinator, "19:00")
    await answer(coordinator, "https://meet.example.org/malmo")
    area_question = await answer(coordinator, "oops")  # text for the area: the hint
    assert area_question.text == SV("Please choose with the buttons below.")
    areas = await coordinator.next_message()
    # Only the areas Söder's incubator serves, and city-wide.
    assert areas.button_labels[:2] == [
        CITY.area("soder").name("sv"),  # type: ignore[union-attr]
        SV("🌍 City-wide"),
    ]
    await press(coordinator, SV("🌍 City-wide"), areas)
    bad_number = await answer(coordinator, "many")
    assert bad_number.text == SV(
        "Please write the number of places as a whole number from 1 to {limit}, "
        "or skip if there is no limit."
    ).format(limit=CAPACITY_LIMIT)
    await coordinator.next_message()
    await press(coordinator, SV("Skip ➡️"))
    bad_url = await answer(coordinator, "malmo se")
    assert bad_url.text == SV(
        "That doesn't look like a web link. Please send a full link starting with "
        "https://, or skip this."
    )
    link_question = await coordinator.next_message()
    back = await press(coordinator, SV("⬅️ Back"), link_question)
    assert (back.text or "").startswith(
        SV("How many places are there? Write a number, or skip if there is no limit.")
    )
    refused = await coordinator.press(SV("⬅️ Back"), message=link_question)  # a step ago
    assert refused.text == SV("This button is no longer valid.")
    link_again = await press(coordinator, SV("Skip ➡️"), back)
    assert link_again.text == link_question.text
    cancelled = await press(coordinator, SV("✖️ Cancel"), link_again)
    assert cancelled.text == SV("Cancelled. Nothing was published.")
    refused = await coordinator.press(SV("✖️ Cancel"), message=link_again)
    assert refused.text == SV("This button is no longer valid.")
    async with running_bot.sessionmaker() as session:
        assert (await session.execute(select(Event))).first() is None


async def test_residents_are_refused_politely(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    resident = emulator.user(5200, first_name="Omar", language_code="en")
    for command in ("/newevent", "/editevent 1", "/cancelevent 1", "/broadcast"):
        refusal = await answer(resident, command)
        assert refusal.text is not None
        assert "newevent" not in refusal.text
    async with running_bot.sessionmaker() as session:
        assert (await session.execute(select(Event))).first() is None


async def test_broadcast_to_an_area_with_a_preview_and_progress(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    coordinator = await coordinator_of_soder(emulator, running_bot)
    await subscriber(running_bot, SUBSCRIBER_ID, "es", {"lunch_learn"}, {"soder"})
    await subscriber(running_bot, 5102, "en", {"lecture"}, set())  # every area
    await subscriber(running_bot, 5103, "en", {"lecture"}, {"norr"})
    await coordinator.send("/broadcast")
    await coordinator.next_message()
    audience = await answer(coordinator, "Fika i Nydala <fredag> & lördag!")
    preview = await press(coordinator, "📍 " + CITY.area("soder").name("sv"), audience)  # type: ignore[union-attr]
    assert "Fika i Nydala &lt;fredag&gt; &amp; lördag!" in (preview.text or "")
    soder = CITY.area("soder").name("sv")  # type: ignore[union-attr]
    goes_to = plural_translator("sv")(
        "It goes to {count} subscriber ({audience}).",
        "It goes to {count} subscribers ({audience}).",
        2,
    ).format(count=2, audience=soder)
    assert (preview.text or "").endswith(goes_to)
    await coordinator.press(SV("📤 Send"), message=preview)
    progress = await coordinator.next_message()
    done = SV("✅ Done: sent {sent} of {total} · {blocked} blocked · {failed} failed")
    await coordinator.wait_for(
        lambda: progress.text == done.format(sent=2, total=2, blocked=0, failed=0)
    )
    es = emulator.user(SUBSCRIBER_ID, first_name="Lucía", language_code="es")
    en = emulator.user(5102, first_name="Ann", language_code="en")
    for person, locale in ((es, "es"), (en, "en")):
        got = await person.next_message()
        assert (got.text or "").endswith("Fika i Nydala &lt;fredag&gt; &amp; lördag!")
        assert got.button_labels == [translator(locale)("🔕 Unsubscribe")]
    # One tap stops everything for the Spanish subscriber (her choices kept for later).
    await es.press(ES("🔕 Unsubscribe"), message=es.last_message)
    await es.next_message()
    async with running_bot.sessionmaker() as session:
        assert SUBSCRIBER_ID not in {user_id for user_id, _ in await subs.subscribers(session)}
        assert await subs.is_paused(session, SUBSCRIBER_ID)
    assert emulator.messages_to(5103) == []
