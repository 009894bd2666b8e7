"""Residents and events: the list in their language, the card, Going with a waiting list,
the calendar file, subscriptions and unsubscribing; forged or stale buttons change nothing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_time
from icalendar import Calendar
from sqlalchemy import select

from core.callbacks import EventCB
from core.city import load_city
from core.event_texts import when_text
from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from storage import events as data
from storage import subscriptions as subs
from storage.models import AuditEntry, Event, OutboxMessage, utcnow
from storage.subscriptions import SubscriptionChoice
from tests.conftest import RunningBot
from tests.journeys import answer, press, translator

ADMIN_ID = 9001
TZ = ZoneInfo("Europe/Stockholm")
CITY = load_city()


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


def next_tuesday_noon() -> datetime:
    """A Tuesday at 12:00 in Malmö, more than a week ahead (so always in the future)."""
    day = (utcnow() + timedelta(days=8)).astimezone(TZ).date()
    day += timedelta(days=(1 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=TZ).astimezone(UTC)


async def create_event(running_bot: RunningBot, **fields: object) -> Event:
    starts = next_tuesday_noon()
    values: dict[str, object] = {
        "kind": "lunch_learn",
        "titles": {"sv": "Lärande Lunch: cykelkök", "es": "Almuerzo y aprendizaje: bicis"},
        "descriptions": {"sv": "Vi lagar cyklar & äter <3"},
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
        event = await data.add_event(session, Event(**values))
        await session.commit()
        await session.refresh(event)
        return event


async def resident(emulator: TelegramEmulator, user_id: int, locale: str) -> FakeUser:
    person = emulator.user(user_id, first_name="Resident", language_code=locale)
    await person.send("/start")
    await person.next_message()
    return person


async def open_details(person: FakeUser, locale: str) -> SentMessage:
    listing = await answer(person, "/events")
    label = next(label for label in listing.button_labels if label.startswith("1. "))
    return await press(person, label, listing)


async def test_an_english_resident_reads_times_as_in_sweden(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    event = await create_event(running_bot)
    local_start = event.starts_at.astimezone(TZ)
    day = f"{local_start:%A} {local_start.day} {local_start:%B}"  # e.g. "Tuesday 8 December"
    sam = await resident(emulator, 7009, "en")

    listing = await answer(sam, "/events")
    assert f"{day} 12:00–13:00" in (listing.text or "")
    assert "PM" not in (listing.text or "") and "AM" not in (listing.text or "")

    card = await press(sam, listing.button_labels[0], listing)
    assert f"{day} 12:00–13:00" in (card.text or "")
    assert "PM" not in (card.text or "")


async def test_a_spanish_resident_signs_up_and_a_coordinator_sees_the_count(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    event = await create_event(running_bot, capacity=20)
    t = translator("es")
    ana = await resident(emulator, 7001, "es")

    await ana.send("/events")
    listing = await ana.next_message()
    local_start = event.starts_at.astimezone(TZ)
    # The date as Babel writes it in Spanish, e.g. "martes, 1 de diciembre 12:00–13:00".
    assert format_date(local_start, "EEEE", locale="es") in (listing.text or "")
    assert format_date(local_start, "d 'de' MMMM", locale="es") in (listing.text or "")
    assert format_time(local_start, "short", locale="es") in (listing.text or "")
    assert when_text(event, "es", TZ) in (listing.text or "")
    assert "Almuerzo y aprendizaje: bicis" in (listing.text or "")
    assert "📊" not in (listing.text or "")  # residents do not see the counts

    card = await press(ana, "1. Almuerzo y aprendizaje: bicis", listing)
    assert "<b>Almuerzo y aprendizaje: bicis</b>" in (card.text or "")
    assert "Vi lagar cyklar &amp; äter &lt;3" in (card.text or "")  # typed text is escaped
    assert "Nydala bibliotek · " + CITY.area("soder").name("es") in (card.text or "")  # type: ignore[union-attr]
    assert card.button_labels == [t("✅ Going"), t("❌ Not going"), t("📅 Add to calendar")]

    confirmation = await press(ana, t("✅ Going"), card)
    assert confirmation.text == t(
        "✅ Wonderful, you are on the list for <b>{title}</b>. See you there! "
        "Press 📅 Add to calendar to keep the time."
    ).format(title="Almuerzo y aprendizaje: bicis")
    await ana.wait_for(lambda: card.edit_count == 1)
    assert card.button_labels[0] == t("✅ Going ✓")

    await ana.press(t("📅 Add to calendar"), message=card)
    ics = await ana.next_message()
    assert ics.method == "sendDocument"
    assert ics.document is not None
    assert ics.document.filename == f"event-{event.id}.ics"
    calendar = Calendar.from_ical(ics.document.content)
    [entry] = calendar.walk("VEVENT")
    assert entry.decoded("dtstart").astimezone(UTC) == event.starts_at.astimezone(UTC)
    assert str(entry["summary"]) == "Almuerzo y aprendizaje: bicis"
    assert str(entry["uid"]) == f"event-{event.id}@tillsammans.malmo.se"
    assert len(calendar.walk("VTIMEZONE")) == 1

    admin = await resident(emulator, ADMIN_ID, "en")
    await admin.send("/events")
    staff_listing = await admin.next_message()
    assert "📊 Going: 1 · Waiting list: 0" in (staff_listing.text or "")
    staff_card = await press(admin, "1. Lärande Lunch: cykelkök", staff_listing)
    assert "👥 20 places · 19 left" in (staff_card.text or "")
    assert "📊 Going: 1 · Waiting list: 0" in (staff_card.text or "")


async def test_capacity_one_the_second_waits_and_is_promoted_when_the_first_cancels(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    event = await create_event(running_bot, capacity=1)
    first = await resident(emulator, 7101, "sv")
    second = await resident(emulator, 7102, "en")

    card = await open_details(first, "sv")
    await press(first, translator("sv")("✅ Going"), card)

    other_card = await open_details(second, "en")
    assert "full, but you can join the waiting list" in (other_card.text or "")
    assert other_card.button_labels[0] == "⏳ Join the waiting list"
    waiting = await press(second, "⏳ Join the waiting list", other_card)
    assert waiting.text == (
        "⏳ <b>Lärande Lunch: cykelkök</b> is full, so I have put you on the waiting list: "
        "you are number 1. If a place opens up, it is yours and I will tell you here."
    )
    await second.wait_for(lambda: other_card.button_labels[0] == "⏳ On the waiting list ✓")

    await first.wait_for(lambda: card.edit_count == 1)
    cancelled = await press(first, translator("sv")("❌ Not going"), card)
    assert cancelled.text == translator("sv")(
        "Thank you for letting us know. I have taken you off the list for <b>{title}</b>, "
        "so your place can go to someone else."
    ).format(title="Lärande Lunch: cykelkök")

    async with running_bot.sessionmaker() as session:
        rows = (
            (await session.execute(select(OutboxMessage).where(OutboxMessage.chat_id == 7102)))
            .scalars()
            .all()
        )
        assert len(rows) == 1
        assert str(rows[0].payload["text"]).startswith(
            "🎉 Good news: a place opened up, and you are now coming to "
            "<b>Lärande Lunch: cykelkök</b>"
        )
        assert (await data.get_rsvp(session, event.id, 7102)).status == "going"  # type: ignore[arg-type, union-attr]
        assert (await data.get_rsvp(session, event.id, 7101)).status == "not_going"  # type: ignore[arg-type, union-attr]

    # The outbox sender running with the bot delivers the notice.
    notice = await second.next_message(timeout=10)
    assert (notice.text or "").startswith("🎉 Good news: a place opened up")
    assert notice.button_labels[0] == "✅ Going ✓"


async def test_subscribe_with_kinds_and_areas_then_unsubscribe_with_one_tap(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    t = translator("ar")
    layla = await resident(emulator, 7201, "ar")
    await layla.send("/subscribe")
    screen = await layla.next_message()
    assert (screen.text or "").startswith(t("🔔 <b>Subscriptions</b>"))

    save = t("💾 Save")
    refused = await layla.press(save, message=screen)  # nothing chosen yet
    assert refused.text == t("Please choose at least one kind of meeting first.")

    lunch = "🥪 " + t("Lärande Lunch (Lunch & Learn)")
    hour = "🕐 " + t("Malmötimmen (The Malmö Hour)")
    for label in (lunch, hour):
        edits = screen.edit_count
        await layla.press(label, message=screen)
        await layla.wait_for(lambda edits=edits: screen.edit_count == edits + 1)
    assert "✓ " + lunch in screen.button_labels
    assert "✓ " + hour in screen.button_labels
    assert "✓ " + t("🏙 All of Malmö") in screen.button_labels
    soder = CITY.area("soder").name("ar")  # type: ignore[union-attr]
    for label in (soder, t("📰 Weekly digest: off")):
        edits = screen.edit_count
        await layla.press(label, message=screen)
        await layla.wait_for(lambda edits=edits: screen.edit_count == edits + 1)
    assert "✓ " + soder in screen.button_labels
    assert t("🏙 All of Malmö") in screen.button_labels
    assert t("📰 Weekly digest: on") in screen.button_labels

    edits = screen.edit_count
    await layla.press(save, message=screen)
    await layla.wait_for(lambda: screen.edit_count == edits + 1)
    saved = t("✓ Saved. I will tell you about new meetings: {kinds}, in {areas}.")
    assert (screen.text or "").startswith(saved.split("{kinds}")[0])
    assert screen.button_labels == []

    async with running_bot.sessionmaker() as session:
        assert await subs.get_subscription(session, 7201) == SubscriptionChoice(
            kinds=frozenset({"lunch_learn", "malmo_hour"}),
            areas=frozenset({"soder"}),
            reminders=True,
            digest=True,
        )
    soder_lunch = await create_event(running_bot)
    norr_lunch = await create_event(running_bot, area_code="norr")
    async with running_bot.sessionmaker() as session:
        assert await subs.subscribers_for_event(session, soder_lunch) == [(7201, "ar")]
        assert await subs.subscribers_for_event(session, norr_lunch) == []

    # 🔕 on an announcement stops everything at once, keeping the choices.
    card = await open_details(layla, "ar")
    unsubscribe = EventCB(action="unsubscribe", event_id=soder_lunch.id, version=1).pack()  # type: ignore[arg-type]
    await layla.press_data(unsubscribe, message=card)
    done = await layla.next_message()
    assert done.text == t(
        "🔕 Done: I won't send you announcements, reminders or the weekly digest any "
        "more. The meetings you said you would come to stay as they are. If you change "
        "your mind, /subscribe starts again."
    )
    assert done.button_labels == [t("🔔 Subscribe again")]
    async with running_bot.sessionmaker() as session:
        assert await subs.subscribers_for_event(session, soder_lunch) == []
        assert await subs.digest_recipients(session) == []

    # "Subscribe again" brings back what she had chosen.
    again = await press(layla, t("🔔 Subscribe again"), done)
    assert (again.text or "").startswith(saved.split("{kinds}")[0])
    async with running_bot.sessionmaker() as session:
        assert await subs.subscribers_for_event(session, soder_lunch) == [(7201, "ar")]


async def test_forged_and_stale_buttons_are_refused_and_change_nothing(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    event = await create_event(running_bot)
    olle = await resident(emulator, 7301, "en")
    card = await open_details(olle, "en")

    async with running_bot.sessionmaker() as session:
        stored = await data.get_event(session, event.id)  # type: ignore[arg-type]
        await data.update_event(session, stored, now=utcnow(), place="Stadsbiblioteket")  # type: ignore[arg-type]
        await session.commit()

    stale = await olle.press("✅ Going", message=card)
    assert stale.show_alert
    assert stale.text == (
        "This meeting has changed since this message was sent, so the button no longer "
        "works. Here it is as it is now."
    )
    fresh = await olle.next_message()
    assert "Stadsbiblioteket" in (fresh.text or "")
    assert fresh.callback_data("✅ Going") == f"ev:going:{event.id}:2"

    forged_action = await olle.press_data(f"ev:delete:{event.id}:2", message=fresh)
    assert forged_action.text == "This button is no longer valid."
    await olle.next_message()  # the fallback's menu: an unknown action does not read
    missing = await olle.press_data("ev:going:999999:1", message=fresh)
    assert missing.text == "I can't find that meeting any more."
    garbage = await olle.press_data("ev:going:abc:1", message=fresh)
    assert garbage.text == "This button is no longer valid."
    await olle.next_message()  # the fallback's menu after the unreadable one
    outside_form = await olle.press_data("sub:kind:lunch_learn", message=fresh)
    assert outside_form.text == "This button is no longer valid. Start again with /subscribe."
    forged_kind = await olle.press_data("sub:kind:poker", message=fresh)
    assert forged_kind.text == "This button is no longer valid. Start again with /subscribe."

    async with running_bot.sessionmaker() as session:
        cancelled = await data.get_event(session, event.id)  # type: ignore[arg-type]
        cancelled.status = "cancelled"  # type: ignore[union-attr]
        await session.commit()
    refused = await olle.press("✅ Going", message=fresh)
    assert refused.text == "Sorry, this meeting has been cancelled."

    async with running_bot.sessionmaker() as session:
        assert await data.get_rsvp(session, event.id, 7301) is None  # type: ignore[arg-type]
        assert await subs.get_subscription(session, 7301) is None
        # A button naming an event residents cannot see is kept in the audit log.
        audit = await session.execute(select(AuditEntry).where(AuditEntry.actor_id == 7301))
        assert [(a.action, a.subject, a.details) for a in audit.scalars()] == [
            ("refused", "event:999999", {"attempt": "event:going"})
        ]
    olle.assert_no_new_message()


FORGED_BUTTONS = (
    "ev:going:" + "9" * 25 + ":1",
    "ev:going:{id}:" + "9" * 25,
    "ev:details:2147483648:1",
    "ev:going:-1:1",
    "ev:going:١٢:1",  # Arabic-Indic digits
    "ev:ics:²:1",
    "ev:not_going: {id}:1",
    "ev:going:{id}",
    "ev:going:{id}:1:1",
    "ev:unsubscribe:{id}:-1",
    "evp:²",
    "evp:-1",
    "evp:" + "9" * 25,
    "evp:10001",
    "evp:",
    "sub:kind:" + "x" * 41,
    "sub:save:Ä",
    "sub:drop",
)


async def test_forged_numbers_in_buttons_fall_to_the_fallback_and_change_nothing(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Numbers that do not read (too big, negative, not ASCII digits) or missing and extra
    fields never reach a handler: the press is answered as no longer valid, with the menu."""
    event = await create_event(running_bot, capacity=3)
    olle = await resident(emulator, 7351, "en")
    card = await open_details(olle, "en")
    caplog.set_level(logging.ERROR, logger="handlers.errors")
    for forged in FORGED_BUTTONS:
        refused = await olle.press_data(forged.format(id=event.id), message=card)
        assert refused.text == "This button is no longer valid.", forged
        assert (await olle.next_message()).text == "Here is the menu.", forged
    assert [r for r in caplog.records if r.name == "handlers.errors"] == []
    async with running_bot.sessionmaker() as session:
        assert await data.get_rsvp(session, event.id, 7351) is None  # type: ignore[arg-type]
        assert await subs.get_subscription(session, 7351) is None
    olle.assert_no_new_message()


async def test_deep_links_open_the_event_and_the_subscriptions(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    event = await create_event(running_bot)
    eva = emulator.user(7401, first_name="Eva", language_code="en")
    await eva.send(f"/start event_{event.id}")
    await eva.next_message()  # the greeting
    card = await eva.next_message()
    assert "<b>Lärande Lunch: cykelkök</b>" in (card.text or "")
    assert card.button_labels[0] == "✅ Going"

    await eva.send("/start subscribe")
    await eva.next_message()
    screen = await eva.next_message()
    assert (screen.text or "").startswith("🔔 <b>Subscriptions</b>")

    await eva.send("/start event_424242")
    await eva.next_message()
    missing = await eva.next_message()
    assert missing.text == "I can't find that meeting. Here are the coming ones: /events"

    # An id beyond our ids is no event link (it used to reach PostgreSQL and fail there).
    for link in ("event_99999999999", "event_2147483648", "event_0"):
        await eva.send(f"/start {link}")
        assert (await eva.next_message()).text.startswith("Hello, Eva!")  # type: ignore[union-attr]
        listing = await answer(eva, "/events")  # next: the list, no error in between
        assert "Lärande Lunch: cykelkök" in (listing.text or "")


async def test_an_empty_list_and_the_menu_buttons(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    pia = await resident(emulator, 7501, "en")
    menu = pia.messages[-1]
    empty = await press(pia, "📅 Events", menu)
    assert empty.text == (
        "There are no meetings planned right now. New ones are announced here: "
        "with /subscribe I will tell you as soon as there is one."
    )
    screen = await press(pia, "🔔 Subscriptions", menu)
    assert (screen.text or "").startswith("🔔 <b>Subscriptions</b>")

    for day in range(7):
        await create_event(
            running_bot,
            starts_at=next_tuesday_noon() + timedelta(days=day),
            ends_at=next_tuesday_noon() + timedelta(days=day, hours=1),
        )
    listing = await answer(pia, "/events")
    assert "(1–5 of 7)" in (listing.text or "")
    later = await pia.press("Later ▶️", message=listing)
    assert later.text is None
    await pia.wait_for(lambda: listing.edit_count == 1)
    assert "(6–7 of 7)" in (listing.text or "")
    assert "◀️ Earlier" in listing.button_labels
