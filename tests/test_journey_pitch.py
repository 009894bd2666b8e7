"""The pitch journey through the emulator, as residents and the admins who receive pitches."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from storage.models import Pitch, PitchDraft
from tests.conftest import RunningBot
from tests.journeys import answer, press, step_of, translator, walk_to_summary

ADMIN_ID = 9001
REFERENCE = re.compile(r"MT-\d{4}-\d{4}")


@pytest.fixture
def bot_overrides() -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID]}


async def test_full_pitch_in_english_reaches_the_admins(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    amina = emulator.user(2001, first_name="Amina", language_code="en")
    admin = emulator.user(ADMIN_ID, first_name="Coordinator", language_code="sv")

    summary = await walk_to_summary(amina, "en")
    assert summary.text is not None
    assert "Where: Möllevången · Innerstaden (Inner City)" in summary.text
    assert "Theme: 🌱 Environment and climate" in summary.text
    assert "Support wanted: Contacts and partners" in summary.text
    assert "From: A group of residents · Sevedsgårdens cyklister" in summary.text
    assert "Kids in Seved have broken bikes &amp; nowhere to fix them &lt;3" in summary.text

    confirmation = await press(amina, "✅ Send it", summary)
    assert confirmation.text is not None
    reference = REFERENCE.search(confirmation.text)
    assert reference is not None
    assert "Innerstaden incubator" in confirmation.text
    assert "/mypitches" in confirmation.text

    card = await admin.next_message()
    assert card.text is not None
    assert card.text.startswith(f"💡 <b>Ny idé {reference.group()}</b>")
    assert "Inkubator: Inkubatorn Innerstaden" in card.text
    assert "Skriven på: engelska" in card.text
    assert "Kids in Seved have broken bikes &amp; nowhere to fix them &lt;3" in card.text

    mine = await answer(amina, "/mypitches")
    assert mine.text is not None
    assert reference.group() in mine.text
    assert "Status: Received" in mine.text

    async with running_bot.sessionmaker() as session:
        pitch = (await session.execute(select(Pitch))).scalar_one()
        assert pitch.reference == reference.group()
        assert pitch.incubator_code == "innerstaden"
        assert pitch.neighbourhood_code == "mollevangen"
        assert pitch.area_code == "innerstaden"
        assert pitch.theme_code == "environment"
        assert pitch.support_codes == ["contacts"]
        assert pitch.submitter_kind == "group"
        assert pitch.language == "en"
        assert pitch.contact_phone is None and pitch.contact_email is None
        assert await session.get(PitchDraft, 2001) is None


async def start_pitch(user: FakeUser) -> SentMessage:
    """/pitch on a clean slate: the intro, then step 1."""
    await user.send("/pitch")
    await user.next_message()
    return await user.next_message()


async def to_where_step(user: FakeUser) -> SentMessage:
    await start_pitch(user)
    await answer(user, "Läxhjälp i Holma")
    await answer(user, "Barnen behöver en lugn plats för läxor")
    saved = await answer(user, "Volontärer hjälper till två kvällar i veckan")
    return await press(user, "Next ➡️", saved)


async def to_theme_step(user: FakeUser) -> SentMessage:
    where = await to_where_step(user)
    await user.press("Väster (West)", message=where)
    await user.wait_for(lambda: where.edit_count == 1)
    return await press(user, "Holma", where)


async def test_wrong_input_is_explained_and_the_question_asked_again(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    sam = emulator.user(2002, first_name="Sam", language_code="en")
    await start_pitch(sam)

    too_long = await answer(sam, "x" * 81)
    assert too_long.text is not None
    assert too_long.text.startswith("That is 81 characters, but at most 80 fit here.")
    assert "<b>Step 1 of 8</b>" in too_long.text

    empty = await answer(sam, "   ")
    assert empty.text is not None and empty.text.startswith("That looks empty.")

    await sam.send_sticker()
    sticker = await sam.next_message()
    assert sticker.text is not None and sticker.text.startswith("I need text for this step")
    await sam.send_photo()
    assert "I need text for this step" in ((await sam.next_message()).text or "")

    unknown = await answer(sam, "/frobnicate")
    assert unknown.text == "I don't know the command /frobnicate. Here is what I can do:"

    assert step_of(await answer(sam, "Gardening club"), translator("en"), 2)
    await answer(sam, "Lonely balconies")
    await sam.send_document(filename="plan.pdf", content=b"%PDF")
    document = await sam.next_message()
    assert document.text is not None
    assert document.text.startswith("Please write your idea, or send a photo or a voice note.")
    too_long_idea = await answer(sam, "y" * 2001)
    assert (too_long_idea.text or "").startswith("That is 2001 characters, but at most 2000")
    saved = await answer(sam, "Seed swaps every spring")
    where = await press(sam, "Next ➡️", saved)

    typed = await answer(sam, "Söder please")
    assert typed.text is not None
    assert typed.text.startswith("Please choose one of the buttons.")
    assert "<b>Step 4 of 8</b>" in typed.text
    assert where.edit_count == 0

    async with running_bot.sessionmaker() as session:
        draft = await session.get(PitchDraft, 2002)
        assert draft is not None
        assert (draft.title, draft.need, draft.idea_text) == (
            "Gardening club",
            "Lonely balconies",
            "Seed swaps every spring",
        )
        assert draft.step == "where"


async def test_back_across_every_step_keeps_the_answers(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    lea = emulator.user(2003, first_name="Lea", language_code="en")
    summary = await walk_to_summary(lea, "en", title="Open-air cinema")
    await lea.press("✏️ Edit", message=summary)
    menu = await lea.next_message()
    contact = await press(lea, "Contact", menu)
    t = translator("en")
    assert step_of(contact, t, 8)
    # Back from an edit returns to the summary; from the step itself, one step at a time.
    back_to_summary = await press(lea, "⬅️ Back", contact)
    assert back_to_summary.has_button("✅ Send it")
    await lea.press("✏️ Edit", message=back_to_summary)
    contact = await press(lea, "Contact", await lea.next_message())
    consent = await press(lea, "💬 Here in the chat only", contact)
    summary = await press(lea, "✅ Yes, I agree", consent)

    # Now walk back from the last step to the first through every step's Back.
    async with running_bot.sessionmaker() as session:
        draft = await session.get(PitchDraft, 2003)
        assert draft is not None
        draft.step = "contact"
        await session.commit()
    await lea.send("/pitch")
    offer = await lea.next_message()
    message = await press(lea, "↩️ Continue", offer)
    for number in range(8, 1, -1):
        assert step_of(message, t, number), message.text
        message = await press(lea, "⬅️ Back", message)
    assert step_of(message, t, 1)
    assert "⬅️ Back" not in message.button_labels

    async with running_bot.sessionmaker() as session:
        draft = await session.get(PitchDraft, 2003)
        assert draft is not None
        assert draft.title == "Open-air cinema"
        assert draft.neighbourhood_code == "mollevangen"
        assert draft.theme_code == "environment"
        assert draft.support_codes == ["contacts"]
        assert draft.submitter_name == "Sevedsgårdens cyklister"
        assert draft.consent is True

    # Forward again: each step shows what was chosen before.
    await answer(lea, "Open-air cinema in the park")
    idea = await answer(lea, "Kids in Seved have broken bikes & nowhere to fix them <3")
    assert "Saved ✓" in (idea.text or "")
    where = await press(lea, "Next ➡️", idea)
    assert "Now: Möllevången · Innerstaden (Inner City)" in (where.text or "")


async def test_edit_from_the_summary_returns_to_it(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    ali = emulator.user(2004, first_name="Ali", language_code="en")
    summary = await walk_to_summary(ali, "en")
    await ali.press("✏️ Edit", message=summary)
    menu = await ali.next_message()
    assert menu.text == "What would you like to change?"
    title_question = await press(ali, "Title", menu)
    assert step_of(title_question, translator("en"), 1)
    new_summary = await answer(ali, "Bike kitchen")
    assert "<b>Title</b>\nBike kitchen" in (new_summary.text or "")
    assert new_summary.has_button("✅ Send it")

    await ali.press("✏️ Edit", message=new_summary)
    where = await press(ali, "Where", await ali.next_message())
    await ali.press("🏙 The whole city", message=where)
    city_summary = await ali.next_message()
    assert "Where: The whole city" in (city_summary.text or "")

    confirmation = await press(ali, "✅ Send it", city_summary)
    assert "Malmö Together – city-wide" in (confirmation.text or "")


async def test_cancel_keep_resume_and_delete(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    eva = emulator.user(2005, first_name="Eva", language_code="en")
    theme = await to_theme_step(eva)

    question = await press(eva, "✖️ Cancel", theme)
    assert question.text == "Do you want to delete this draft?"
    kept = await press(eva, "Keep it for later", question)
    assert kept.text == "Your draft is saved. Continue any time with /pitch."

    await eva.send("/start")
    await eva.next_message()  # the greeting
    offer = await eva.next_message()
    assert offer.text == (
        "You have an idea you haven't sent yet: “Läxhjälp i Holma”. Would you like to "
        "continue where you left off, or start over?"
    )
    theme_again = await press(eva, "↩️ Continue", offer)
    assert step_of(theme_again, translator("en"), 5)

    await eva.send("/cancel")
    question = await eva.next_message()
    deleted = await press(eva, "🗑 Yes, delete it", question)
    assert deleted.text == "Your draft is deleted. You're welcome back with an idea any time!"
    async with running_bot.sessionmaker() as session:
        assert await session.get(PitchDraft, 2005) is None

    # The old theme buttons belong to a draft that is gone.
    answer_ = await eva.press(theme_again.button_labels[0], message=theme_again)
    assert answer_.text == "This button is no longer valid."


async def test_start_over_from_the_offer(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    bo = emulator.user(2006, first_name="Bo", language_code="en")
    await to_where_step(bo)
    await bo.send("/pitch")
    offer = await bo.next_message()
    await bo.press("🆕 Start over", message=offer)
    await bo.next_message()  # intro
    first = await bo.next_message()
    assert step_of(first, translator("en"), 1)
    async with running_bot.sessionmaker() as session:
        draft = await session.get(PitchDraft, 2006)
        assert draft is not None and draft.title is None and draft.step == "title"


async def test_voice_note_and_photo_reach_the_admins(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    nour = emulator.user(2007, first_name="Nour", language_code="en")
    admin = emulator.user(ADMIN_ID, first_name="Admin", language_code="en")
    await start_pitch(nour)
    await answer(nour, "Storytelling evenings")
    await answer(nour, "Grandparents' stories get lost")
    await nour.send_voice(duration=12)
    saved = await nour.next_message()
    assert "Saved ✓" in (saved.text or "")
    await nour.send_photo(caption="Our courtyard")
    saved = await nour.next_message()
    where = await press(nour, "Next ➡️", saved)
    await nour.press("🏙 The whole city", message=where)
    theme = await nour.next_message()
    support = (
        await press(nour, "🎭 " + "Culture and leisure", theme)
        if any(label.startswith("🎭") for label in theme.button_labels)
        else await press(nour, theme.button_labels[2], theme)
    )
    who = await press(nour, "Skip ➡️", support)
    contact = await press(nour, "Skip ➡️", who)
    consent = await press(nour, "💬 Here in the chat only", contact)
    summary = await press(nour, "✅ Yes, I agree", consent)
    assert "📎 Attachments: 2" in (summary.text or "")
    assert "<b>The idea</b>\nOur courtyard" in (summary.text or "")
    await press(nour, "✅ Send it", summary)

    card, voice, photo = await admin.next_messages(3)
    # The admin never wrote to the bot: cards come in the default language, Swedish.
    attachments = translator("sv")("📎 Attachments sent below: {count}").format(count=2)
    assert attachments in (card.text or "")
    assert voice.method == "sendVoice" and photo.method == "sendPhoto"
    reference = REFERENCE.search(card.text or "")
    assert reference is not None
    assert voice.text == reference.group() and photo.text == reference.group()
    async with running_bot.sessionmaker() as session:
        pitch = (await session.execute(select(Pitch))).scalar_one()
        assert [item["kind"] for item in pitch.media] == ["voice", "photo"]
        assert voice.params["voice"] == pitch.media[0]["file_id"]


async def test_location_proposes_the_nearest_neighbourhood(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    kim = emulator.user(2008, first_name="Kim", language_code="en")
    where = await to_where_step(kim)
    request = await press(kim, "📍 Use my location", where)
    assert request.reply_markup is not None
    assert request.reply_markup["keyboard"][0][0]["request_location"] is True

    await kim.share_location(55.6761, 12.5683)  # Copenhagen
    outside = await kim.next_message()
    assert outside.text == "That place seems to be outside Malmö. Please choose an area instead."
    areas = await kim.next_message()
    assert step_of(areas, translator("en"), 4)

    await kim.share_location(55.5908, 13.0078)  # Möllevångstorget
    thanks = await kim.next_message()
    assert thanks.reply_markup == {"remove_keyboard": True}
    proposal = await kim.next_message()
    assert proposal.text == "Is it near Möllevången (Innerstaden (Inner City))?"
    theme = await press(kim, "✅ Yes", proposal)
    assert step_of(theme, translator("en"), 5)
    async with running_bot.sessionmaker() as session:
        draft = await session.get(PitchDraft, 2008)
        assert draft is not None
        assert (draft.area_code, draft.neighbourhood_code) == ("innerstaden", "mollevangen")


async def test_contact_by_phone_and_email(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    maja = emulator.user(2009, first_name="Maja", language_code="en")
    admin = emulator.user(ADMIN_ID, first_name="Admin", language_code="en")
    await admin.send("/start")  # an admin who has talked to the bot gets cards in English
    await admin.next_message()
    theme = await to_theme_step(maja)
    support = await press(maja, theme.button_labels[0], theme)
    who = await press(maja, "Skip ➡️", support)
    contact = await press(maja, "Skip ➡️", who)

    phone_request = await press(maja, "📞 Also by phone", contact)
    assert phone_request.reply_markup is not None
    assert phone_request.reply_markup["keyboard"][0][0]["request_contact"] is True
    await maja.share_contact("+46709999999", first_name="Someone", user_id=777)
    refused = await maja.next_message()
    assert (refused.text or "").startswith("Please share your own number")
    await maja.share_contact("46701234567", first_name="Maja")
    await maja.next_message()  # thanks, keyboard removed
    consent = await maja.next_message()
    assert "Väster incubator" in (consent.text or "")
    summary = await press(maja, "✅ Yes, I agree", consent)
    assert "Contact: In this chat · phone +46701234567" in (summary.text or "")

    await maja.press("✏️ Edit", message=summary)
    contact = await press(maja, "Contact", await maja.next_message())
    email_question = await press(maja, "✉️ Also by e-mail", contact)
    assert email_question.text == "Please write your e-mail address."
    wrong = await answer(maja, "maja@gmail")
    assert (wrong.text or "").startswith("That doesn't look like an e-mail address.")
    consent = await answer(maja, "maja@example.se")
    summary = await press(maja, "✅ Yes, I agree", consent)
    assert "e-mail maja@example.se" in (summary.text or "")
    await press(maja, "✅ Send it", summary)
    card = await admin.next_message()
    assert "phone +46701234567" in (card.text or "")
    assert "e-mail maja@example.se" in (card.text or "")


async def test_no_consent_means_nothing_is_sent(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    ola = emulator.user(2010, first_name="Ola", language_code="en")
    theme = await to_theme_step(ola)
    support = await press(ola, theme.button_labels[0], theme)
    who = await press(ola, "Skip ➡️", support)
    contact = await press(ola, "Skip ➡️", who)
    consent = await press(ola, "💬 Here in the chat only", contact)
    refusal = await press(ola, "No", consent)
    assert (refusal.text or "").startswith("Without your consent I can't store or share")
    deleted = await press(ola, "🗑 Delete my draft", refusal)
    assert deleted.text == "Your draft is deleted. You're welcome back with an idea any time!"
    async with running_bot.sessionmaker() as session:
        assert await session.get(PitchDraft, 2010) is None
        assert (await session.execute(select(Pitch))).first() is None


async def test_restart_in_the_middle_resumes_at_the_same_step(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    tove = emulator.user(2011, first_name="Tove", language_code="en")
    theme = await to_theme_step(tove)

    await running_bot.restart()

    support = await press(tove, theme.button_labels[3], theme)  # the old message still works
    assert step_of(support, translator("en"), 6)
    await running_bot.restart()
    who = await press(tove, "Skip ➡️", support)
    name_question = await press(tove, "An association", who)
    await running_bot.restart()
    contact = await answer(tove, "Holma läxklubb")  # typed into the persisted state
    assert step_of(contact, translator("en"), 8)
    consent = await press(tove, "💬 Here in the chat only", contact)
    summary = await press(tove, "✅ Yes, I agree", consent)
    text = summary.text or ""
    assert "<b>Title</b>\nLäxhjälp i Holma" in text
    assert "<b>The need</b>\nBarnen behöver en lugn plats för läxor" in text
    assert "Where: Holma · Väster (West)" in text
    assert "From: An association · Holma läxklubb" in text
    assert name_question.text is not None


async def test_two_residents_pitching_at_once_do_not_mix(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    import asyncio

    first = emulator.user(2012, first_name="Ida", language_code="en")
    second = emulator.user(2013, first_name="Omar", language_code="en")
    summaries = await asyncio.gather(
        walk_to_summary(first, "en", title="Ida's swap shop", neighbourhood="lugnet"),
        walk_to_summary(
            second, "en", title="Omar's football", area="soder", neighbourhood="nydala"
        ),
    )
    assert "Ida's swap shop" in (summaries[0].text or "")
    assert "Lugnet" in (summaries[0].text or "")
    assert "Omar's football" in (summaries[1].text or "")
    assert "Nydala · Söder (South)" in (summaries[1].text or "")
    assert "Omar" not in (summaries[0].text or "")


async def test_a_posters_link_starts_in_its_area(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    sara = emulator.user(2014, first_name="Sara", language_code="en")
    await sara.send("/start pitch_soder")
    greeting = await sara.next_message()
    assert (greeting.text or "").startswith("Hello, Sara!")
    await sara.next_message()  # intro
    await sara.next_message()  # step 1
    await answer(sara, "Street party")
    await answer(sara, "We don't know our neighbours")
    saved = await answer(sara, "A street party in June")
    where = await press(sara, "Next ➡️", saved)
    assert (where.text or "").startswith("<b>Step 4 of 8</b>\nWhich neighbourhood in Söder")
    assert "All of Söder (South)" in where.button_labels
    theme = await press(sara, "All of Söder (South)", where)
    assert step_of(theme, translator("en"), 5)


async def test_forged_and_stale_pitch_buttons_change_nothing(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    mallory = emulator.user(2015, first_name="Mallory", language_code="en")
    theme = await to_theme_step(mallory)

    stale = await mallory.press_data("p:where:city:", message=theme)
    assert stale.text == "This button is no longer valid."
    early = await mallory.press_data("p:summary:submit:", message=theme)
    assert early.text == "This button is no longer valid."
    unreadable = await mallory.press_data("p:theme:theme:../../etc", message=theme)
    assert unreadable.text == "This button is no longer valid."
    assert (await mallory.next_message()).text == "Here is the menu."
    unknown_action = await mallory.press_data("p:theme:bogus:x", message=theme)
    assert unknown_action.text == "This button is no longer valid."
    assert (await mallory.next_message()).text == "Here is the menu."
    # A real action, but not one the theme step offers: refused as stale, nothing sent.
    misplaced = await mallory.press_data("p:theme:kind:group", message=theme)
    assert misplaced.text == "This button is no longer valid."
    mallory.assert_no_new_message()
    await mallory.press_data("p:theme:theme:atlantis", message=theme)
    again = await mallory.next_message()
    assert (again.text or "").startswith("Please choose one of the buttons.")
    assert "<b>Step 5 of 8</b>" in (again.text or "")

    async with running_bot.sessionmaker() as session:
        draft = await session.get(PitchDraft, 2015)
        assert draft is not None
        assert draft.step == "theme" and draft.theme_code is None and not draft.whole_city
        assert (await session.execute(select(Pitch))).first() is None


async def test_long_pitches_are_split_for_the_admins(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    rut = emulator.user(2016, first_name="Rut", language_code="en")
    admin = emulator.user(ADMIN_ID, first_name="Admin", language_code="en")
    summary = await walk_to_summary(rut, "en", need="<&> " * 250, idea="Fish & chips <3 " * 125)
    parts = [
        message
        for message in rut.messages
        if "<b>Your idea, before you send it</b>" in (message.text or "")
    ]
    assert len(parts) == 1  # the first of several summary messages
    assert summary.message_id > parts[0].message_id
    assert all(len(message.text or "") <= 4096 for message in rut.messages)
    await press(rut, "✅ Send it", summary)
    await emulator.wait_for(lambda: len(admin.messages) >= 2)
    cards = admin.messages
    assert all(len(card.text or "") <= 4096 for card in cards)
    joined = "".join(card.text or "" for card in cards)
    assert joined.count("Fish &amp; chips &lt;3") == 125


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("sv", ("Tack! Din idé", "Inkubatorn Söder", "Status: Mottagen")),
        ("es", ("¡Gracias! Tu idea", "Incubadora Söder", "Estado: Recibida")),
        ("ar", ("شكراً! أُرسلت فكرتك", "حاضنة سودر", "الحالة: تم الاستلام")),
        ("en", ("Thank you! Your idea", "Söder incubator", "Status: Received")),
    ],
)
async def test_a_whole_pitch_in_each_language(
    emulator: TelegramEmulator, running_bot: RunningBot, locale: str, expected: tuple[str, ...]
) -> None:
    """Every step in the resident's language; the admin's card in the admin's own."""
    resident = emulator.user(3000, first_name="Resident", language_code=locale)
    admin = emulator.user(ADMIN_ID, first_name="Admin", language_code="es")
    await admin.send("/start")
    await admin.next_message()
    t = translator(locale)

    summary = await walk_to_summary(
        resident,
        locale,
        title="Läxhjälp <på> biblioteket",
        area="soder",
        neighbourhood="lindangen",
        theme="work",
        group_name="Lindängens föräldrar",
    )
    assert "Läxhjälp &lt;på&gt; biblioteket" in (summary.text or "")
    confirmation = await press(resident, t("✅ Send it"), summary)
    thanks, incubator, status = expected
    assert thanks in (confirmation.text or "")
    assert incubator in (confirmation.text or "")
    reference = REFERENCE.search(confirmation.text or "")
    assert reference is not None

    card = await admin.next_message()
    language_names = {"sv": "sueco", "en": "inglés", "es": "español", "ar": "árabe"}
    assert f"Escrita en: {language_names[locale]}" in (card.text or "")
    assert "Incubadora: Incubadora Söder" in (card.text or "")
    assert "Lindängens föräldrar" in (card.text or "")

    mine = await answer(resident, "/mypitches")
    assert reference.group() in (mine.text or "")
    assert status in (mine.text or "")


async def test_a_crowd_of_residents_is_served_without_stalling(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    """More residents at once than updates may run concurrently: all are answered in turn."""
    import asyncio

    crowd = [emulator.user(4000 + n, language_code="sv") for n in range(40)]
    t = translator("sv")

    async def begin(user: FakeUser) -> None:
        await start_pitch(user)
        assert step_of(await answer(user, f"Idé nummer {user.id}"), t, 2)

    await asyncio.gather(*(begin(user) for user in crowd))
    async with running_bot.sessionmaker() as session:
        titles = {draft.title for draft in (await session.execute(select(PitchDraft))).scalars()}
    assert titles == {f"Idé nummer {user.id}" for user in crowd}
