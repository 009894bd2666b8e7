"""Tests of the in-process Telegram Bot API emulator, driven by a real aiogram Bot."""

from __future__ import annotations

import asyncio
import html
import io
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.methods import SendPoll
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from aiohttp import web

from playground.emulator import (
    NOT_MODIFIED,
    CallbackAnswer,
    FakeUser,
    HtmlParseError,
    LocalAiohttpSession,
    SentMessage,
    TelegramEmulator,
    parse_telegram_html,
)

TOKEN = "123456:TEST-TOKEN"


def make_bot(emu: TelegramEmulator, token: str = TOKEN) -> Bot:
    """A real aiogram Bot talking to the emulator."""
    session = LocalAiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def keyboard(*labels: str, prefix: str = "cb") -> InlineKeyboardMarkup:
    """One inline button per row."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=f"{prefix}:{label}")]
            for label in labels
        ]
    )


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    """A started emulator."""
    async with TelegramEmulator() as emulator:
        yield emulator


@pytest_asyncio.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[Bot]:
    """A bot whose session is closed after the test."""
    instance = make_bot(emu)
    yield instance
    await instance.session.close()


@pytest.fixture
def amina(emu: TelegramEmulator) -> FakeUser:
    """An Arabic-speaking user."""
    return emu.user(1001, first_name="Amina", language_code="ar")


def echo_router() -> Router:
    """Handlers used by the polling tests."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(
            f"Welcome, <b>{message.from_user.first_name}</b>! args={command.args}",
            reply_markup=keyboard("English", "Svenska", prefix="lang"),
        )

    @router.message(Command("bindchat"))
    async def bindchat(message: Message, command: CommandObject) -> None:
        await message.reply(f"Bound {message.chat.title} to {command.args}")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}", parse_mode=None)

    @router.message(F.photo)
    async def photo(message: Message, bot: Bot) -> None:
        await bot.send_photo(message.chat.id, message.photo[-1].file_id, caption="nice")

    @router.callback_query(F.data.startswith("lang:"))
    async def pick_language(callback: CallbackQuery) -> None:
        assert isinstance(callback.message, Message)
        language = callback.data.split(":", 1)[1]
        await callback.message.edit_text(f"Language: {language}")
        await callback.answer(f"Saved {language}")

    @router.callback_query()
    async def unknown(callback: CallbackQuery) -> None:
        await callback.answer("Unknown button", show_alert=True)

    return router


# --------------------------------------------------------------------------------------------
# Basic API
# --------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_lifecycle_and_get_me(emu: TelegramEmulator, bot: Bot) -> None:
    assert emu.base_url.startswith("http://127.0.0.1:")
    assert emu.bot_id == 123456
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "tillsammans_test_bot"
    assert emu.calls[-1].method == "getMe"
    assert emu.calls[-1].ok


@pytest.mark.asyncio
async def test_wrong_token_and_unknown_method(emu: TelegramEmulator, bot: Bot) -> None:
    intruder = make_bot(emu, token="999:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await intruder.get_me()
    finally:
        await intruder.session.close()
    with pytest.raises(TelegramNotFound, match="'sendPoll' is not implemented"):
        await bot(SendPoll(chat_id=1001, question="?", options=["a", "b"]))
    failed = emu.failed_calls
    assert [c.status for c in failed] == [401, 404]
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{emu.base_url}/bot{TOKEN}/nope") as resp,
    ):
        body = await resp.json()
    assert resp.status == 404
    assert body == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method 'nope' is not implemented by the test emulator",
    }


@pytest.mark.asyncio
async def test_method_names_case_insensitive_and_json_body(emu: TelegramEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.base_url}/bot{TOKEN}/GETME") as resp:
            assert (await resp.json())["result"]["id"] == emu.bot_id
        payload = {
            "chat_id": 1001,
            "text": "<i>json</i>",
            "parse_mode": "HTML",
            "reply_markup": {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
        }
        async with http.post(f"{emu.base_url}/bot{TOKEN}/sendmessage", json=payload) as resp:
            body = await resp.json()
    assert body["ok"], body
    assert body["result"]["text"] == "json"
    assert body["result"]["entities"] == [{"type": "italic", "offset": 0, "length": 4}]
    sent = emu.sent[-1]
    assert sent.method == "sendMessage"
    assert sent.callback_data("Go") == "go"
    assert emu.calls[0].method == "getMe"


@pytest.mark.asyncio
async def test_send_edit_delete(emu: TelegramEmulator, bot: Bot, amina: FakeUser) -> None:
    msg = await bot.send_message(
        amina.id, "Pick <b>one</b>", reply_markup=keyboard("English", "Svenska")
    )
    assert msg.text == "Pick one"
    assert msg.html_text == "Pick <b>one</b>"
    assert msg.from_user is not None and msg.from_user.id == emu.bot_id
    sent = await amina.next_message()
    assert isinstance(sent, SentMessage)
    assert (sent.message_id, sent.chat_id, sent.method) == (msg.message_id, 1001, "sendMessage")
    assert sent.text == "Pick <b>one</b>"
    assert sent.plain_text == "Pick one"
    assert sent.parse_mode == "HTML"
    assert sent.buttons == [["English"], ["Svenska"]]
    assert sent.button_labels == ["English", "Svenska"]
    assert sent.callback_data("Svenska") == "cb:Svenska"
    assert sent.has_button("English") and not sent.has_button("Deutsch")
    assert sent.params["chat_id"] == 1001

    edited = await bot.edit_message_text(
        "Chosen", chat_id=amina.id, message_id=msg.message_id, reply_markup=keyboard("Undo")
    )
    assert isinstance(edited, Message) and edited.text == "Chosen"
    assert sent.text == "Chosen" and sent.edit_count == 1 and sent.buttons == [["Undo"]]
    assert sent.history == ["Pick <b>one</b>"]

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Chosen", chat_id=amina.id, message_id=msg.message_id, reply_markup=keyboard("Undo")
        )
    assert emu.failed_calls[-1].description == f"Bad Request: {NOT_MODIFIED}"

    # Editing the text without reply_markup removes the inline keyboard, as in Telegram.
    await bot.edit_message_text("Chosen", chat_id=amina.id, message_id=msg.message_id)
    assert sent.reply_markup is None and sent.edit_count == 2
    await bot.edit_message_reply_markup(
        chat_id=amina.id, message_id=msg.message_id, reply_markup=keyboard("Again")
    )
    assert sent.button_labels == ["Again"] and sent.edit_count == 3

    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=amina.id, message_id=999)

    assert await bot.delete_message(amina.id, msg.message_id)
    assert sent.deleted
    assert amina.last_message is None
    assert amina.messages == [sent]
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("y", chat_id=amina.id, message_id=msg.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(amina.id, msg.message_id)
    amina.assert_no_new_message()


@pytest.mark.asyncio
async def test_reply_keyboard_and_reply_to(
    emu: TelegramEmulator, bot: Bot, amina: FakeUser
) -> None:
    user_msg_id = await amina.send("hello")
    markup = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Share location", request_location=True)]],
        resize_keyboard=True,
    )
    msg = await bot.send_message(
        amina.id, "Where are you?", reply_markup=markup, reply_to_message_id=user_msg_id
    )
    assert msg.reply_to_message is not None
    assert msg.reply_to_message.text == "hello"
    sent = await amina.next_message()
    assert sent.reply_buttons == [["Share location"]]
    assert sent.buttons == []
    assert sent.reply_to_message_id == user_msg_id
    assert user_msg_id < sent.message_id
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(amina.id, "x", reply_to_message_id=555)


@pytest.mark.asyncio
async def test_validation_errors(emu: TelegramEmulator, bot: Bot, amina: FakeUser) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(amina.id, "   ")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(amina.id, "x" * 4097)
    await bot.send_message(amina.id, "x" * 4096)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(amina.id, "Idea from Tom & Jerry <3")
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(amina.id, "line<br>break")
    await bot.send_message(amina.id, "Tom & Jerry <3", parse_mode=None)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(amina.id, "too long data", reply_markup=keyboard("x" * 70))
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(amina.id, BufferedInputFile(b"x", "x.txt"), caption="c" * 1025)
    assert len(emu.sent) == 2
    assert emu.message_counts() == {1001: 2}
    assert [c.status for c in emu.failed_calls] == [400] * 6


@pytest.mark.asyncio
async def test_document_upload_and_download(
    emu: TelegramEmulator, bot: Bot, amina: FakeUser
) -> None:
    content = b"%PDF-1.4 hello \x00\xff"
    msg = await bot.send_document(
        amina.id, BufferedInputFile(content, filename="pitch.pdf"), caption="Your <i>pitch</i>"
    )
    assert msg.document is not None and msg.document.file_name == "pitch.pdf"
    assert msg.caption == "Your pitch"
    sent = await amina.next_message()
    assert sent.method == "sendDocument"
    assert sent.document is not None
    assert sent.document.filename == "pitch.pdf"
    assert sent.document.content == content
    assert sent.text == "Your <i>pitch</i>"
    assert sent.file_id == msg.document.file_id

    buffer = io.BytesIO()
    await bot.download(msg.document.file_id, destination=buffer)
    assert buffer.getvalue() == content

    edited = await bot.edit_message_caption(
        chat_id=amina.id, message_id=msg.message_id, caption="Final <b>pitch</b>"
    )
    assert isinstance(edited, Message) and edited.caption == "Final pitch"
    assert sent.text == "Final <b>pitch</b>" and sent.edit_count == 1
    text_msg = await bot.send_message(amina.id, "text only")
    with pytest.raises(TelegramBadRequest, match="no caption in the message"):
        await bot.edit_message_caption(
            chat_id=amina.id, message_id=text_msg.message_id, caption="x"
        )
    voice = await bot.send_voice(amina.id, BufferedInputFile(b"OggS", "v.ogg"), duration=3)
    assert voice.voice is not None and voice.voice.duration == 3
    assert emu.sent[-1].voice_file is not None and emu.sent[-1].voice_file.content == b"OggS"
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")

    # Re-sending by file id is remembered; unknown ids are rejected like Telegram does.
    again = await bot.send_document(amina.id, msg.document.file_id)
    assert again.document is not None and again.document.file_id == msg.document.file_id
    assert emu.sent[-1].document is None and emu.sent[-1].file_id == msg.document.file_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(amina.id, "made-up-id")
    seeded = emu.register_file(b"seed", kind="photo", file_id="seeded-photo")
    await bot.send_photo(amina.id, seeded.file_id)


@pytest.mark.asyncio
async def test_user_media_updates_are_valid(
    emu: TelegramEmulator, bot: Bot, amina: FakeUser
) -> None:
    await amina.send("/start pitch")
    await amina.send("/start@tillsammans_test_bot")
    text_id = await amina.send("hi")
    await amina.edit_message(text_id, "hi again")
    await amina.share_location(55.605, 13.003)
    await amina.share_contact("+46701234567")
    await amina.send_photo(caption="my idea")
    await amina.send_voice(duration=7)
    await amina.send_sticker()
    await amina.send_document(filename="a.pdf", content=b"PDF")
    bot_msg = await bot.send_message(amina.id, "question?")
    await amina.send("answer", reply_to=await amina.next_message())
    await amina.block_bot()

    updates = await bot.get_updates(timeout=0)
    assert all(isinstance(u, Update) for u in updates)
    assert len(updates) == 12
    first, second, _, edited, location, contact, photo, voice, sticker, document = updates[:10]
    assert first.message.entities[0].type == "bot_command"
    assert first.message.entities[0].length == 6
    assert first.message.from_user.language_code == "ar"
    assert second.message.entities[0].length == len("/start@tillsammans_test_bot")
    assert edited.edited_message.text == "hi again"
    assert edited.edited_message.message_id == text_id
    assert location.message.location.latitude == pytest.approx(55.605)
    assert contact.message.contact.user_id == amina.id
    assert photo.message.caption == "my idea"
    assert len({size.file_id for size in photo.message.photo}) == 3
    assert voice.message.voice.duration == 7
    assert sticker.message.sticker.emoji
    assert document.message.document.file_name == "a.pdf"
    reply = updates[10].message
    assert reply.reply_to_message.message_id == bot_msg.message_id
    assert reply.reply_to_message.from_user.id == emu.bot_id
    assert updates[11].my_chat_member.new_chat_member.status == "kicked"

    # The bot can download what the user sent.
    buffer = io.BytesIO()
    await bot.download(document.message.document.file_id, destination=buffer)
    assert buffer.getvalue() == b"PDF"
    # Blocked users make sends fail with 403.
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(amina.id, "still there?")
    await amina.unblock_bot()
    await bot.send_message(amina.id, "welcome back")


@pytest.mark.asyncio
async def test_commands(emu: TelegramEmulator, bot: Bot) -> None:
    default = [BotCommand(command="start", description="Start")]
    swedish = [
        BotCommand(command="start", description="Börja"),
        BotCommand(command="ideas", description="Idéer"),
    ]
    admin = [BotCommand(command="bindchat", description="Bind this chat")]
    assert await bot.set_my_commands(default)
    assert await bot.set_my_commands(swedish, language_code="sv")
    assert await bot.set_my_commands(admin, scope=BotCommandScopeChat(chat_id=-100123))
    assert emu.my_commands[("default", None, None)] == [
        {"command": "start", "description": "Start"}
    ]
    assert [c["command"] for c in emu.my_commands[("default", None, "sv")]] == [
        "start",
        "ideas",
    ]
    assert emu.my_commands[("chat", -100123, None)][0]["command"] == "bindchat"
    fetched = await bot.get_my_commands(language_code="sv")
    assert [c.description for c in fetched] == ["Börja", "Idéer"]
    assert await bot.get_my_commands(language_code="ar") == []
    assert await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=-100123))
    assert ("chat", -100123, None) not in emu.my_commands
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])


@pytest.mark.asyncio
async def test_webhook_and_chat_info(emu: TelegramEmulator, bot: Bot, amina: FakeUser) -> None:
    assert emu.webhook is None
    assert await bot.set_webhook("https://example.org/hook")
    assert emu.webhook is not None and emu.webhook["url"] == "https://example.org/hook"
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert emu.webhook is None
    assert (await bot.get_webhook_info()).url == ""

    chat = await bot.get_chat(amina.id)
    assert chat.first_name == "Amina" and chat.type == "private"
    group = emu.group(-100123, title="Incubator Söder")
    assert (await bot.get_chat(group.id)).title == "Incubator Söder"
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat(424242)
    member = await bot.get_chat_member(group.id, amina.id)
    assert member.status == "member"
    emu.set_chat_member(group.id, amina.id, "administrator")
    admin = await bot.get_chat_member(group.id, amina.id)
    assert admin.status == "administrator"
    emu.set_chat_member(group.id, amina.id, "creator")
    assert (await bot.get_chat_member(group.id, amina.id)).status == "creator"
    emu.set_chat_member(group.id, amina.id, "restricted")
    assert (await bot.get_chat_member(group.id, amina.id)).status == "restricted"
    assert await bot.send_chat_action(amina.id, "typing")
    assert emu.chat_actions == [(amina.id, "typing")]


@pytest.mark.asyncio
async def test_webhook_updates_are_posted_in_turn_and_retried(
    emu: TelegramEmulator, bot: Bot, amina: FakeUser
) -> None:
    """Two backends behind the emulator's balancer; one refuses its first update."""
    received: list[tuple[int, int, str | None]] = []

    def backend(number: int, *, refuse_first: bool) -> web.Application:
        async def hook(request: web.Request) -> web.Response:
            update = await request.json()
            received.append(
                (
                    number,
                    update["update_id"],
                    request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                )
            )
            if refuse_first and len([r for r in received if r[0] == number]) == 1:
                return web.Response(status=503)
            return web.json_response({})

        app = web.Application()
        app.router.add_post("/hook", hook)
        return app

    runners, urls = [], []
    for number in range(2):
        runner = web.AppRunner(backend(number, refuse_first=number == 0))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        urls.append(f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
    try:
        with pytest.raises(TelegramBadRequest, match="HTTPS URL must be provided"):
            await bot.set_webhook("http://example.org/hook")
        with pytest.raises(TelegramBadRequest, match="secret token"):
            await bot.set_webhook(urls[0], secret_token="not secret!")
        assert await bot.set_webhook(urls[0], secret_token="s3cret_-", max_connections=1)
        emu.balance_webhook(urls)
        emu.webhook_retry_delay = 0.0
        ids = [await amina.send(f"message {n}") for n in range(3)]
        assert len(ids) == 3
        await emu.wait_for(lambda: not emu.pending_updates)
        first = emu.updates[0]["update_id"]
        assert [(r[0], r[1] - first) for r in received] == [(0, 0), (1, 0), (0, 1), (1, 2)]
        assert {r[2] for r in received} == {"s3cret_-"}
        assert [d.status for d in emu.deliveries] == [503, 200, 200, 200]
        assert await emu.post_update(emu.updates[0], url=urls[1], secret=None) == 200
        assert received[-1][2] is None
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
    finally:
        for runner in runners:
            await runner.cleanup()


@pytest.mark.asyncio
async def test_copy_message_and_location(emu: TelegramEmulator, bot: Bot, amina: FakeUser) -> None:
    moderator = emu.user(2002, first_name="Mod")
    photo_id = await amina.send_photo(caption="idea photo")
    copied = await bot.copy_message(moderator.id, amina.id, photo_id, caption="From Amina")
    sent = await moderator.next_message()
    assert sent.message_id == copied.message_id
    assert sent.method == "copyMessage"
    assert sent.text == "From Amina"
    assert sent.file_id is not None and sent.file_id in emu.files
    await bot.send_location(amina.id, 55.6, 13.0)
    loc = await amina.next_message()
    assert loc.method == "sendLocation" and loc.content["location"]["latitude"] == 55.6


# --------------------------------------------------------------------------------------------
# Long polling
# --------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_get_updates_long_poll_and_offset(
    emu: TelegramEmulator, bot: Bot, amina: FakeUser
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await emu.wait_for(lambda: emu.calls_to("getUpdates"))
    await asyncio.sleep(0.05)
    assert not poll.done()
    await amina.send("ping")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 2
    assert [u.message.text for u in updates] == ["ping"]

    # Not confirmed yet: returned again; confirmed by offset: gone.
    assert [u.update_id for u in await bot.get_updates()] == [updates[0].update_id]
    await amina.send("second")
    await amina.send("third")
    batch = await bot.get_updates(offset=updates[0].update_id + 1, limit=1)
    assert [u.message.text for u in batch] == ["second"]
    assert [u.message.text for u in await bot.get_updates(offset=-1)] == ["third"]
    assert emu.pending_updates[0]["message"]["text"] == "third"
    last = await bot.get_updates(offset=batch[0].update_id + 2, timeout=0)
    assert last == []
    assert emu.pending_updates == []

    assert await bot.get_updates(timeout=0, allowed_updates=["message"]) == []
    assert emu.allowed_updates == ["message"]
    # An empty long poll answers [] after `timeout` seconds (fractions accepted here).
    started = time.monotonic()
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{emu.base_url}/bot{TOKEN}/getUpdates", data={"timeout": "0.3"}) as resp,
    ):
        assert await resp.json() == {"ok": True, "result": []}
    assert 0.25 < time.monotonic() - started < 1


@pytest.mark.asyncio
async def test_stop_wakes_long_poll(amina: FakeUser) -> None:
    emu = amina.emulator
    bot = make_bot(emu)
    try:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await emu.wait_for(lambda: emu.calls_to("getUpdates"))
        started = time.monotonic()
        await emu.stop()
        assert await asyncio.wait_for(poll, 2) == []
        assert time.monotonic() - started < 1.5
    finally:
        await bot.session.close()


@pytest.mark.asyncio
async def test_second_poller_conflicts(emu: TelegramEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await emu.wait_for(lambda: emu.calls_to("getUpdates"))
    second = asyncio.create_task(bot.get_updates(timeout=0))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 2)
    assert await second == []


# --------------------------------------------------------------------------------------------
# Real dispatcher round trips
# --------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_dispatcher_round_trip(emu: TelegramEmulator, amina: FakeUser) -> None:
    bot = make_bot(emu)
    dp = Dispatcher()
    dp.include_router(echo_router())
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        await amina.send("/start pitch")
        welcome = await amina.next_message()
        assert welcome.text == "Welcome, <b>Amina</b>! args=pitch"
        assert welcome.button_labels == ["English", "Svenska"]

        answer = await amina.press("Svenska")
        assert answer == CallbackAnswer(
            callback_query_id=answer.callback_query_id, text="Saved Svenska"
        )
        assert welcome.edit_count == 1 and welcome.text == "Language: Svenska"
        assert welcome.buttons == []
        assert emu.callback_answers[answer.callback_query_id] is answer

        forged = await amina.press_data("forged:data", message=welcome)
        assert forged.show_alert and forged.text == "Unknown button"

        await amina.send("Tom & <Jerry>")
        echo = await amina.next_message()
        assert echo.text == "echo: Tom & <Jerry>" and echo.parse_mode is None
        amina.assert_no_new_message()
    finally:
        started = time.monotonic()
        await dp.stop_polling()
        await asyncio.wait_for(task, 3)
        await bot.session.close()
        assert time.monotonic() - started < 2


@pytest.mark.asyncio
async def test_polling_helper_group_and_photo(emu: TelegramEmulator) -> None:
    bot = emu.create_bot()
    dp = Dispatcher()
    dp.include_router(echo_router())
    amina = emu.user(1001, first_name="Amina")
    group = emu.group(-100123, title="Incubator Söder")
    async with emu.polling(dp, bot):
        message_id = await group.send(amina, "/bindchat@tillsammans_test_bot soder")
        reply = await group.next_message()
        assert reply.text == "Bound Incubator Söder to soder"
        assert reply.reply_to_message_id == message_id
        assert group.last_message is reply

        await amina.send("/start")
        welcome = await amina.next_message()
        answer = await amina.press("English", message=welcome)
        assert answer.text == "Saved English"
        edited = await amina.wait_edited(welcome, since=0)
        assert edited.text == "Language: English"

        await amina.send_photo()
        photo = await amina.next_message()
        assert photo.method == "sendPhoto" and photo.text == "nice"
        assert photo.photo_file is None and photo.file_id in emu.files
        await emu.idle(quiet=0.05)
    assert bot.session._session is None or bot.session._session.closed
    amina.assert_no_new_message()
    group.assert_no_new_message()


@pytest.mark.asyncio
async def test_press_errors(emu: TelegramEmulator, bot: Bot, amina: FakeUser) -> None:
    await bot.send_message(amina.id, "Choose", reply_markup=keyboard("Yes", "No"))
    with pytest.raises(AssertionError, match=r"No inline button 'Maybe'.*\['Yes'\], \['No'\]"):
        await amina.press("Maybe")
    started = time.monotonic()
    with pytest.raises(AssertionError, match="did not call answerCallbackQuery"):
        await amina.press("Yes", timeout=0.2)
    assert time.monotonic() - started < 1
    with pytest.raises(AssertionError, match="Expected 1 new bot message"):
        await emu.user(3003).next_message(timeout=0.1)


@pytest.mark.asyncio
async def test_allowed_updates_drop_unhandled_types(emu: TelegramEmulator) -> None:
    bot = emu.create_bot()
    router = Router()
    seen: list[str] = []

    @router.message()
    async def on_message(message: Message) -> None:
        seen.append(message.text or "")

    dp = Dispatcher()
    dp.include_router(router)
    amina = emu.user(1001)
    await bot.send_message(amina.id, "menu", reply_markup=keyboard("A"))
    async with emu.polling(dp, bot):
        with pytest.raises(AssertionError, match="dropped because of allowed_updates"):
            await amina.press("A", timeout=0.3)
        await amina.send("still works")
        await emu.wait_for(lambda: seen == ["still works"])
    assert emu.allowed_updates == ["message"]


# --------------------------------------------------------------------------------------------
# Fault injection
# --------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_fault_injection(emu: TelegramEmulator, bot: Bot, amina: FakeUser) -> None:
    other = emu.user(2002)
    emu.inject_error("sendMessage", status=429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(amina.id, "one")
    assert retry.value.retry_after == 3
    assert emu.calls[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    await bot.send_message(amina.id, "one")

    emu.inject_error("sendMessage", status=403, chat_id=amina.id, times=None)
    for _ in range(2):
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(amina.id, "two")
    await bot.send_message(other.id, "two")

    emu.inject_error("SENDMESSAGE", status=500, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Internal Server Error"):
            await bot.send_message(other.id, "three")
    await bot.send_message(other.id, "three")

    emu.clear_faults()
    await bot.send_message(amina.id, "four")
    assert emu.message_counts() == {amina.id: 2, other.id: 2}
    assert [m.text for m in amina.messages] == ["one", "four"]
    assert [c.status for c in emu.calls_to("sendMessage")] == [
        429,
        200,
        403,
        403,
        200,
        500,
        500,
        200,
        200,
    ]


@pytest.mark.asyncio
async def test_latency_and_wait_for(emu: TelegramEmulator, bot: Bot) -> None:
    emu.inject_latency(0.2, method="getMe")
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.2
    emu.clear_faults()
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"Timed out after 0\.1s: never"):
        await emu.wait_for(lambda: False, timeout=0.1, description="never")
    assert time.monotonic() - started < 0.5
    assert await emu.wait_for(lambda: 42) == 42


# --------------------------------------------------------------------------------------------
# HTML parser
# --------------------------------------------------------------------------------------------
# Expected answers are Telegram's: tdlib's parse_html and the cases of its own test suite
# (test/message_entities.cpp, test/link.cpp), with the texts Telegram gives after
# "Bad Request: can't parse entities: ".

STADIUM = "🏟 🏟&lt;"  # 13 bytes of UTF-8 before whatever follows: byte offsets are not chars


def _telegram(source: str) -> tuple[str, list[tuple[Any, ...]]]:
    """Parse as Telegram does (no strict checks), entities as tuples."""
    text, entities = parse_telegram_html(source, strict=False)
    extra = ("url", "language", "custom_emoji_id", "user")
    return text, [
        (e["type"], e["offset"], e["length"], *(e[k] for k in extra if k in e)) for e in entities
    ]


def _refusal(source: str, *, strict: bool = False) -> HtmlParseError:
    with pytest.raises(HtmlParseError) as info:
        parse_telegram_html(source, strict=strict)
    return info.value


@pytest.mark.parametrize(
    ("source", "plain", "entities"),
    [
        ("plain", "plain", []),
        ("<b>bold</b> &amp; &lt;3 &#x27;q&#39;", "bold & <3 'q'", [("bold", 0, 4)]),
        ("😀 <i>é</i>", "😀 é", [("italic", 3, 1)]),
        ("<b>x<u>y</u></b>", "xy", [("bold", 0, 2), ("underline", 1, 1)]),
        ('<a href="https://x.se/?a=1&amp;b=2">link</a>', "link", [("text_link", 0, 4)]),
        ('<pre><code class="language-py">1</code></pre>', "1", [("pre", 0, 1)]),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [("spoiler", 0, 1), ("spoiler", 1, 1)],
        ),
        ("<blockquote>q</blockquote>", "q", [("blockquote", 0, 1)]),
    ],
)
def test_html_parser_accepts(
    source: str, plain: str, entities: list[tuple[str, int, int]]
) -> None:
    text, parsed = parse_telegram_html(source)
    assert text == plain
    assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<!-- c -->", 'Unsupported start tag "!--" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry <3", "Unclosed start tag at byte offset 12"),
        (STADIUM + "<abacaba", "Unclosed start tag at byte offset 13"),
        (STADIUM + "<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
        (STADIUM + "<abac>", 'Unsupported start tag "abac" at byte offset 13'),
        (STADIUM + "<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
        (STADIUM + "<i    aba>", 'Can\'t find end tag corresponding to start tag "i"'),
        (STADIUM + "<i    aba", 'Unclosed start tag "i" at byte offset 13'),
        (STADIUM + "<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
        (STADIUM + "<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
        (STADIUM + '<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
        (STADIUM + "<i    aba  =  '&lt;&gt;&quot;>", "Unclosed start tag at byte offset 13"),
        (STADIUM + "</", "Unexpected end tag at byte offset 13"),
        (STADIUM + "<b></b></", "Unexpected end tag at byte offset 20"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        (STADIUM + "<i>a</i   ", "Unclosed end tag at byte offset 17"),
        ("<b>x</b y>", "Unclosed end tag at byte offset 4"),
        (
            STADIUM + "<i>a</em   >",
            'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"',
        ),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b />", 'Empty attribute name in the tag "b" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<span class="tg-spoiler x">x</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<tg-emoji>🙂</tg-emoji>", "Invalid custom emoji identifier specified"),
        ('<tg-emoji emoji-id="007">🙂</tg-emoji>', "Invalid custom emoji identifier specified"),
        ("&#57311;", "Text contains invalid Unicode characters after decoding HTML entities"),
        ("&#xDFDF", "Text contains invalid Unicode characters after decoding HTML entities"),
    ],
)
def test_html_parser_refuses_as_telegram_does(source: str, error: str) -> None:
    for strict in (False, True):
        refusal = _refusal(source, strict=strict)
        assert str(refusal).startswith(error), str(refusal)
        assert refusal.telegram


@pytest.mark.parametrize(
    ("source", "plain", "entities"),
    [
        ("", "", []),
        ("1 > 0 & AT&T", "1 > 0 & AT&T", []),
        # Only &lt; &gt; &amp; &quot; and numeric references are decoded, ';' is optional;
        # other names, upper-case names, &#X.. and out-of-range numbers stay as they are.
        (
            "&ge;&lt;&gt;&amp;&quot;&laquo;&raquo;&#12345678;",
            '&ge;<>&"&laquo;&raquo;&#12345678;',
            [],
        ),
        ("&Or; &LT; &#X41; &#0; &#x41&#66;&lt&amp", "&Or; &LT; &#X41; &#0; AB<&", []),
        ("&#x1F600;!", "😀!", []),
        (STADIUM + "<i>a</i   >", "🏟 🏟<a", [("italic", 6, 1)]),
        ("🏟 🏟<i>🏟 &lt🏟</i>", "🏟 🏟🏟 <🏟", [("italic", 5, 6)]),
        (
            "🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>",
            "🏟 🏟🏟 ><🏟",
            [("italic", 5, 7), ("bold", 9, 3)],
        ),
        # Attribute values: a name token (lower-cased), or quoted with " or ', entities
        # decoded; attributes without a value are allowed; end tags may be </> or </name >.
        (STADIUM + "<i    aba  =  190azAz-.   >a</i>", "🏟 🏟<a", [("italic", 6, 1)]),
        (STADIUM + '<i    aba  =  "&lt;&gt;&quot;">a</i>', "🏟 🏟<a", [("italic", 6, 1)]),
        (STADIUM + "<i    aba  =  '&lt;&gt;&quot;'>a</>", "🏟 🏟<a", [("italic", 6, 1)]),
        (STADIUM + "<I CLASS=x>a</    >", "🏟 🏟<a", [("italic", 6, 1)]),
        ("<b></b>x", "x", []),
        (
            "<STRONG>b</strong><em>i</em><ins>u</ins><s>s</s><strike>s</strike><del>d</del>",
            "biussd",
            [
                ("bold", 0, 1),
                ("italic", 1, 1),
                ("underline", 2, 1),
                ("strikethrough", 3, 1),
                ("strikethrough", 4, 1),
                ("strikethrough", 5, 1),
            ],
        ),
        # Entities sharing a span are ordered as Telegram orders them.
        (
            "<code><i><b> </b></i></code><i><b><code> </code></b></i>",
            "  ",
            [
                ("code", 0, 1),
                ("bold", 0, 1),
                ("italic", 0, 1),
                ("code", 1, 1),
                ("bold", 1, 1),
                ("italic", 1, 1),
            ],
        ),
        ("<pre>x</pre>", "x", [("pre", 0, 1)]),
        ("<pre><code>x</code></pre>", "x", [("pre", 0, 1), ("code", 0, 1)]),
        ('<pre><code class="language-fift">x</code></pre>', "x", [("pre", 0, 1, "fift")]),
        ('<code class="language-fift"><pre>x</pre></code>', "x", [("pre", 0, 1, "fift")]),
        ('<code class="language-fift">x</code>', "x", [("code", 0, 1)]),
        (
            '<pre><code class="language-fift">x</code> </pre>',
            "x ",
            [("pre", 0, 2), ("code", 0, 1)],
        ),
        (
            '<tg-emoji emoji-id = "12345">🙂</tg-emoji>',
            "🙂",
            [("custom_emoji", 0, 2, "12345")],
        ),
        (
            '<blockquote   cite="" askdlbas nasjdbaj nj12b3>a&lt;<pre  >b;</></>',
            "a<b;",
            [("blockquote", 0, 4), ("pre", 2, 2)],
        ),
        ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
        ("<blockquote expandable=false>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
    ],
)
def test_html_parser_accepts_as_telegram_does(
    source: str, plain: str, entities: list[tuple[Any, ...]]
) -> None:
    assert _telegram(source) == (plain, entities)


@pytest.mark.parametrize(
    ("source", "entities"),
    [
        # Telegram keeps the link normalised ...
        ("<a href=telegram.org>x</a>", [("text_link", 0, 1, "http://telegram.org/")]),
        (
            "<a   href=  'telegram.org?&lt;'   >x</a>",
            [("text_link", 0, 1, "http://telegram.org/?<")],
        ),
        (
            '<a href="HTTPS://Example.SE/Path?Q=1 2#f">x</a>',
            [("text_link", 0, 1, "https://example.se/Path?Q=1%202#f")],
        ),
        ('<a href="tg://resolve?domain=x">x</a>', [("text_link", 0, 1, "tg://resolve?domain=x")]),
        ('<a href="tg://user?id=42">x</a>', [("text_mention", 0, 1, {"id": 42})]),
        ('<a href="tg:user?id=0">x</a>', [("text_link", 0, 1, "tg://user?id=0")]),
        # ... takes the URL from the text when href is missing or empty ...
        ("<a>telegram.org</a>", [("text_link", 0, 12, "http://telegram.org/")]),
        ('<a href="">https://t.me/x</a>', [("text_link", 0, 14, "https://t.me/x")]),
        # ... and silently drops links it does not accept.
        ('<a href="https://localhost/">x</a>', []),
        ('<a href="ftp://x.se/">x</a>', []),
        ('<a href="https://x.se:0/">x</a>', []),
        ('<a href="https://x y.se/">x</a>', []),
        ('<a href="javascript:alert(1)">x</a>', []),
        ("<a>not a link</a>", []),
    ],
)
def test_html_parser_links(source: str, entities: list[tuple[Any, ...]]) -> None:
    assert _telegram(source)[1] == entities


SIGNUP = 'https://malmo.se/anmal?event="Vår fest"&lang=sv'


def test_html_parser_link_with_quote_in_href() -> None:
    # Escaped for an attribute value, the URL arrives intact (Telegram encodes the space).
    good = f'🔗 <a href="{html.escape(SIGNUP, quote=True)}">Sign up</a>'
    assert parse_telegram_html(good) == (
        "🔗 Sign up",
        [{"type": "text_link", "offset": 3, "length": 7, "url": SIGNUP.replace(" ", "%20")}],
    )
    # Escaped as text only, the '"' ends the value early and Telegram refuses the message.
    # (tdlib before Bot API 7.4, which had no attributes without a value, answered "Expected
    # equal sign in declaration of an attribute of the tag "a"" for the same text.)
    bad = f'🔗 <a href="{html.escape(SIGNUP, quote=False)}">Sign up</a>'
    refusal = _refusal(bad)
    assert str(refusal) == 'Empty attribute name in the tag "a" at byte offset 5'
    assert refusal.telegram


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ('<a href="https://x.se/?a=1&b=2">x</a>', 'Unescaped "&" at byte offset 26'),
        # &lt without ';' is decoded by Telegram: the link would lose "&lt=2".
        ('<a href="https://x.se/?a=1&lt=2">x</a>', "Entity at byte offset 26 must end with ';'"),
        ('<a href="https://x.se/?a=<">x</a>', None),
        ('<a href="https://localhost/">x</a>', 'Link "https://localhost/" of the tag "a"'),
    ],
)
def test_html_parser_attribute_escaping(source: str, error: str | None) -> None:
    _telegram(source)  # Telegram accepts all of these
    if error is None:
        parse_telegram_html(source)
        return
    refusal = _refusal(source, strict=True)
    assert str(refusal).startswith(error), str(refusal)
    assert not refusal.telegram


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("a & b", 'Unescaped "&" at byte offset 2: write it as &amp;'),
        ("AT&T", 'Unescaped "&" at byte offset 2'),
        ("&nbsp;", 'Unescaped "&" at byte offset 0'),
        ("1 > 0", 'Unescaped ">" at byte offset 2: write it as &gt;'),
        ("&lt 3", "Entity at byte offset 0 must end with ';'"),
        ("<b>x</b> 🏟 & y", 'Unescaped "&" at byte offset 14'),
    ],
)
def test_html_parser_strict_mode(source: str, error: str) -> None:
    """Text Telegram shows as typed, but that a bot escaping its text never sends."""
    _telegram(source)  # Telegram accepts it
    refusal = _refusal(source, strict=True)
    assert str(refusal).startswith(error)
    assert "strict mode" in str(refusal)
    assert not refusal.telegram


def test_html_parser_telegram_error_comes_before_strict_checks() -> None:
    refusal = _refusal("a & b <br>", strict=True)
    assert str(refusal) == 'Unsupported start tag "br" at byte offset 6'
    assert refusal.telegram


def test_html_parser_lenient_mode() -> None:
    assert parse_telegram_html("1 > 0 & more", strict=False) == ("1 > 0 & more", [])
    with pytest.raises(HtmlParseError):
        parse_telegram_html("a < b", strict=False)


@pytest.mark.asyncio
async def test_refused_html_answers_like_telegram(
    emu: TelegramEmulator, bot: Bot, amina: FakeUser
) -> None:
    bad = f'<a href="{html.escape(SIGNUP, quote=False)}">Sign up</a>'
    with pytest.raises(TelegramBadRequest) as info:
        await bot.send_message(amina.id, bad)
    assert info.value.message == (
        'Bad Request: can\'t parse entities: Empty attribute name in the tag "a" at byte offset 0'
    )
    assert emu.failed_calls[-1].status == 400
    mention = await bot.send_message(amina.id, f'Hi <a href="tg://user?id={amina.id}">you</a>')
    assert mention.entities is not None
    assert mention.entities[0].type == "text_mention"
    assert mention.entities[0].user is not None
    assert mention.entities[0].user.id == amina.id


def test_sent_message_helpers() -> None:
    message = SentMessage(
        message_id=1,
        chat_id=5,
        method="sendMessage",
        text="t",
        parse_mode=None,
        reply_markup=json.loads(
            '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}, '
            '{"text": "Site", "url": "https://x.se"}]]}'
        ),
        params={"reply_parameters": {"message_id": 7}},
        date=0,
    )
    assert message.buttons == [["A", "Site"]]
    assert message.reply_to_message_id == 7
    assert message.button("Site")["url"] == "https://x.se"
    with pytest.raises(AssertionError, match="no callback_data"):
        message.callback_data("Site")
    with pytest.raises(AssertionError, match="No inline button"):
        message.button("B")
