"""Erasure short of /forget's whole story: withdrawing the consent for one pitch, stopping
contact by phone and e-mail, /erase by admins, /forget in every language and its refused
buttons, and staff who lose their role losing access at once."""

from __future__ import annotations

import os
import uuid

import pytest
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from sqlalchemy import select

from core import bidi
from core.callbacks import ConsentCB, EraseCB, ForgetCB
from core.pitch_notices import deliver_pitch
from core.pitch_rules import format_reference
from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from storage.consents import add_consent, consents_of_pitch
from storage.models import AuditEntry, Pitch, User, utcnow
from storage.pitches import next_reference_number
from tests.card_steps import (
    ADMIN_ID,
    FIRST_COORDINATOR_ID,
    card_in,
    eventually,
    fresh_pitch,
    pitch_now,
    recorded,
    soder_coordinators,
    started,
)
from tests.conftest import RunningBot
from tests.journeys import answer, press, translator
from tests.staff_steps import CANNOT, INVALID_BUTTON, coordinator_of, pitch_for, refusals
from tests.test_journey_desk import long_history, open_history

RESIDENT_ID = 5600
OTHER_RESIDENT_ID = 5601
PROMOTED_ID = 9400


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


async def with_contact_and_consents(running_bot: RunningBot, pitch: Pitch) -> None:
    """The pitch as a resident who gave a phone and an e-mail leaves it."""
    async with running_bot.sessionmaker() as session:
        stored = await session.get(Pitch, pitch.id)
        assert stored is not None and stored.user_id is not None
        stored.contact_phone, stored.contact_email = "+46701112233", "ana@example.es"
        for kind in ("pitch", "contact"):
            await add_consent(
                session,
                user_id=stored.user_id,
                pitch_id=stored.id,  # type: ignore[arg-type]
                kind=kind,
                notice_version="2026-12",
                given_at=stored.consent_at,
            )
        await session.commit()


async def pitch_with_contact(running_bot: RunningBot, resident_id: int, title: str) -> Pitch:
    """A pitch sent with a phone number and an e-mail, brought to Söder's coordinators."""
    now = utcnow()
    async with running_bot.sessionmaker() as session:
        number = await next_reference_number(session, now.year)
        pitch = Pitch(
            reference=format_reference(now.year, number),
            user_id=resident_id,
            language="ar",
            title=title,
            need="Barnen behöver en plats att göra läxor.",
            area_code="soder",
            submitter_name="Samira",
            contact_phone="+46701112233",
            contact_email="layla@example.se",
            incubator_code="soder",
            consent_at=now,
            submitted_at=now,
            updated_at=now,
        )
        session.add(pitch)
        await session.flush()
        for kind in ("pitch", "contact"):
            await add_consent(
                session,
                user_id=resident_id,
                pitch_id=pitch.id,  # type: ignore[arg-type]
                kind=kind,
                notice_version="2026-12",
                given_at=now,
            )
        await session.commit()
        await deliver_pitch(
            running_bot.bot,
            session,
            pitch=pitch,
            city=running_bot.city,
            i18n=running_bot.dispatcher["i18n"],
            settings=running_bot.settings,
        )
        return pitch


async def my_data_in(resident: FakeUser, locale: str, reference: str) -> SentMessage:
    """/mypitches, then the resident's choices about their data in one pitch."""
    t = translator(locale)
    mine = await answer(resident, "/mypitches")
    label = t("🔒 My data in {reference}").format(reference=bidi.ltr(reference, locale))
    return await press(resident, label, mine)


async def confirm(resident: FakeUser, question: SentMessage, label: str) -> str:
    """Press `label` under the question; what the question's message says afterwards."""
    await resident.press(label, message=question)
    await resident.wait_for(lambda: question.edit_count == 1)
    return question.text or ""


async def test_withdrawing_the_consent_for_one_pitch_leaves_the_others(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    t = translator("es")
    _admin, (coordinator,) = await soder_coordinators(emulator, FIRST_COORDINATOR_ID)
    ana = await started(emulator, RESIDENT_ID, "Ana", "es")
    first = await fresh_pitch(running_bot, ana.id, "Huerto en Nydala")
    _body, first_control = await card_in(coordinator)
    second = await fresh_pitch(running_bot, ana.id, "Biblioteca de semillas")
    _body, second_control = await card_in(coordinator)
    for pitch in (first, second):
        await with_contact_and_consents(running_bot, pitch)
    await eventually(lambda: recorded(running_bot, first_control))

    # Someone else forging the button changes nothing, and it is audited.
    stranger = await started(emulator, OTHER_RESIDENT_ID, "Sam", "en")
    forged = ConsentCB(action="withdraw_yes", pitch_id=first.id).pack()  # type: ignore[arg-type]
    assert (await stranger.press_data(forged)).text == INVALID_BUTTON
    assert [e.subject for e in await refusals(running_bot, OTHER_RESIDENT_ID)] == [
        f"pitch:{first.id}"
    ]

    choices = await my_data_in(ana, "es", first.reference)
    assert choices.button_labels == [
        t("🗑 Withdraw my consent"),
        t("📵 Stop contact by phone and e-mail"),
        t("↩️ Keep it as it is"),
    ]
    question = await press(ana, t("🗑 Withdraw my consent"), choices)
    assert first.reference in (question.text or "")
    done = await confirm(ana, question, t("✅ Yes, withdraw it"))
    assert done == t(
        "Done. Your consent for {reference} is withdrawn and your details are removed from it."
    ).format(reference=first.reference)

    note = await coordinator.next_message()
    assert f"The resident withdrew their consent for {first.reference}." in (note.text or "")
    await coordinator.wait_for(lambda: first_control.button_labels == [])
    assert "🔒 Personal data removed at the resident's request." in (first_control.text or "")
    assert second_control.edit_count == 0

    erased = await pitch_now(running_bot, first.id)  # type: ignore[arg-type]
    assert erased.erased_at is not None and erased.user_id is None
    assert (erased.submitter_name, erased.contact_phone, erased.contact_email) == (None,) * 3
    kept = await pitch_now(running_bot, second.id)  # type: ignore[arg-type]
    assert kept.erased_at is None and kept.user_id == ana.id
    assert (kept.submitter_name, kept.contact_phone) == ("Samira", "+46701112233")
    async with running_bot.sessionmaker() as session:
        assert all(c.withdrawn_at for c in await consents_of_pitch(session, first.id))  # type: ignore[arg-type]
        assert not any(c.withdrawn_at for c in await consents_of_pitch(session, second.id))  # type: ignore[arg-type]

    # It has left the inbox; a reply to its card reaches no one.
    inbox = await answer(coordinator, "/inbox")
    assert second.reference in (inbox.text or "") and first.reference not in (inbox.text or "")
    await coordinator.send("Hola, ¿sigues ahí?", reply_to=first_control)
    assert (await coordinator.next_message()).text == (
        "This pitch is settled already; nothing was sent."
    )
    mine = await answer(ana, "/mypitches")
    assert second.reference in (mine.text or "") and first.reference not in (mine.text or "")
    ana.assert_no_new_message()

    # The old question, pressed again, is no longer valid.
    again = ConsentCB(action="withdraw_yes", pitch_id=first.id).pack()  # type: ignore[arg-type]
    assert (await ana.press_data(again)).text == t(INVALID_BUTTON)


async def test_stopping_contact_by_phone_and_email(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    t = translator("ar")
    _admin, (coordinator,) = await soder_coordinators(emulator, FIRST_COORDINATOR_ID)
    layla = await started(emulator, RESIDENT_ID, "Layla", "ar")
    pitch = await pitch_with_contact(running_bot, layla.id, "Läxhjälp")
    body, control = await card_in(coordinator)
    assert "phone +46701112233 · e-mail layla@example.se" in (body.text or "")
    await eventually(lambda: recorded(running_bot, body))
    await coordinator.send(f"/pitch {pitch.reference}")  # a second copy, from the desk
    viewed, _control = await coordinator.next_messages(2)
    assert "+46701112233" in (viewed.text or "")
    await eventually(lambda: recorded(running_bot, _control))

    choices = await my_data_in(layla, "ar", pitch.reference)
    question = await press(layla, t("📵 Stop contact by phone and e-mail"), choices)
    assert pitch.reference in (question.text or "")
    done = await confirm(layla, question, t("✅ Yes, stop it"))
    assert done == t(
        "Done. Your phone number and e-mail are removed from {reference}; the incubator "
        "will write to you here."
    ).format(reference=bidi.ltr(pitch.reference, "ar"))  # kept left to right in Arabic
    note = await coordinator.next_message()
    assert note.text == (
        f"📵 The resident of {pitch.reference} no longer wants to be contacted by phone or "
        "e-mail; their phone number and e-mail have been removed. Write to them by replying "
        "to the card."
    )
    # The card in the coordinator's chat no longer shows them.
    for copy in (body, viewed):
        await coordinator.wait_for(lambda copy=copy: copy.edit_count == 1)
        assert "Contact: In this chat\n" in (copy.text or "")
        assert "+46701112233" not in (copy.text or "") and "layla@" not in (copy.text or "")
    now = await pitch_now(running_bot, pitch.id)  # type: ignore[arg-type]
    assert (now.contact_phone, now.contact_email) == (None, None)
    assert now.erased_at is None and now.user_id == layla.id and now.submitter_name == "Samira"
    async with running_bot.sessionmaker() as session:
        consents = {c.kind: c for c in await consents_of_pitch(session, pitch.id)}  # type: ignore[arg-type]
    assert consents["contact"].withdrawn_at is not None
    assert consents["pitch"].withdrawn_at is None
    # The choices no longer offer it; the coordinator still writes to her here.
    choices = await my_data_in(layla, "ar", pitch.reference)
    assert t("📵 Stop contact by phone and e-mail") not in choices.button_labels
    await coordinator.send("مرحبا", reply_to=control)
    assert (await coordinator.next_message()).text == "✓ Sent to the resident."


async def test_admins_erase_on_a_request_from_outside_the_bot(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    admin, (coordinator,) = await soder_coordinators(emulator, FIRST_COORDINATOR_ID)
    resident = await started(emulator, RESIDENT_ID, "Samira", "sv")
    pitch = await fresh_pitch(running_bot, resident.id, "Läxhjälp")
    _body, control = await card_in(coordinator)

    # Only admins: a coordinator is refused politely, and it is audited.
    refused = await answer(coordinator, f"/erase {RESIDENT_ID}")
    assert refused.text == "Sorry, that command is for the programme's admins."
    forged = EraseCB(action="yes", kind="person", target=RESIDENT_ID).pack()
    assert (await coordinator.press_data(forged)).text == CANNOT
    assert [e.details["attempt"] for e in await refusals(running_bot, FIRST_COORDINATOR_ID)] == [
        "erase",
        forged,
    ]

    usage = "Write a Telegram id or a pitch reference, e.g. /erase 12345 or /erase MT-2026-0042."
    for odd in ("/erase", "/erase ²", "/erase 12 34", "/erase soder"):
        assert (await answer(admin, odd)).text == usage, odd
    assert (await answer(admin, "/erase MT-2020-9999")).text == (
        "I can't find a pitch MT-2020-9999."
    )
    assert (await answer(admin, "/erase 123456")).text == "I have nothing stored about 123456."

    preview = await answer(admin, f"/erase {pitch.reference.lower()}")
    assert (preview.text or "").startswith(f"Erase the personal data of {pitch.reference}?")
    assert await confirm(admin, preview, "Cancel") == "Nothing was erased."
    assert (await pitch_now(running_bot, pitch.id)).erased_at is None  # type: ignore[arg-type]

    preview = await answer(admin, f"/erase {pitch.reference}")
    erased = await confirm(admin, preview, "🗑 Erase")
    assert erased == f"Erased the personal data of {pitch.reference}."
    note = await coordinator.next_message()
    assert f"the personal data of {pitch.reference} has been removed" in (note.text or "")
    assert control.button_labels == []
    again = await answer(admin, f"/erase {pitch.reference}")
    assert again.text == f"The personal data of {pitch.reference} was removed already."

    # A person who blocked the bot is erased without a last message.
    await resident.block_bot()
    preview = await answer(admin, f"/erase {RESIDENT_ID}")
    assert (preview.text or "").startswith(f"Erase everything about {RESIDENT_ID}?")
    assert await confirm(admin, preview, "🗑 Erase") == "Erased. Ideas anonymised: 0."
    resident.assert_no_new_message()
    async with running_bot.sessionmaker() as session:
        assert await session.get(User, RESIDENT_ID) is None
        audit = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.subject).where(
                    AuditEntry.actor_id == ADMIN_ID,
                    AuditEntry.action.endswith("_erased"),  # type: ignore[attr-defined]
                )
            )
        ).all()
    assert sorted(audit) == [("person_erased", "person"), ("pitch_erased", pitch.reference)]


@pytest.mark.parametrize("locale", ["sv", "en", "es", "ar"])
async def test_forget_in_every_language(
    emulator: TelegramEmulator, running_bot: RunningBot, locale: str
) -> None:
    t = translator(locale)
    resident = await started(emulator, RESIDENT_ID, "Resident", locale)
    await answer(resident, "/subscribe")

    question = await answer(resident, "/forget")
    assert (question.text or "").startswith(t("<b>Forget me</b>"))
    assert await confirm(resident, question, t("↩️ No, keep my data")) == t(
        "Good, nothing was removed."
    )
    forged = ForgetCB(action="yes", since=12345).pack()
    assert (await resident.press_data(forged, message=question)).text == t(INVALID_BUTTON)

    question = await answer(resident, "/forget")
    yes = question.callback_data(t("🗑 Yes, forget me"))
    await resident.press(t("🗑 Yes, forget me"), message=question)
    last = await resident.next_message()
    assert (last.text or "").startswith(t("🗑 <b>Done: I have forgotten you.</b>"))
    assert t("If you write to me again, you start afresh as a new person. Take care!") in (
        last.text or ""
    )

    async def forgotten() -> bool:
        async with running_bot.sessionmaker() as session:
            return await session.get(User, RESIDENT_ID) is None

    await eventually(forgotten)
    # The question's old button is stale for the new person it would make.
    assert (await resident.press_data(yes)).text == t(INVALID_BUTTON)


async def test_staff_who_lose_their_role_lose_access_at_once(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    admin = await started(emulator, ADMIN_ID, "Alma", "en")
    soder = await coordinator_of(emulator, admin, FIRST_COORDINATOR_ID, "Sara", "soder")
    _resident, reference = await pitch_for(
        emulator, RESIDENT_ID, area="soder", neighbourhood="nydala", title="Läxhjälp"
    )
    _body, card = await soder.next_messages(2)
    await long_history(running_bot, reference)
    history = await open_history(soder, soder, reference)
    assert "▶️" in history.button_labels

    removed = await answer(admin, f"/removecoordinator soder {FIRST_COORDINATOR_ID}")
    assert removed.text
    # The card already on screen, an open history page and a command: refused at once.
    assert (await soder.press("🙋 Take it", message=card)).text == CANNOT
    assert (await soder.press("▶️", message=history)).text == CANNOT
    assert (await answer(soder, "/inbox")).text == (
        "Sorry, that command is for the programme's coordinators."
    )
    assert history.edit_count == 0
    async with running_bot.sessionmaker() as session:
        pitch = (
            await session.execute(select(Pitch).where(Pitch.reference == reference))
        ).scalar_one()
        assert pitch.status == "received" and pitch.assignee_id is None
    assert len(await refusals(running_bot, FIRST_COORDINATOR_ID)) == 2

    # A promoted admin removed between a preview and its button cannot erase.
    promoted = await started(emulator, PROMOTED_ID, "Pia", "en")
    await answer(admin, f"/addadmin {PROMOTED_ID}")
    preview = await answer(promoted, f"/erase {reference}")
    assert preview.has_button("🗑 Erase")
    await answer(admin, f"/removeadmin {PROMOTED_ID}")
    assert (await promoted.press("🗑 Erase", message=preview)).text == CANNOT
    assert preview.edit_count == 0
    async with running_bot.sessionmaker() as session:
        pitch = (
            await session.execute(select(Pitch).where(Pitch.reference == reference))
        ).scalar_one()
        assert pitch.erased_at is None
    assert (await answer(promoted, "/admins")).text == (
        "Sorry, that command is for the programme's coordinators."
    )


REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")
@pytest.mark.parametrize("bot_overrides", [{"redis_url": REDIS_URL}])
async def test_forget_clears_the_conversation_kept_in_redis(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    from aiogram.fsm.storage.redis import RedisStorage

    resident_id = 10**9 + uuid.uuid4().int % 10**9  # Redis is shared: a key of our own
    resident = await started(emulator, resident_id, "Resident", "en")
    await resident.send("/pitch")
    await resident.next_messages(2)
    await answer(resident, "A title for the draft")
    builder = DefaultKeyBuilder(with_destiny=True)  # as the bot builds its keys
    storage = RedisStorage.from_url(REDIS_URL, key_builder=builder)  # type: ignore[arg-type]
    key = StorageKey(bot_id=running_bot.bot.id, chat_id=resident_id, user_id=resident_id)
    try:
        assert await storage.get_state(key) is not None
        question = await answer(resident, "/forget")
        await resident.press("🗑 Yes, forget me", message=question)
        await resident.next_message()

        async def cleared() -> bool:
            return await storage.get_state(key) is None and await storage.get_data(key) == {}

        await eventually(cleared)
    finally:
        await storage.set_state(key, None)
        await storage.set_data(key, {})
        await storage.close()
