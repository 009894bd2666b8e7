"""Coordinators work in chat: a bound group gets the card, buttons change it everywhere,
residents hear of it in their own language, and messages flow both ways."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from bot import jobs
from core import bidi
from core import pitch_card_texts as card_texts
from core.city import load_city
from playground.emulator import FakeGroup, FakeUser, SentMessage, TelegramEmulator
from storage.models import AuditEntry, OutboxMessage, Pitch, PitchEvent
from tests.card_steps import eventually, recorded
from tests.conftest import RunningBot
from tests.journeys import answer, press, translator, walk_to_summary

ADMIN_ID = 9001
COORDINATOR_ID = 9100
OTHER_COORDINATOR_ID = 9200
GROUP_ID = -100500
REFERENCE = re.compile(r"MT-\d{4}-\d{4}")
CITY = load_city()


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


async def english_admin(emulator: TelegramEmulator) -> FakeUser:
    admin = emulator.user(ADMIN_ID, first_name="Alma", language_code="en")
    await admin.send("/start")
    await admin.next_message()
    return admin


async def bound_group(emulator: TelegramEmulator, admin: FakeUser) -> FakeGroup:
    """A group bound to Söder's incubator, speaking English."""
    group = emulator.group(GROUP_ID, title="Inkubatorn Söder – samordnare")
    await group.send(admin, "/bindchat soder")
    bound = await group.next_message()
    assert bound.text == (
        "This group is now the coordinator chat of Söder incubator. New pitches for it "
        "will come here."
    )
    await group.send(admin, "/language")
    choice = await group.next_message()
    await group.press(admin, "English", message=choice)
    await group.wait_for(lambda: choice.edit_count == 1)
    assert choice.text == "Done! I will write in English in this group."
    return group


async def pitch_to_soder(
    emulator: TelegramEmulator, user_id: int, locale: str, title: str = "Läxhjälp i Nydala"
) -> tuple[FakeUser, str]:
    """A resident sends a pitch for Nydala (Söder); their reference."""
    resident = emulator.user(user_id, first_name="Resident", language_code=locale)
    summary = await walk_to_summary(
        resident, locale, title=title, area="soder", neighbourhood="nydala"
    )
    confirmation = await press(resident, translator(locale)("✅ Send it"), summary)
    found = REFERENCE.search(confirmation.text or "")
    assert found is not None
    return resident, found.group()


async def card_in(chat: FakeGroup | FakeUser) -> tuple[SentMessage, SentMessage]:
    """The card's body and its status line with the buttons."""
    body, control = await chat.next_messages(2)
    return body, control


async def stored_pitch(running_bot: RunningBot, reference: str) -> Pitch:
    async with running_bot.sessionmaker() as session:
        result = await session.execute(select(Pitch).where(Pitch.reference == reference))
        return result.scalar_one()


def notice(locale: str, msgid: str, reference: str, incubator: str = "soder") -> str:
    """A resident notice as the resident's catalog renders it (values isolated right to left)."""
    name = bidi.isolate(CITY.incubator(incubator).name(locale), locale)  # type: ignore[union-attr]
    ref = bidi.ltr(reference, locale)
    return translator(locale)(msgid).format(reference=ref, incubator=name)


async def test_a_bound_group_gets_the_card_and_take_tells_the_resident_in_arabic(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    admin = await english_admin(emulator)
    group = await bound_group(emulator, admin)
    resident, reference = await pitch_to_soder(emulator, 5001, "ar")

    body, control = await card_in(group)
    assert (body.text or "").startswith(f"💡 <b>New idea {reference}</b>")
    assert "Written in: Arabic" in (body.text or "")
    assert (control.text or "").startswith(f"📌 <b>{reference}</b>")
    assert "Status: Received" in (control.text or "")
    assert control.button_labels == [
        "🙋 Take it",
        "❓ Ask for more info",
        "✅ Accept",
        "🚫 Not taken forward",
        "🔀 Move to another incubator",
    ]
    assert admin.messages[-1].text != body.text  # not also sent privately: the group has it

    answer_ = await group.press(admin, "🙋 Take it", message=control)
    assert answer_.text == "Done."
    await group.wait_for(lambda: control.edit_count == 1)
    assert "Status: In review" in (control.text or "")
    assert "Handled by Alma" in (control.text or "")
    told = await resident.next_message()
    assert told.text == notice(
        "ar",
        "🙋 Good news: a coordinator at {incubator} is now looking at your idea {reference}.",
        reference,
    )
    pitch = await stored_pitch(running_bot, reference)
    assert (pitch.status, pitch.assignee_id) == ("in_review", ADMIN_ID)


async def test_ask_for_more_info_and_the_answer_come_back_under_the_card(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    admin = await english_admin(emulator)
    group = await bound_group(emulator, admin)
    resident, reference = await pitch_to_soder(emulator, 5002, "es")
    _body, control = await card_in(group)

    await group.press(admin, "❓ Ask for more info", message=control)
    prompt = await group.next_message()
    assert prompt.reply_markup == {"force_reply": True, "selective": True}
    await group.send(admin, "How many children & which days? <3", reply_to=prompt)
    sent = await group.next_message()
    assert sent.text == "✓ Sent to the resident."
    question = await resident.next_message()
    expected = notice(
        "es", "❓ {incubator} has a question about your idea {reference}:", reference
    )
    assert question.text == f"{expected}\n\nHow many children &amp; which days? &lt;3"
    assert question.button_labels == [translator("es")("↩️ Reply")]
    await group.wait_for(lambda: "Needs more information" in (control.text or ""))

    await resident.press(translator("es")("↩️ Reply"), message=question)
    await resident.next_message()  # "write your answer"
    await resident.send("Unos 12 niños, martes y jueves")
    thanks = await resident.next_message()
    assert thanks.text == translator("es")("✓ Sent. The incubator will answer you here.")

    relayed = await group.next_message()
    assert relayed.text == (
        f"💬 The resident answers about {reference}:\n\nUnos 12 niños, martes y jueves"
    )
    assert relayed.reply_to_message_id == control.message_id
    await group.wait_for(lambda: "Status: In review" in (control.text or ""))

    # The coordinator answers by replying to the relayed message; the resident, by replying.
    await group.send(admin, "Great, welcome on Tuesday!", reply_to=relayed)
    await group.next_message()
    message = await resident.next_message()
    assert (message.text or "").endswith("Great, welcome on Tuesday!")
    await resident.send_photo(caption="Our room", reply_to=message)
    await resident.next_message()
    photo = await group.next_message()
    assert photo.method == "copyMessage"
    assert (photo.text or "").startswith(f"💬 The resident answers about {reference}:")

    async with running_bot.sessionmaker() as session:
        pitch = (await session.execute(select(Pitch))).scalar_one()
        kinds = [
            e.kind
            for e in (
                await session.execute(
                    select(PitchEvent)
                    .where(PitchEvent.pitch_id == pitch.id)
                    .order_by(PitchEvent.id)
                )
            ).scalars()
        ]
    assert kinds == ["ask", "reply", "message", "reply"]


async def test_accept_decline_and_move_tell_the_resident(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    admin = await english_admin(emulator)
    group = await bound_group(emulator, admin)

    resident, accepted = await pitch_to_soder(emulator, 5003, "sv", title="Cykelkök")
    _body, control = await card_in(group)
    await group.press(admin, "✅ Accept", message=control)
    await group.wait_for(lambda: "Status: Accepted" in (control.text or ""))
    assert control.button_labels == []
    told = await resident.next_message()
    assert told.text == notice(
        "sv",
        "🎉 Your idea {reference} has been accepted into {incubator}! A coordinator will be "
        "in touch here about the next steps.",
        accepted,
    )

    resident_es, _declined = await pitch_to_soder(emulator, 5004, "es", title="Mural")
    _body, control = await card_in(group)
    await group.press(admin, "🚫 Not taken forward", message=control)
    await group.wait_for(lambda: control.edit_count == 1)
    assert "✍️ Write a reason" in control.button_labels
    await group.press(
        admin, "We don't have the capacity to take it on right now.", message=control
    )
    await group.wait_for(lambda: "Status: Not taken forward" in (control.text or ""))
    told = await resident_es.next_message()
    t = translator("es")
    assert t("We don't have the capacity to take it on right now.") in (told.text or "")

    resident_en, moved = await pitch_to_soder(emulator, 5005, "en", title="Chess club")
    _body, control = await card_in(group)
    await group.press(admin, "🔀 Move to another incubator", message=control)
    await group.wait_for(lambda: control.edit_count == 1)
    await group.press(admin, "Malmö Together – city-wide", message=control)
    await group.wait_for(lambda: "Incubator: Malmö Together – city-wide" in (control.text or ""))
    assert control.button_labels == []  # a card in another incubator's chat takes no action
    told = await resident_en.next_message()
    assert told.text == notice(
        "en",
        "🔀 Your idea {reference} has been moved to {incubator}, which is a better fit for "
        "it. They will look at it.",
        moved,
        incubator="citywide",
    )
    # City-wide has no chat and no coordinators: the admin gets the card privately.
    moved_body, moved_control = await card_in(admin)
    assert moved in (moved_body.text or "")
    assert "🙋 Take it" in moved_control.button_labels
    assert (await stored_pitch(running_bot, moved)).incubator_code == "citywide"


async def test_a_written_reason_reaches_the_resident(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    admin = await english_admin(emulator)
    group = await bound_group(emulator, admin)
    resident, reference = await pitch_to_soder(emulator, 5006, "en")
    _body, control = await card_in(group)
    await group.press(admin, "🚫 Not taken forward", message=control)
    await group.wait_for(lambda: control.edit_count == 1)
    await group.press(admin, "✍️ Write a reason", message=control)
    prompt = await group.next_message()
    await group.send(admin, "The library already runs this on Mondays.", reply_to=prompt)
    await group.next_message()
    told = await resident.next_message()
    assert "The reason: The library already runs this on Mondays." in (told.text or "")
    assert (await stored_pitch(running_bot, reference)).status == "declined"


async def test_without_a_group_the_coordinators_get_the_card_privately(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    admin = await english_admin(emulator)
    group = await bound_group(emulator, admin)
    await group.send(admin, "/unbindchat")
    unbound = await group.next_message()
    assert unbound.text == "Done. New pitches will no longer come to this group."
    coordinator = emulator.user(COORDINATOR_ID, first_name="Cleo", language_code="sv")
    await coordinator.send("/start")
    await coordinator.next_message()
    await answer(admin, f"/addcoordinator soder {COORDINATOR_ID}")

    resident, reference = await pitch_to_soder(emulator, 5010, "ar")
    body, control = await card_in(coordinator)
    # The card is recorded right after it is sent: wait for it, as a person would need a
    # moment to reply (a reply that comes sooner is tested in test_journey_card_relay).
    await eventually(lambda: recorded(running_bot, control))
    sv = translator("sv")
    assert (body.text or "").startswith(
        sv("💡 <b>New idea {reference}</b>").format(reference=reference)
    )
    assert sv("🙋 Take it") in control.button_labels
    # The resident's language is named in Swedish, and the time has no seconds.
    assert sv("Written in: {language}").format(language="arabiska") in (body.text or "")
    label = sv("Submitted: {when}").split("{when}")[0]
    when = next(line for line in (body.text or "").splitlines() if line.startswith(label))
    assert re.search(r" \d{1,2}:\d{2}$", when), when  # e.g. "4 dec. 2026 21:07"
    assert all(reference not in (m.text or "") for m in group.messages[-2:])
    assert all(reference not in (m.text or "") for m in admin.messages)  # a coordinator has it

    # A voice note as a reply to the card reaches the resident, announced in Arabic.
    await coordinator.send_voice(reply_to=control)
    assert (await coordinator.next_message()).text == sv("✓ Sent to the resident.")
    voice = await resident.next_message()
    assert voice.method == "copyMessage" and "voice" in voice.content
    assert voice.text == notice("ar", "💬 {incubator} about your idea {reference}:", reference)
    assert voice.button_labels == [translator("ar")("↩️ Reply")]

    await coordinator.press(sv("🚫 Not taken forward"), message=control)
    await coordinator.wait_for(lambda: control.edit_count >= 1)
    await coordinator.press(sv("Something very similar already exists nearby."), message=control)
    told = await resident.next_message()
    ar = translator("ar")
    assert ar("Something very similar already exists nearby.") in (told.text or "")
    assert (await stored_pitch(running_bot, reference)).status == "declined"


async def test_forged_buttons_from_a_resident_and_another_incubator_change_nothing(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    admin = await english_admin(emulator)
    group = await bound_group(emulator, admin)
    resident, reference = await pitch_to_soder(emulator, 5007, "en")
    _body, control = await card_in(group)
    pitch = await stored_pitch(running_bot, reference)

    # A coordinator of another incubator.
    await admin.send(f"/addcoordinator norr {OTHER_COORDINATOR_ID}")
    await admin.next_message()
    other = emulator.user(OTHER_COORDINATOR_ID, first_name="Nora", language_code="en")
    refused = await group.press_data(other, f"c:accept:{pitch.id}:received:", message=control)
    assert refused.text == "Sorry, you can't do that." and refused.show_alert

    # The resident, forging the card's data in their own chat.
    forged = await resident.press_data(
        f"c:accept:{pitch.id}:received:", message=resident.last_message
    )
    assert forged.text == "Sorry, you can't do that."

    # Stale: the card claims a status the pitch no longer has.
    stale = await group.press_data(admin, f"c:accept:{pitch.id}:in_review:", message=control)
    assert stale.text == "This card had changed; here it is as it is now."

    after = await stored_pitch(running_bot, reference)
    assert (after.status, after.assignee_id) == ("received", None)
    assert control.edit_count == 0 or "Status: Received" in (control.text or "")
    async with running_bot.sessionmaker() as session:
        refusals = (
            (await session.execute(select(AuditEntry).where(AuditEntry.action == "refused")))
            .scalars()
            .all()
        )
    assert {entry.actor_id for entry in refusals} >= {OTHER_COORDINATOR_ID, resident.id}


async def test_roles_menus_and_refusals(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    admin = await english_admin(emulator)
    coordinator = emulator.user(COORDINATOR_ID, first_name="Cleo", language_code="en")
    await coordinator.send("/start")
    await coordinator.next_message()

    refused = await answer(coordinator, "/inbox")
    assert refused.text == "Sorry, that command is for the programme's coordinators."
    assert ("chat", COORDINATOR_ID, None) not in emulator.my_commands

    added = await answer(admin, f"/addcoordinator soder {COORDINATOR_ID}")
    assert f"tg://user?id={COORDINATOR_ID}" in (added.text or "")
    menu = [c["command"] for c in emulator.my_commands[("chat", COORDINATOR_ID, None)]]
    assert "inbox" in menu and "export" in menu and "addadmin" not in menu

    # The menu follows the coordinator's language.
    await coordinator.send("/language")
    choice = await coordinator.next_message()
    await coordinator.press("Svenska", message=choice)
    await coordinator.next_message()  # the main menu, in Swedish
    descriptions = {
        c["command"]: c["description"]
        for c in emulator.my_commands[("chat", COORDINATOR_ID, None)]
    }
    assert descriptions["inbox"] == translator("sv")("Open pitches of my incubators")
    await coordinator.send("/language")
    choice = await coordinator.next_message()
    await coordinator.press("English", message=choice)
    await coordinator.next_message()

    listing = await answer(coordinator, "/coordinators")
    assert "Söder incubator (<code>soder</code>)" in (listing.text or "")
    assert "Norr" not in (listing.text or "")  # only their own incubators
    not_admin = await answer(coordinator, "/addadmin 1")
    assert not_admin.text == "Sorry, that command is for the programme's coordinators."

    # By a shared contact.
    await admin.send("/addcoordinator vaster")
    await admin.next_message()
    await admin.share_contact("+46700000001", first_name="Vera", user_id=9300)
    added = await admin.next_message()
    assert "tg://user?id=9300" in (added.text or "")

    # Admins: the last one cannot remove themselves; a configured one stays.
    cannot = await answer(admin, f"/removeadmin {ADMIN_ID}")
    assert "ADMIN_IDS" in (cannot.text or "")
    await answer(admin, f"/addadmin {COORDINATOR_ID}")
    admins = await answer(admin, "/admins")
    assert f"tg://user?id={COORDINATOR_ID}" in (admins.text or "")
    menu = [c["command"] for c in emulator.my_commands[("chat", COORDINATOR_ID, None)]]
    assert "addadmin" in menu
    removed = await answer(coordinator, f"/removeadmin {COORDINATOR_ID}")
    assert (
        removed.text
        == f'<a href="tg://user?id={COORDINATOR_ID}">{COORDINATOR_ID}</a> is no longer an admin.'
    )

    removed = await answer(admin, f"/removecoordinator soder {COORDINATOR_ID}")
    assert "no longer coordinates" in (removed.text or "")
    assert ("chat", COORDINATOR_ID, None) not in emulator.my_commands


async def test_groups_hear_only_staff_and_never_show_foreign_pitches(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    admin = await english_admin(emulator)
    group = await bound_group(emulator, admin)
    _resident, reference = await pitch_to_soder(emulator, 5008, "en")
    _body, control = await card_in(group)
    stranger = emulator.user(5999, first_name="Stranger", language_code="en")
    await group.send(stranger, "/inbox")
    await group.send(stranger, "/bindchat norr")
    await group.send(stranger, f"/pitch {reference}")

    other = emulator.group(-100600, title="Norr")
    await other.send(admin, "/bindchat norr")
    await other.next_message()
    await other.send(admin, f"/pitch {reference}")
    refusal = await other.next_message()
    assert refusal.text == "This group is not the chat of that pitch's incubator."

    await group.press(admin, "🙋 Take it", message=control)
    await group.wait_for(lambda: "In review" in (control.text or ""))
    await group.send(admin, f"/pitch {reference}")
    body, history, again = await group.next_messages(3)
    assert reference in (body.text or "")
    assert (history.text or "").startswith("<b>History</b>")
    assert "Alma: In review" in (history.text or "")
    assert again.button_labels == control.button_labels
    # Nothing was answered to the stranger: the next message was the admin's card.
    assert all("Sorry" not in (m.text or "") for m in group.messages)


async def test_inbox_find_stats_and_export(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    admin = await english_admin(emulator)
    group = await bound_group(emulator, admin)
    for number, title in enumerate(
        ["Bikes; & more", "Choir", "Garden", "Chess", "Books", "=SUM(A1)"]
    ):
        await pitch_to_soder(emulator, 5100 + number, "sv", title=title)
        await card_in(group)

    inbox = await answer(admin, "/inbox")
    assert "(1–5 of 6)" in (inbox.text or "")
    assert "▶️" in inbox.button_labels
    await admin.press("▶️", message=inbox)
    await admin.wait_for(lambda: inbox.edit_count == 1)
    assert "(6–6 of 6)" in (inbox.text or "")

    found = await answer(admin, "/find chess")
    assert "Chess" in (found.text or "") and "Choir" not in (found.text or "")

    await admin.send("/stats")
    text, chart = await admin.next_messages(2)
    assert "📊" in (text.text or "")
    assert chart.method == "sendPhoto"
    assert chart.photo_file is not None and chart.photo_file.content.startswith(b"\x89PNG")

    await admin.send("/export")
    export = await admin.next_message()
    assert export.method == "sendDocument" and export.document is not None
    assert export.document.filename.endswith(".csv")
    content = export.document.content
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 7
    titles = {row[rows[0].index("Title")] for row in rows[1:]}
    assert titles == {"Bikes; & more", "Choir", "Garden", "Chess", "Books", "'=SUM(A1)"}


async def test_untaken_pitches_are_flagged_daily(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    from datetime import timedelta

    from storage.models import utcnow

    admin = await english_admin(emulator)
    group = await bound_group(emulator, admin)
    _resident, reference = await pitch_to_soder(emulator, 5200, "en")
    await card_in(group)
    async with running_bot.sessionmaker() as session:
        pitch = (await session.execute(select(Pitch))).scalar_one()
        pitch.submitted_at = utcnow() - timedelta(days=8)
        await session.commit()

    running_bot.bind_jobs()
    assert await jobs.flag_untaken_pitches() == 1
    flagged = await group.next_message()
    assert reference in (flagged.text or "") and (flagged.text or "").startswith("⏰")
    assert await jobs.flag_untaken_pitches() == 0  # once a day

    # It went through the outbox, like every mass send, once per incubator chat and day.
    async def sent_rows() -> list[OutboxMessage]:
        async with running_bot.sessionmaker() as session:
            rows = (await session.execute(select(OutboxMessage))).scalars().all()
        return list(rows) if all(row.status == "sent" for row in rows) else []

    (row,) = await eventually(sent_rows)
    assert (row.chat_id, row.telegram_message_id) == (GROUP_ID, flagged.message_id)
    assert (row.dedupe_key or "").startswith("untaken:")
    async with running_bot.sessionmaker() as session:
        pitch = (await session.execute(select(Pitch))).scalar_one()
        pitch.last_flagged_at = None  # as if the job ran again the same day
        await session.commit()
    assert await jobs.flag_untaken_pitches() == 1
    assert len(await sent_rows()) == 1
    group.assert_no_new_message()


def test_card_texts_escape_the_residents_words() -> None:
    assert card_texts.quote("<b>&") == "&lt;b&gt;&amp;"
