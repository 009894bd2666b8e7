"""First journey through the emulator: /start, languages, the menu, and bad input."""

from __future__ import annotations

import logging

import pytest

from playground.emulator import TelegramEmulator
from storage.models import User
from tests.conftest import RunningBot
from tests.journeys import translator

SV_MENU = [
    "💡 Lämna en idé",
    "📅 Evenemang",
    "🔔 Prenumerationer",
    "🌐 Språk",
    "ℹ️ Om oss och integritet",
]


async def test_arabic_greeting_switch_to_swedish_survives_restart(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    amina = emulator.user(1001, first_name="Amina", language_code="ar")

    await amina.send("/start")
    greeting = await amina.next_message()
    assert greeting.text is not None
    assert greeting.text.startswith("مرحباً Amina! 👋")
    assert "مالمو معاً" in greeting.text
    assert greeting.parse_mode == "HTML"
    assert "💡 اقترح فكرة" in greeting.button_labels

    await amina.send("/language")
    prompt = await amina.next_message()
    assert prompt.text == "بأي لغة تفضّل أن أكتب إليك؟"
    assert prompt.button_labels == ["Svenska", "English", "Español", "✓ العربية"]

    await amina.press("Svenska")
    await amina.wait_for(lambda: prompt.edit_count == 1)
    assert prompt.text == "Klart! Från och med nu skriver jag till dig på svenska."
    menu = await amina.next_message()
    assert menu.text == "Vad vill du göra?"
    assert menu.button_labels == SV_MENU

    await running_bot.restart()

    await amina.send("/start")
    again = await amina.next_message()
    assert again.text is not None
    assert again.text.startswith("Hej Amina! 👋")
    assert again.button_labels == SV_MENU


async def test_unshipped_telegram_language_gets_the_default(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    aino = emulator.user(1002, first_name="Aino", language_code="fi")
    await aino.send("/start")
    greeting = await aino.next_message()
    assert greeting.text is not None
    assert greeting.text.startswith("Hej Aino! 👋")
    assert "Välkommen till <b>Tillsammans</b>" in greeting.text


async def test_language_from_the_menu_button(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    john = emulator.user(1003, first_name="John", language_code="en-GB")
    await john.send("/start")
    greeting = await john.next_message()
    assert greeting.text is not None
    assert greeting.text.startswith("Hello, John! 👋")

    await john.press("🌐 Language", message=greeting)
    prompt = await john.next_message()
    assert prompt.text == "Which language would you like me to use?"
    assert "✓ English" in prompt.button_labels

    await john.press("Español")
    await john.wait_for(lambda: prompt.edit_count == 1)
    assert prompt.text == "¡Listo! A partir de ahora te escribiré en español."
    menu = await john.next_message()
    assert menu.text == "¿Qué te gustaría hacer?"
    assert "💡 Proponer una idea" in menu.button_labels

    async with running_bot.sessionmaker() as session:
        stored = await session.get(User, 1003)
        assert stored is not None
        assert stored.locale == "es"


async def test_about_privacy_and_help(emulator: TelegramEmulator, running_bot: RunningBot) -> None:
    sara = emulator.user(1004, first_name="Sara", language_code="sv")
    await sara.send("/start")
    greeting = await sara.next_message()

    await sara.press("ℹ️ Om oss och integritet", message=greeting)
    about = await sara.next_message()
    assert about.text is not None
    assert "<b>Dina uppgifter</b>" in about.text
    assert "/privacy" in about.text and "/mydata" in about.text
    assert about.button_labels == ["🔒 Integritetsmeddelande", "📦 Mina uppgifter", "⬅️ Huvudmeny"]

    await sara.press("⬅️ Huvudmeny", message=about)
    menu = await sara.next_message()
    assert menu.text == "Vad vill du göra?"

    await sara.send("/help")
    help_message = await sara.next_message()
    assert help_message.text is not None
    assert "/language – byt språk" in help_message.text
    assert "/mydata – allt vi sparar om dig" in help_message.text
    assert help_message.button_labels == SV_MENU

    await sara.send("/about")
    assert (await sara.next_message()).text == about.text


async def test_the_menu_opens_events_and_subscriptions(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    omar = emulator.user(1005, first_name="Omar", language_code="es")
    await omar.send("/start")
    greeting = await omar.next_message()
    t = translator("es")
    await omar.press("📅 Eventos", message=greeting)
    events = await omar.next_message()
    assert events.text == t(
        "There are no meetings planned right now. New ones are announced here: "
        "with /subscribe I will tell you as soon as there is one."
    )
    await omar.press("🔔 Suscripciones", message=greeting)
    subscriptions = await omar.next_message()
    assert (subscriptions.text or "").startswith(t("🔔 <b>Subscriptions</b>"))
    assert t("💾 Save") in subscriptions.button_labels


async def test_user_text_is_escaped(emulator: TelegramEmulator, running_bot: RunningBot) -> None:
    eve = emulator.user(1006, first_name="<b>Eve</b> & <i>co", language_code="en")
    await eve.send("/start")
    greeting = await eve.next_message()
    assert greeting.text is not None
    assert greeting.text.startswith("Hello, &lt;b&gt;Eve&lt;/b&gt; &amp; &lt;i&gt;co! 👋")

    await eve.send("/<script>alert(1)</script>")
    reply = await eve.next_message()
    assert reply.text == (
        "I don't know the command /&lt;script&gt;alert(1)&lt;/script&gt;. Here is what I can do:"
    )


@pytest.mark.parametrize(
    ("action", "expected_start"),
    [
        ("text", "Förlåt, det förstod jag inte."),
        ("long_text", "Förlåt, det förstod jag inte."),
        ("unknown_command", "Jag känner inte till kommandot /frobnicate."),
        ("sticker", "Här kan jag bara läsa text."),
        ("photo", "Här kan jag bara läsa text."),
        ("voice", "Här kan jag bara läsa text."),
        ("location", "Här kan jag bara läsa text."),
        ("contact", "Här kan jag bara läsa text."),
        ("document", "Här kan jag bara läsa text."),
    ],
)
async def test_unexpected_input_gets_a_kind_answer_and_the_menu(
    emulator: TelegramEmulator, running_bot: RunningBot, action: str, expected_start: str
) -> None:
    lisa = emulator.user(1007, first_name="Lisa", language_code="sv")
    actions = {
        "text": lambda: lisa.send("Hej, hur funkar det här?"),
        "long_text": lambda: lisa.send("å" * 4096),
        "unknown_command": lambda: lisa.send("/frobnicate now"),
        "sticker": lisa.send_sticker,
        "photo": lambda: lisa.send_photo(caption="min idé"),
        "voice": lambda: lisa.send_voice(duration=3),
        "location": lambda: lisa.share_location(55.6050, 13.0038),
        "contact": lambda: lisa.share_contact("+46701234567", first_name="Lisa"),
        "document": lambda: lisa.send_document(filename="idea.pdf", content=b"%PDF-1.4"),
    }
    await actions[action]()
    reply = await lisa.next_message()
    assert reply.text is not None
    assert reply.text.startswith(expected_start)
    assert reply.button_labels == SV_MENU


async def test_edited_message_is_answered(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    lena = emulator.user(1008, first_name="Lena", language_code="en")
    message_id = await lena.send("my idea is a bike repair cafe")
    await lena.next_message()
    await lena.edit_message(message_id, "my idea is a bike repair café in Sofielund")
    reply = await lena.next_message()
    assert reply.text is not None
    assert reply.text.startswith("I noticed you edited a message.")


async def test_forged_and_stale_buttons_change_nothing(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    mo = emulator.user(1009, first_name="Mo", language_code="en")
    await mo.send("/start")
    greeting = await mo.next_message()

    for forged in ("lang:xx", "lang:", "m:delete_everything", "garbage", "x" * 64):
        answer = await mo.press_data(forged, message=greeting)
        assert answer.text == "This button is no longer valid."
        menu = await mo.next_message()
        assert menu.text == "Here is the menu."

    async with running_bot.sessionmaker() as session:
        stored = await session.get(User, 1009)
        assert stored is not None
        assert stored.locale == "en"


async def test_deep_links_are_kept_and_unknown_ones_ignored(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    nils = emulator.user(1010, first_name="Nils", language_code="sv")
    await nils.send("/start pitch_rosengard")
    greeting = await nils.next_message()
    assert greeting.text is not None
    assert greeting.text.startswith("Hej Nils! 👋")
    intro = await nils.next_message()
    assert (intro.text or "").startswith("Vad roligt, berätta! Ingen idé är för liten.")
    first_step = await nils.next_message()
    assert (first_step.text or "").startswith("<b>Steg 1 av 8</b>")

    await nils.send("/start <weird>payload")
    polite = await nils.next_message()
    assert polite.text == greeting.text
    offer = await nils.next_message()  # the unsent draft is offered, the payload ignored
    assert offer.button_labels == ["↩️ Fortsätt", "🆕 Börja om"]

    async with running_bot.sessionmaker() as session:
        stored = await session.get(User, 1010)
        assert stored is not None
        assert stored.start_payload == "pitch_rosengard"


async def test_groups_get_deliberate_silence(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    group = emulator.group(-1001234, title="Grannar i Söder")
    member = emulator.user(1011, first_name="Kim", language_code="sv")
    await group.send(member, "hej alla")
    await group.send(member, "/start")
    await group.send(member, "/frobnicate")
    # A private message afterwards: once it is answered, the group updates were handled too.
    await member.send("/help")
    await member.next_message()
    await emulator.wait_for(lambda: not emulator.pending_updates, timeout=5)
    assert group.messages == []
    async with running_bot.sessionmaker() as session:
        assert await session.get(User, 1011) is not None  # created by the private chat only


async def test_command_menus_are_set_per_language(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    menus = emulator.my_commands
    descriptions = {
        language: {c["command"]: c["description"] for c in menus[("default", None, language)]}
        for language in ("sv", "en", "es", "ar")
    }
    assert descriptions["sv"]["language"] == "Byt språk"
    assert descriptions["en"]["language"] == "Change the language"
    assert descriptions["es"]["language"] == "Cambiar el idioma"
    assert descriptions["ar"]["language"] == "تغيير اللغة"
    assert descriptions["sv"]["mydata"] == "Allt vi sparar om dig"
    assert descriptions["ar"]["mydata"] == "كل ما نحتفظ به عنك"
    assert all("privacy" in menu for menu in descriptions.values())
    default_menu = {c["command"]: c["description"] for c in menus[("default", None, None)]}
    assert default_menu == descriptions["sv"]


async def test_a_failure_is_logged_by_id_and_the_resident_told_in_their_language(
    emulator: TelegramEmulator, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    amina = emulator.user(1012, first_name="Amina", language_code="ar")
    await amina.send("/start")
    await amina.next_message()

    emulator.inject_error("sendMessage", status=500, times=1, chat_id=1012)
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        await amina.send("my secret idea about Möllevången")
        apology = await amina.next_message()
    assert (
        apology.text == "عذراً، حدث خطأ من جهتنا. بياناتك في أمان. من فضلك حاول مرة أخرى بعد قليل."
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "failed with TelegramServerError" in logged
    assert "my secret idea" not in logged
    assert "Möllevången" not in logged
