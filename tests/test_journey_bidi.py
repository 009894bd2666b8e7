"""Reading direction through the bot: an Arabic resident's phone number, e-mail, reference
and Latin place names read in their own order in what the bot sends (laid out with the
bidi algorithm, as a client does), the neighbourhood pager turns right to left; a Swedish
resident gets exactly what they got before."""

from __future__ import annotations

import html
import re

import pytest
from bidi import get_display

from core import bidi
from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from tests.conftest import RunningBot
from tests.journeys import CITY, answer, press, translator, walk_to_summary
from tests.test_journey_events import create_event, resident

ADMIN_ID = 9001
REFERENCE = re.compile(r"MT-\d{4}-\d{4}")
PHONE = "+46701234504"
EMAIL = "amal.k@example.com"


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


def displayed(message: SentMessage) -> str:
    """The message's lines in visual order, marks left out, as an Arabic client draws them."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", message.text or ""))
    return "\n".join(bidi.strip_marks(get_display(line)) for line in plain.split("\n"))


async def add_phone_and_email(user: FakeUser, summary: SentMessage, locale: str) -> SentMessage:
    """From the summary: Edit → Contact → phone, then e-mail; the summary again."""
    t = translator(locale)
    await user.press(t("✏️ Edit"), message=summary)
    contact = await press(user, t("Contact"), await user.next_message())
    await press(user, t("📞 Also by phone"), contact)
    await user.share_contact(PHONE.lstrip("+"), first_name="Amal")
    await user.next_message()  # thanks, keyboard removed
    consent = await user.next_message()
    summary = await press(user, t("✅ Yes, I agree"), consent)
    await user.press(t("✏️ Edit"), message=summary)
    contact = await press(user, t("Contact"), await user.next_message())
    await press(user, t("✉️ Also by e-mail"), contact)
    consent = await answer(user, EMAIL)
    return await press(user, t("✅ Yes, I agree"), consent)


async def test_an_arabic_pitch_reads_right_from_summary_to_card_to_my_pitches(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    amal = emulator.user(2301, first_name="أمل", language_code="ar")
    admin = emulator.user(ADMIN_ID, first_name="Sara", language_code="ar")
    await admin.send("/start")
    await admin.next_message()
    t = translator("ar")

    summary = await walk_to_summary(amal, "ar", area="oster", neighbourhood="rosengard")
    summary = await add_phone_and_email(amal, summary, "ar")
    assert f"\u2066{PHONE}\u2069" in (summary.text or "")
    shown = displayed(summary)
    assert PHONE in shown and "46701234504+" not in shown
    assert EMAIL in shown
    assert "Rosengård (Herrgården)" in shown

    confirmation = await press(amal, t("✅ Send it"), summary)
    reference = REFERENCE.search(confirmation.text or "")
    assert reference is not None
    assert f"\u2066{reference.group()}\u2069" in (confirmation.text or "")

    card, control = await admin.next_messages(2)  # the pitch, then its status and buttons
    assert REFERENCE.search(control.text or "") is not None
    assert f"\u2066{reference.group()}\u2069" in (card.text or "")
    shown = displayed(card)
    assert reference.group() in shown
    assert PHONE in shown and "46701234504+" not in shown
    assert EMAIL in shown

    # A coordinator who copies the reference from an Arabic card copies its marks too.
    await admin.send(f"/pitch \u2066{reference.group()}\u2069")
    found, _found_control = await admin.next_messages(2)
    heading = t("💡 <b>New idea {reference}</b>").format(
        reference=f"\u2066{reference.group()}\u2069"
    )
    assert (found.text or "").startswith(heading), found.text
    mine = await answer(amal, "/mypitches")
    line = next(line for line in displayed(mine).split("\n") if reference.group() in line)
    # Right to left: the reference starts the line at the right, the title follows leftwards.
    assert line.index("Bike repair café") < line.index(reference.group())


async def test_the_neighbourhood_pager_turns_right_to_left_in_arabic(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    await pager_walk(emulator, "ar", user_id=2302, back="▶️", on="◀️")


async def test_the_neighbourhood_pager_is_unchanged_in_swedish(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    await pager_walk(emulator, "sv", user_id=2303, back="◀️", on="▶️")


async def pager_walk(
    emulator: TelegramEmulator, locale: str, *, user_id: int, back: str, on: str
) -> None:
    """Innerstaden has more neighbourhoods than fit a page: on to page 2 and back."""
    t = translator(locale)
    person = emulator.user(user_id, first_name="Resident", language_code=locale)
    await person.send("/pitch")
    await person.next_message()
    await person.next_message()
    await answer(person, "Läxhjälp")
    await answer(person, "Barnen behöver en lugn plats")
    saved = await answer(person, "Volontärer hjälper till")
    where = await press(person, t("Next ➡️"), saved)
    await person.press(CITY.area("innerstaden").name(locale), message=where)  # type: ignore[union-attr]
    await person.wait_for(lambda: where.edit_count == 1)
    assert on in where.button_labels and back not in where.button_labels
    await person.press(on, message=where)
    await person.wait_for(lambda: where.edit_count == 2)
    assert back in where.button_labels and on not in where.button_labels
    await person.press(back, message=where)
    await person.wait_for(lambda: where.edit_count == 3)
    assert on in where.button_labels


async def test_an_event_with_a_latin_place_reads_right_in_arabic(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    place = "Rosengårds bibliotek, Amiralsgatan 5"
    await create_event(
        running_bot,
        kind="dialogue_forum",
        titles={"sv": "Dialogforum om trygghet"},
        place=place,
        area_code="oster",
    )
    amal = await resident(emulator, 2304, "ar")
    listing = await answer(amal, "/events")
    assert "\u200f1. 🗣" in (listing.text or "")
    title_line = next(line for line in displayed(listing).split("\n") if "Dialogforum" in line)
    assert title_line.index("Dialogforum om trygghet") < title_line.index("1")
    card = await press(amal, "1. Dialogforum om trygghet", listing)
    place_line = next(line for line in displayed(card).split("\n") if place in line)
    assert place_line.strip().endswith("📍")


async def test_a_swedish_resident_reads_the_same_texts_as_before(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    karin = emulator.user(2305, first_name="Karin", language_code="sv")
    summary = await walk_to_summary(karin, "sv")
    summary = await add_phone_and_email(karin, summary, "sv")
    assert f"telefon {PHONE} · e-post {EMAIL}" in (summary.text or "")
    confirmation = await press(karin, "✅ Skicka", summary)
    reference = REFERENCE.search(confirmation.text or "")
    assert reference is not None
    mine = await answer(karin, "/mypitches")
    for message in (summary, confirmation, mine):
        assert bidi.strip_marks(message.text or "") == message.text
    assert f"<b>{reference.group()}</b> · Bike repair café" in (mine.text or "")
