"""After Going / Not going the event's card shows the places left as they are now, with its
buttons; after the one-tap 🔕, "Subscribe again" brings back what the resident had chosen,
while /unsubscribe still stops everything."""

from __future__ import annotations

import pytest

from core.callbacks import EventCB
from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from storage import subscriptions as subs
from storage.subscriptions import SubscriptionChoice
from tests.conftest import RunningBot
from tests.journeys import answer, plural_translator, press, translator
from tests.staff_steps import ADMIN_ID, errors_logged
from tests.test_journey_unchanged_edits import person, published_event


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


def places(locale: str, capacity: int, left: int) -> str:
    n = plural_translator(locale)
    return (
        n("👥 {count} place", "👥 {count} places", capacity).format(count=capacity)
        + " · "
        + n("{count} left", "{count} left", left).format(count=left)
    )


async def card_of_first_event(user: FakeUser) -> SentMessage:
    listing = await answer(user, "/events")
    return await press(user, next(b for b in listing.button_labels if b.startswith("1. ")))


async def answered(user: FakeUser, card: SentMessage, label: str) -> SentMessage:
    """Press `label` on the card; the bot's word on it, once the card was edited."""
    edits = card.edit_count
    said = await press(user, label, card)
    await user.wait_for(lambda: card.edit_count > edits)
    return said


@pytest.mark.parametrize("locale", ["sv", "en"])
async def test_the_card_counts_the_places_left_after_each_answer(
    emulator: TelegramEmulator,
    running_bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
    locale: str,
) -> None:
    t = translator(locale)
    await published_event(running_bot, capacity=3)
    karin = await person(emulator, 7401, locale)
    card = await card_of_first_event(karin)
    assert places(locale, 3, 3) in (card.text or "")

    await answered(karin, card, t("✅ Going"))
    assert places(locale, 3, 2) in (card.text or "")
    assert card.button_labels[0] == t("✅ Going ✓")
    assert "Vi lagar cyklar." in (card.text or "")  # the rest of the card stays

    await answered(karin, card, t("❌ Not going"))
    assert places(locale, 3, 3) in (card.text or "")
    assert card.button_labels[:2] == [t("✅ Going"), t("❌ Not going ✓")]
    assert errors_logged(caplog) == []


async def test_the_last_place_taken_turns_the_card_to_the_waiting_list_and_staff_see_counts(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    t = translator("en")
    await published_event(running_bot, capacity=1)
    admin = await person(emulator, ADMIN_ID, "en")
    card = await card_of_first_event(admin)
    assert "📊 Going: 0 · Waiting list: 0" in (card.text or "")

    await answered(admin, card, t("✅ Going"))
    assert t("full, but you can join the waiting list") in (card.text or "")
    assert "📊 Going: 1 · Waiting list: 0" in (card.text or "")

    await answered(admin, card, t("❌ Not going"))
    assert places("en", 1, 1) in (card.text or "")
    assert "📊 Going: 0 · Waiting list: 0" in (card.text or "")
    assert errors_logged(caplog) == []


async def subscribed(user: FakeUser, locale: str, kinds: list[str], area: str) -> SentMessage:
    """Choose `kinds` and `area` (labels as shown), turn the digest on, and save."""
    t = translator(locale)
    screen = await answer(user, "/subscribe")
    for label in [*kinds, area, t("📰 Weekly digest: off")]:
        edits = screen.edit_count
        await user.press(label, message=screen)
        await user.wait_for(lambda edits=edits: screen.edit_count == edits + 1)
    edits = screen.edit_count
    await user.press(t("💾 Save"), message=screen)
    await user.wait_for(lambda: screen.edit_count == edits + 1)
    return screen


CHOSEN = SubscriptionChoice(
    kinds=frozenset({"lunch_learn", "malmo_hour"}),
    areas=frozenset({"soder"}),
    reminders=True,
    digest=True,
)


@pytest.mark.parametrize("locale", ["es", "ar"])
async def test_subscribe_again_after_the_one_tap_brings_back_the_choices(
    emulator: TelegramEmulator,
    running_bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
    locale: str,
) -> None:
    t = translator(locale)
    city = running_bot.city
    lucia = await person(emulator, 7402, locale)
    kinds = ["🥪 " + t("Lärande Lunch (Lunch & Learn)"), "🕐 " + t("Malmötimmen (The Malmö Hour)")]
    await subscribed(lucia, locale, kinds, city.area("soder").name(locale))  # type: ignore[union-attr]
    event = await published_event(running_bot)

    card = await card_of_first_event(lucia)
    unsubscribe = EventCB(action="unsubscribe", event_id=event.id, version=1).pack()  # type: ignore[arg-type]
    await lucia.press_data(unsubscribe, message=card)
    done = await lucia.next_message()
    assert done.button_labels == [t("🔔 Subscribe again")]
    async with running_bot.sessionmaker() as session:
        assert await subs.subscribers_for_event(session, event) == []
        assert await subs.digest_recipients(session) == []
        assert await subs.get_subscription(session, 7402) == CHOSEN  # kept while paused

    restored = await press(lucia, t("🔔 Subscribe again"), done)
    saved = t("✓ Saved. I will tell you about new meetings: {kinds}, in {areas}.")
    assert (restored.text or "").startswith(saved.split("{kinds}")[0])
    async with running_bot.sessionmaker() as session:
        assert await subs.get_subscription(session, 7402) == CHOSEN
        assert await subs.subscribers_for_event(session, event) == [(7402, locale)]
        assert await subs.digest_recipients(session) == [(7402, locale)]

    screen = await answer(lucia, "/subscribe")  # the screen shows the same choices
    assert all("✓ " + kind in screen.button_labels for kind in kinds)
    assert errors_logged(caplog) == []


async def test_unsubscribe_still_stops_everything_and_subscribe_again_opens_the_screen(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    t = translator("sv")
    city = running_bot.city
    karin = await person(emulator, 7403, "sv")
    kinds = ["🥪 " + t("Lärande Lunch (Lunch & Learn)"), "🕐 " + t("Malmötimmen (The Malmö Hour)")]
    await subscribed(karin, "sv", kinds, city.area("soder").name("sv"))  # type: ignore[union-attr]

    done = await answer(karin, "/unsubscribe")
    assert done.button_labels == [t("🔔 Subscribe again")]
    async with running_bot.sessionmaker() as session:
        stopped = await subs.get_subscription(session, 7403)
        assert stopped == SubscriptionChoice(reminders=False)

    screen = await press(karin, t("🔔 Subscribe again"), done)
    assert (screen.text or "").startswith(t("🔔 <b>Subscriptions</b>"))
    assert not any(label.startswith("✓ 🥪") for label in screen.button_labels)
    assert errors_logged(caplog) == []
