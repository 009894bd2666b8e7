"""/mydata through the emulator: a resident with a sent pitch (voice note, phone, e-mail), a
conversation with the incubator, a draft, a subscription, a place at one meeting and on the
waiting list of another, and messages queued and sent to them, gets a readable summary in
their language and a JSON file holding every personal value a scan of the whole database
finds for them. Coordinators' identities stay out."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from core.outbox_messages import text_payload
from core.pitch_notices import deliver_pitch
from core.pitch_rules import format_reference
from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from storage.consents import add_consent
from storage.models import (
    DeliveryAttempt,
    Event,
    OutboxMessage,
    Pitch,
    Rsvp,
    Subscription,
    SubscriptionArea,
    SubscriptionKind,
    utcnow,
)
from storage.outbox import QueuedMessage, enqueue
from storage.personal_data import CLASSIFICATION
from storage.pitches import next_reference_number
from tests.card_steps import (
    FIRST_COORDINATOR_ID,
    eventually,
    recorded,
    soder_coordinators,
    started,
)
from tests.conftest import RunningBot
from tests.journeys import translator
from tests.personal_scan import found_in, leaves, scan
from tests.staff_steps import ADMIN_ID

RESIDENT_ID = 48151623
NEIGHBOUR_ID = 48151700
NAME = "Samira Haddad"
PHONE = "+46701112233"
EMAIL = "samira.haddad@example.se"
TITLE = "Läxhjälp i Nydala"
NEED = "Barnen i Nydala saknar en lugn plats för läxor & <samtal>."
IDEA = "Volontärer hjälper till tisdagar i samlingslokalen."
VOICE_FILE_ID = "voice-samira-0001"
QUESTION = "Hur många barn kommer ungefär?"
ANSWER = "Ungefär tolv barn, tisdagar och torsdagar."
DRAFT_TITLE = "Cykelkök på Seved"
REMINDER = "Påminnelse: Lärande Lunch i morgon 12:00"
SENT_NOTICE = "Välkommen till Lärande Lunch!"


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


async def _sent_pitch(running_bot: RunningBot) -> Pitch:
    """A pitch as the journey leaves it (with its consents), brought to the incubator."""
    now = utcnow()
    version = running_bot.city.privacy.notice_version
    async with running_bot.sessionmaker() as session:
        number = await next_reference_number(session, now.year)
        pitch = Pitch(
            reference=format_reference(now.year, number),
            user_id=RESIDENT_ID,
            language="sv",
            title=TITLE,
            need=NEED,
            idea_text=IDEA,
            media=[{"kind": "voice", "file_id": VOICE_FILE_ID}],
            area_code="soder",
            neighbourhood_code="nydala",
            theme_code="youth",
            submitter_kind="resident",
            submitter_name=NAME,
            contact_phone=PHONE,
            contact_email=EMAIL,
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
                user_id=RESIDENT_ID,
                pitch_id=pitch.id,  # type: ignore[arg-type]
                kind=kind,
                notice_version=version,
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


async def _conversation(
    running_bot: RunningBot, coordinator: FakeUser, resident: FakeUser, locale: str
) -> None:
    """The coordinator asks through the card; the resident answers by replying."""
    control = await coordinator.next_message()
    while not control.has_button("❓ Ask for more info"):  # the body and the voice note first
        control = await coordinator.next_message()
    await eventually(lambda: recorded(running_bot, control))
    await coordinator.press("❓ Ask for more info", control)
    prompt = await coordinator.next_message()
    await coordinator.send(QUESTION, reply_to=prompt)
    assert (await coordinator.next_message()).text == "✓ Sent to the resident."
    question = (await resident.next_messages(1))[-1]
    await eventually(lambda: recorded(running_bot, question))
    await resident.send(ANSWER, reply_to=question)
    thanks = await resident.next_message()
    assert thanks.text == translator(locale)("✓ Sent. The incubator will answer you here.")
    await coordinator.next_message()  # the answer, under the card


async def _draft(resident: FakeUser, locale: str) -> None:
    t = translator(locale)
    await resident.send("/pitch")
    await resident.next_messages(2)  # the introduction and step 1
    await resident.send(DRAFT_TITLE)
    step_two = await resident.next_message()
    heading = t("<b>Step {number} of {total}</b>").format(number=2, total=8)
    assert (step_two.text or "").startswith(heading)


async def _meetings_subscription_and_messages(running_bot: RunningBot) -> None:
    """Going to one meeting, second in line for another (its one place is taken), a
    subscription, one message queued for tomorrow and one already delivered."""
    now = utcnow()
    async with running_bot.sessionmaker() as session:
        events = [
            Event(
                kind="lunch_learn",
                titles={"sv": f"Lärande Lunch {n}", "ar": f"غداء التعلم {n}"},
                default_locale="sv",
                starts_at=now + timedelta(days=3 + n),
                ends_at=now + timedelta(days=3 + n, hours=1),
                place="Stadsbiblioteket",
                capacity=1,
                status="published",
                published_at=now,
            )
            for n in (1, 2)
        ]
        session.add_all(events)
        await session.flush()
        session.add_all(
            [
                Rsvp(event_id=events[0].id, user_id=RESIDENT_ID, status="going"),  # type: ignore[arg-type]
                Rsvp(event_id=events[1].id, user_id=NEIGHBOUR_ID, status="going"),  # type: ignore[arg-type]
                Rsvp(
                    event_id=events[1].id,  # type: ignore[arg-type]
                    user_id=RESIDENT_ID,
                    status="waiting",
                    waiting_number=1,
                ),
                Subscription(user_id=RESIDENT_ID, reminders=True, digest=True),
                SubscriptionKind(user_id=RESIDENT_ID, kind="lunch_learn"),
                SubscriptionArea(user_id=RESIDENT_ID, area_code="soder"),
            ]
        )
        sent = OutboxMessage(
            chat_id=RESIDENT_ID, payload=text_payload(SENT_NOTICE), status="sent", sent_at=now
        )
        session.add(sent)
        await session.flush()
        session.add(DeliveryAttempt(outbox_id=sent.id, outcome="sent", at=now))  # type: ignore[arg-type]
        await enqueue(
            session,
            [
                QueuedMessage(
                    chat_id=RESIDENT_ID,
                    payload=text_payload(REMINDER),
                    dedupe_key=f"test-reminder:{RESIDENT_ID}",
                    not_before=now + timedelta(days=1),
                )
            ],
            now=now,
        )
        await session.commit()


async def _my_data(resident: FakeUser) -> tuple[list[SentMessage], SentMessage]:
    await resident.send("/mydata")
    texts: list[SentMessage] = []
    while True:
        message = await resident.next_message()
        if message.method == "sendDocument":
            return texts, message
        texts.append(message)


@pytest.mark.parametrize("locale", ["ar", "sv"])
async def test_my_data_holds_everything_the_database_holds_about_the_person(
    emulator: TelegramEmulator, running_bot: RunningBot, locale: str
) -> None:
    t = translator(locale)
    _admin, (coordinator,) = await soder_coordinators(emulator, FIRST_COORDINATOR_ID)
    resident = await started(emulator, RESIDENT_ID, "Samira", locale)
    emulator.register_file(b"OggS voice", kind="voice", file_id=VOICE_FILE_ID)
    pitch = await _sent_pitch(running_bot)
    await _conversation(running_bot, coordinator, resident, locale)
    await _draft(resident, locale)
    await _meetings_subscription_and_messages(running_bot)

    summary, document = await _my_data(resident)

    # The readable part, in the resident's language: what, why, who, how long, rights, IMY.
    text = "\n".join(m.text or "" for m in summary)
    assert all(len(m.plain_text or "") <= 4096 for m in summary)
    assert text.startswith(t("📦 <b>Your data</b> · {date}").partition("{date}")[0])
    for heading in (
        "<b>What we keep about you</b>",
        "<b>What we keep and why</b>",
        "<b>Who sees it</b>",
        "<b>How long we keep it</b>",
        "<b>Your rights</b>",
        "<b>If you are not satisfied</b>",
    ):
        assert t(heading) in text, heading
    assert pitch.reference in text
    assert "imy.se" in text
    assert t("• An unsent idea (draft)") in text
    assert (
        t("• Meetings: going to {going}, waiting for a place at {waiting}").format(
            going=1, waiting=1
        )
        in text
    )

    # The file: named by the date, UTF-8 JSON.
    assert document.document is not None
    assert re.fullmatch(r"tillsammans-mydata-\d{4}-\d{2}-\d{2}\.json", document.document.filename)
    assert document.text == t("Your data, in full.")
    exported = json.loads(document.document.content.decode("utf-8"))
    assert exported["profile"]["telegram_id"] == RESIDENT_ID
    assert exported["profile"]["language"] == locale
    [sent] = exported["pitches"]
    assert (sent["reference"], sent["contact_phone"], sent["contact_email"]) == (
        pitch.reference,
        PHONE,
        EMAIL,
    )
    assert sent["media"] == [{"kind": "voice", "file_id": VOICE_FILE_ID}]
    assert sent["names"]["neighbourhood"] == running_bot.city.neighbourhood("nydala").name(locale)  # type: ignore[union-attr]
    said = [(entry["from"], entry["text"]) for entry in sent["history"] if "text" in entry]
    assert said == [("incubator", QUESTION), ("you", ANSWER)]
    assert {(c["kind"], c["notice_version"]) for c in exported["consents"]} == {
        ("pitch", running_bot.city.privacy.notice_version),
        ("contact", running_bot.city.privacy.notice_version),
    }
    assert exported["draft"]["title"] == DRAFT_TITLE
    assert exported["subscription"]["kinds"] == ["lunch_learn"]
    assert exported["subscription"]["areas"] == ["soder"]
    answers = {(a["answer"], a["place_in_line"]) for a in exported["event_answers"]}
    assert answers == {("going", None), ("waiting", 1)}
    outbox = {m["message"]["text"]: m for m in exported["messages_to_you"]}
    assert outbox[REMINDER]["status"] == "queued"
    assert outbox[SENT_NOTICE]["delivery"]["outcomes"] == {"sent": 1}

    # Who handled it stays out: the resident was only ever shown the incubator.
    raw = document.document.content.decode("utf-8")
    assert "Coordinator 1" not in raw and str(FIRST_COORDINATOR_ID) not in raw

    # The scan: every value found for the person is in the file, and every place it was
    # found is in the personal-data map.
    json_texts = list(leaves(exported))
    personal = [NAME, PHONE, EMAIL, TITLE, NEED, IDEA, VOICE_FILE_ID, QUESTION, ANSWER]
    hits, owned = await scan(
        running_bot.sessionmaker, RESIDENT_ID, [*personal, DRAFT_TITLE, REMINDER, SENT_NOTICE]
    )
    found_tables = {hit.table for hit in hits}
    assert {"users", "pitches", "pitch_events", "pitch_drafts", "outbox"} <= found_tables
    for hit in hits:
        use = CLASSIFICATION[hit.table]
        assert hit.column in {*use.people, *use.personal, *use.withheld}, hit
        assert found_in(hit.value, json_texts), hit
    for row in owned:
        use = CLASSIFICATION[row.table]
        if not use.exported:
            continue
        for column in use.personal:
            for value in leaves(row.cells[column]):
                assert found_in(value, json_texts), (row.table, column, value)
