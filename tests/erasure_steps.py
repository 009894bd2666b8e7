"""Steps the erasure journeys share: a resident with everything a person can leave behind."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from storage.models import Pitch
from tests.card_steps import ADMIN_ID, FIRST_COORDINATOR_ID, eventually, recorded
from tests.conftest import RunningBot
from tests.journeys import CITY, answer, press, translator
from tests.test_journey_events import create_event, open_details

REFERENCE = re.compile(r"MT-\d{4}-\d{4}")
RESIDENT_ID = 7382916504
WAITING_ID = 7382916599
TITLE = "Cykelkök Tornfalk"
NEED = "Barnen på Kvarnby saknar verkstad"
IDEA = "Lördagsverkstad med grannar Tornfalk-idé"
NAME = "Zlatana Ekbrink"
PHONE = "46701234599"
EMAIL = "zlatana.ekbrink@example.se"
QUESTION = "Hur många barn kommer, Zlatana?"
ANSWER = "Ungefär tolv barn, ring mig på tisdagar"
DRAFT_TITLE = "Utkast om Grönsakslandet Ekbrink"


@dataclass
class Everything:
    """What the resident left behind, and the people around them."""

    resident: FakeUser
    coordinator: FakeUser
    waiting: FakeUser
    reference: str
    pitch_id: int
    voice_file_id: str
    control: SentMessage
    event_id: int
    copies: list[SentMessage]  # in the coordinator's chat: card bodies, the voice, the answer
    controls: list[SentMessage]  # every copy of the card's status line


async def send_full_pitch(resident: FakeUser, locale: str) -> tuple[str, SentMessage]:
    """A pitch with a voice note, a phone number and an e-mail address; its reference."""
    t = translator(locale)
    await resident.send("/pitch")
    await resident.next_messages(2)  # the intro and step 1
    await answer(resident, TITLE)
    await answer(resident, NEED)
    await resident.send_voice(duration=7)
    await resident.next_message()
    saved = await answer(resident, IDEA)
    where = await press(resident, t("Next ➡️"), saved)
    await resident.press(CITY.area("soder").name(locale), message=where)  # type: ignore[union-attr]
    await resident.wait_for(lambda: where.edit_count == 1)
    theme = await press(resident, CITY.neighbourhood("nydala").name(locale), where)  # type: ignore[union-attr]
    support = await press(resident, theme.button_labels[0], theme)
    who = await press(resident, t("Skip ➡️"), support)
    name_question = await press(resident, t("A group of residents"), who)
    contact = await answer(resident, NAME)
    assert name_question is not None
    await press(resident, t("📞 Also by phone"), contact)
    await resident.share_contact(PHONE)
    await resident.next_message()  # thanks, the keyboard removed
    consent = await resident.next_message()
    contact = await press(resident, t("⬅️ Back"), consent)
    await press(resident, t("✉️ Also by e-mail"), contact)
    consent = await answer(resident, EMAIL)
    summary = await press(resident, t("✅ Yes, I agree"), consent)
    while not summary.has_button(t("✅ Send it")):
        summary = await resident.next_message()
    sent = await press(resident, t("✅ Send it"), summary)
    found = REFERENCE.search(sent.text or "")
    assert found is not None, sent.text
    return found.group(), sent


async def resident_with_everything(
    emulator: TelegramEmulator, running_bot: RunningBot, locale: str = "sv"
) -> Everything:
    """A resident with a sent pitch (voice note, phone, e-mail) a coordinator asked about
    and they answered, a subscription, the last place of an event with someone waiting,
    and a draft of a second idea."""
    t = translator(locale)
    admin = emulator.user(ADMIN_ID, first_name="Alma", language_code="en")
    await admin.send("/start")
    await admin.next_message()
    coordinator = emulator.user(FIRST_COORDINATOR_ID, first_name="Coordinator", language_code="en")
    await coordinator.send("/start")
    await coordinator.next_message()
    await admin.send(f"/addcoordinator soder {FIRST_COORDINATOR_ID}")
    await admin.next_message()

    resident = emulator.user(RESIDENT_ID, first_name="Zlatana", language_code=locale)
    await resident.send("/start")
    await resident.next_message()
    reference, _sent = await send_full_pitch(resident, locale)
    body, voice, control = await coordinator.next_messages(3)
    await eventually(lambda: recorded(running_bot, control))

    await coordinator.press("❓ Ask for more info", control)
    prompt = await coordinator.next_message()
    await coordinator.send(QUESTION, reply_to=prompt)
    assert (await coordinator.next_message()).text == "✓ Sent to the resident."
    question = await resident.next_message()
    await eventually(lambda: recorded(running_bot, question))
    await resident.send(ANSWER, reply_to=question)
    assert (await resident.next_message()).text == t("✓ Sent. The incubator will answer you here.")
    relayed = await coordinator.next_message()  # the answer, under the card
    await coordinator.send(f"/pitch {reference}")  # a second copy of the card, from the desk
    viewed, _history, viewed_control = await coordinator.next_messages(3)
    await eventually(lambda: recorded(running_bot, viewed_control))

    screen = await answer(resident, "/subscribe")
    await resident.press("🥪 " + t("Lärande Lunch (Lunch & Learn)"), message=screen)
    await resident.wait_for(lambda: screen.edit_count == 1)
    await resident.press(t("💾 Save"), message=screen)
    await resident.wait_for(lambda: screen.edit_count == 2)

    event = await create_event(running_bot, capacity=1)
    card = await open_details(resident, locale)
    await press(resident, t("✅ Going"), card)
    waiting = emulator.user(WAITING_ID, first_name="Waiting", language_code="en")
    await waiting.send("/start")
    await waiting.next_message()
    other_card = await open_details(waiting, "en")
    await press(waiting, "⏳ Join the waiting list", other_card)

    await resident.send("/pitch")
    await resident.next_messages(2)
    await answer(resident, DRAFT_TITLE)

    async with running_bot.sessionmaker() as session:
        pitch = (
            await session.execute(select(Pitch).where(Pitch.reference == reference))
        ).scalar_one()
        assert pitch.contact_email == EMAIL and pitch.submitter_name == NAME
        voice_file_id = pitch.media[0]["file_id"]
    return Everything(
        resident=resident,
        coordinator=coordinator,
        waiting=waiting,
        reference=reference,
        pitch_id=pitch.id,  # type: ignore[arg-type]
        voice_file_id=voice_file_id,
        control=control,
        event_id=event.id,  # type: ignore[arg-type]
        copies=[body, voice, relayed, viewed],
        controls=[control, viewed_control],
    )


def needles(everything: Everything) -> dict[str, str]:
    """Everything that says who the resident is or what they wrote or sent."""
    return {
        "telegram id": str(RESIDENT_ID),
        "name": NAME,
        "phone": PHONE,
        "e-mail": EMAIL,
        "question relayed": QUESTION,
        "answer relayed": ANSWER,
        "voice note": everything.voice_file_id,
        "draft": DRAFT_TITLE,
        "title": TITLE,
        "need": NEED,
        "idea": IDEA,
    }


# The pitch's own text, kept as the incubator's record unless ERASE_PITCH_TEXT.
PUBLIC_RECORD = (
    ("pitches", "title", "title"),
    ("pitches", "need", "need"),
    ("pitches", "idea_text", "idea"),
)
