"""The playground's web server: the page, a small JSON API to act as the people in it, and a
stream of server-sent events with every message the emulator's chats receive or change."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import math
import mimetypes
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from core.inputs import read_int
from playground.emulator import MAX_CALLBACK_DATA_BYTES, MAX_TEXT_LENGTH, FakeUser
from playground.personas import Persona, read_new_resident
from playground.runtime import Playground
from playground.views import ChangeTracker

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
VOICE_SAMPLE = STATIC_DIR / "voice-sample.ogg"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # Telegram's limit for photos a bot receives
MAX_CAPTION_LENGTH = 1024
KEEPALIVE_SECONDS = 15.0
PLAYGROUND_KEY = web.AppKey("playground", Playground)
LOOPBACK_ONLY_KEY = web.AppKey("loopback_only", bool)
STOPPING_KEY = web.AppKey("stopping", asyncio.Event)
RUN_KEY = web.AppKey("run", str)
# Places a resident may share from the page, inside the city's bounds.
MALMO_PLACES: tuple[tuple[str, float, float], ...] = (
    ("Möllevångstorget", 55.5916, 13.0089),
    ("Stortorget", 55.6059, 13.0002),
    ("Nydala", 55.5700, 13.0270),
    ("Rosengård centrum", 55.5848, 13.0447),
    ("Västra Hamnen, Turning Torso", 55.6131, 12.9766),
    ("Kirseberg", 55.6040, 13.0300),
)
_DECIMAL = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,12})?")
_ID_LIMIT = 2**52  # Telegram's ids, chats' and messages' alike, fit in 52 bits
_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadInput(Exception):
    """What the page sent does not read; the message says so kindly."""


# -- guards -------------------------------------------------------------------------------------
def _loopback(host: str) -> bool:
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    return host == "localhost"


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Only this machine's pages may drive the playground: a foreign Host (DNS rebinding) is
    refused, and every change needs a header another site's form cannot send."""
    if request.app[LOOPBACK_ONLY_KEY] and not _loopback(request.url.host or ""):
        return web.json_response({"error": "This playground answers on 127.0.0.1."}, status=403)
    if request.method == "POST" and request.headers.get("X-Playground") != "1":
        return web.json_response({"error": "Missing the X-Playground header."}, status=403)
    try:
        response = await handler(request)
    except BadInput as error:
        response = web.json_response({"error": str(error)}, status=400)
    response.headers.update(_SECURITY_HEADERS)
    return response


# -- reading what the page sent -----------------------------------------------------------------
async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise BadInput("The request is not JSON.") from None
    if not isinstance(body, dict):
        raise BadInput("The request is not a JSON object.")
    return body


def _int(value: object, what: str) -> int:
    """A number as JSON gives it, or written in ASCII digits; within Telegram's id range."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _ID_LIMIT:
        return value
    number = read_int(value, low=-_ID_LIMIT, high=_ID_LIMIT) if isinstance(value, str) else None
    if number is None:
        raise BadInput(f"{what} is not a number.")
    return number


def _chat(request: web.Request) -> Persona:
    persona = request.app[PLAYGROUND_KEY].persona(_int(request.match_info["chat_id"], "The chat"))
    if persona is None:
        raise BadInput("There is no such chat in the playground.")
    return persona


def _speaker(request: web.Request, persona: Persona, raw: object) -> FakeUser:
    user_id = None if raw in (None, "") else _int(raw, "Who writes")
    user = request.app[PLAYGROUND_KEY].speaker(persona, user_id)
    if user is None:
        raise BadInput("Nobody can write in this chat.")
    return user


def _reply_to(request: web.Request, persona: Persona, raw: object) -> int | None:
    if raw in (None, ""):
        return None
    message_id = _int(raw, "The message replied to")
    emulator = request.app[PLAYGROUND_KEY].emulator
    bot_message = emulator.get_message(persona.chat_id, message_id)
    key = (persona.chat_id, message_id)
    alive = (bot_message is not None and not bot_message.deleted) or (
        key in emulator.user_messages and key not in emulator.deleted_user_messages
    )
    if not alive:
        raise BadInput("The message you reply to is gone.")
    return message_id


def _coordinate(value: object, limit: float, what: str) -> float:
    """A JSON number, or one typed in ASCII digits with a point ("55.6"), within ±limit."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        number = float(value.strip())
    else:
        raise BadInput(f"The {what} is not a number.")
    if not math.isfinite(number) or abs(number) > limit:
        raise BadInput(f"The {what} lies between -{limit:g} and {limit:g}.")
    return number


# -- the page and its state ---------------------------------------------------------------------
async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


def _chats(playground: Playground) -> list[dict[str, Any]]:
    return [
        {
            "chat_id": p.chat_id,
            "title": p.title,
            "kind": p.kind,
            "role": p.role,
            "language": p.language,
            "speakers": [
                {"id": uid, "name": playground.emulator.users[uid].first_name}
                for uid in p.speakers
            ],
        }
        for p in playground.personas
    ]


async def state(request: web.Request) -> web.StreamResponse:
    playground = request.app[PLAYGROUND_KEY]
    return web.json_response(
        {
            "bot": playground.emulator.bot_username,
            "chats": _chats(playground),
            "places": [{"name": n, "latitude": a, "longitude": b} for n, a, b in MALMO_PLACES],
        }
    )


async def stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events: `chats` when people are added, `messages` when any changed."""
    playground = request.app[PLAYGROUND_KEY]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            **_SECURITY_HEADERS,
        }
    )
    await response.prepare(request)
    tracker = ChangeTracker(playground.emulator)
    chats_sent: int | None = None
    try:
        # A page that was following an earlier run (its messages are gone) starts afresh.
        await _event(response, "hello", {"run": request.app[RUN_KEY]})
        while not request.app[STOPPING_KEY].is_set():
            if chats_sent != len(playground.personas):
                chats_sent = len(playground.personas)
                await _event(response, "chats", _chats(playground))
            changes = tracker.changes()
            if changes:
                await _event(response, "messages", changes)
            else:
                await response.write(b": still here\n\n")
            await playground.emulator.next_change(KEEPALIVE_SECONDS)
    except (ConnectionResetError, RuntimeError):
        pass  # the page went away
    return response


async def _event(response: web.StreamResponse, name: str, data: object) -> None:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    await response.write(f"event: {name}\ndata: {payload}\n\n".encode())


# -- acting as someone --------------------------------------------------------------------------
async def send_text(request: web.Request) -> web.StreamResponse:
    persona = _chat(request)
    body = await _json(request)
    user = _speaker(request, persona, body.get("as"))
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadInput("Write something first.")
    if len(text) > MAX_TEXT_LENGTH:
        raise BadInput(f"Telegram takes at most {MAX_TEXT_LENGTH} characters in a message.")
    reply_to = _reply_to(request, persona, body.get("reply_to"))
    if persona.kind == "private":
        message_id = await user.send(text, reply_to=reply_to)
    else:
        group = request.app[PLAYGROUND_KEY].emulator.group(persona.chat_id)
        message_id = await group.send(user, text, reply_to=reply_to)
    return web.json_response({"message_id": message_id})


async def press(request: web.Request) -> web.StreamResponse:
    """Press the inline button at (row, column) of a bot message; the bot's answer, if any."""
    persona = _chat(request)
    body = await _json(request)
    user = _speaker(request, persona, body.get("as"))
    emulator = request.app[PLAYGROUND_KEY].emulator
    message = emulator.get_message(persona.chat_id, _int(body.get("message_id"), "The message"))
    if message is None or message.deleted:
        raise BadInput("That message is gone.")
    row, column = _int(body.get("row"), "The row"), _int(body.get("column"), "The column")
    rows = message.inline_keyboard
    if not (0 <= row < len(rows) and 0 <= column < len(rows[row])):
        raise BadInput("That button is not on the message any more.")
    data = rows[row][column].get("callback_data")
    if not isinstance(data, str) or len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
        raise BadInput("That button opens a link; it sends nothing to the bot.")
    try:
        answer = await emulator.press_button(persona.chat_id, user, data=data, message=message)
    except AssertionError:
        return web.json_response({"answered": False})
    return web.json_response(
        {"answered": True, "text": answer.text, "show_alert": answer.show_alert}
    )


async def _form(request: web.Request) -> tuple[dict[str, Any], bytes | None]:
    """A multipart form's fields and its one file (at most MAX_UPLOAD_BYTES)."""
    if not request.content_type.startswith("multipart/"):
        raise BadInput("Send the photo as a form upload.")
    fields: dict[str, Any] = {}
    content: bytes | None = None
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if part.name == "file":
            content = await part.read(decode=False)  # type: ignore[union-attr]
            if len(content) > MAX_UPLOAD_BYTES:
                raise BadInput("A photo may be at most 10 MB.")
        elif part.name:
            fields[part.name] = await part.text()  # type: ignore[union-attr]
    return fields, content


async def send_photo(request: web.Request) -> web.StreamResponse:
    persona = _chat(request)
    fields, content = await _form(request)
    user = _speaker(request, persona, fields.get("as"))
    if not content:
        raise BadInput("Choose a photo to send.")
    caption = (fields.get("caption") or "").strip() or None
    if caption and len(caption) > MAX_CAPTION_LENGTH:
        raise BadInput(f"A caption has at most {MAX_CAPTION_LENGTH} characters.")
    reply_to = _reply_to(request, persona, fields.get("reply_to"))
    emulator = request.app[PLAYGROUND_KEY].emulator
    message = emulator.photo_content(content, caption)
    message_id = await emulator.send_user_message(
        persona.chat_id, user, message, reply_to=reply_to
    )
    return web.json_response({"message_id": message_id})


async def send_voice(request: web.Request) -> web.StreamResponse:
    """The voice note that ships with the playground, as if just recorded."""
    persona = _chat(request)
    body = await _json(request)
    user = _speaker(request, persona, body.get("as"))
    reply_to = _reply_to(request, persona, body.get("reply_to"))
    emulator = request.app[PLAYGROUND_KEY].emulator
    message = emulator.voice_content(3, VOICE_SAMPLE.read_bytes())
    message_id = await emulator.send_user_message(
        persona.chat_id, user, message, reply_to=reply_to
    )
    return web.json_response({"message_id": message_id})


async def send_location(request: web.Request) -> web.StreamResponse:
    persona = _chat(request)
    body = await _json(request)
    user = _speaker(request, persona, body.get("as"))
    location = {
        "latitude": _coordinate(body.get("latitude"), 90, "latitude"),
        "longitude": _coordinate(body.get("longitude"), 180, "longitude"),
    }
    emulator = request.app[PLAYGROUND_KEY].emulator
    message_id = await emulator.send_user_message(persona.chat_id, user, {"location": location})
    return web.json_response({"message_id": message_id})


async def send_contact(request: web.Request) -> web.StreamResponse:
    """The person shares their own phone number, as Telegram's contact button does."""
    persona = _chat(request)
    body = await _json(request)
    user = _speaker(request, persona, body.get("as"))
    phone = body.get("phone_number")
    digits = phone.replace(" ", "").removeprefix("+") if isinstance(phone, str) else ""
    if not (digits.isascii() and digits.isdigit() and 5 <= len(digits) <= 15):
        raise BadInput("Write a phone number like +46 70 123 45 67.")
    contact = {"phone_number": phone.strip(), "first_name": user.first_name, "user_id": user.id}  # type: ignore[union-attr]
    emulator = request.app[PLAYGROUND_KEY].emulator
    message_id = await emulator.send_user_message(persona.chat_id, user, {"contact": contact})
    return web.json_response({"message_id": message_id})


async def add_resident(request: web.Request) -> web.StreamResponse:
    body = await _json(request)
    try:
        name, language = read_new_resident(body.get("name"), body.get("language"))
    except ValueError as error:
        raise BadInput(str(error)) from None
    persona = request.app[PLAYGROUND_KEY].add_resident(name, language)
    return web.json_response({"chat_id": persona.chat_id})


async def file(request: web.Request) -> web.StreamResponse:
    """A photo, voice note or document of a message: images shown, anything else saved."""
    stored = request.app[PLAYGROUND_KEY].emulator.files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound(text="No such file.")
    name = stored.filename or stored.file_path.rsplit("/", 1)[-1]
    mime = stored.mime_type
    if mime in (None, "application/octet-stream"):
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    headers = {"Content-Security-Policy": "sandbox", "Cache-Control": "private, max-age=3600"}
    if mime not in _IMAGE_TYPES and not mime.startswith("audio/"):
        safe = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "._-")) or "file"
        headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    return web.Response(body=stored.content, content_type=mime, headers=headers)


# -- the clock ----------------------------------------------------------------------------------
async def jobs(request: web.Request) -> web.StreamResponse:
    return web.json_response({"jobs": await request.app[PLAYGROUND_KEY].jobs()})


async def run_job(request: web.Request) -> web.StreamResponse:
    job_id = (await _json(request)).get("id")
    if not isinstance(job_id, str) or not job_id:
        raise BadInput("Which job?")
    if not await request.app[PLAYGROUND_KEY].run_job_now(job_id):
        raise BadInput("That job is not scheduled any more.")
    return web.json_response({"ok": True})


def create_app(playground: Playground, *, loopback_only: bool = True) -> web.Application:
    app = web.Application(middlewares=[guard], client_max_size=MAX_UPLOAD_BYTES + 64 * 1024)
    app[PLAYGROUND_KEY] = playground
    app[LOOPBACK_ONLY_KEY] = loopback_only
    app[STOPPING_KEY] = asyncio.Event()
    app[RUN_KEY] = secrets.token_hex(8)

    async def on_shutdown(app: web.Application) -> None:
        app[STOPPING_KEY].set()

    app.on_shutdown.append(on_shutdown)
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC_DIR)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/stream", stream)
    app.router.add_get("/api/files/{file_id}", file)
    app.router.add_post("/api/chats/{chat_id}/text", send_text)
    app.router.add_post("/api/chats/{chat_id}/press", press)
    app.router.add_post("/api/chats/{chat_id}/photo", send_photo)
    app.router.add_post("/api/chats/{chat_id}/voice", send_voice)
    app.router.add_post("/api/chats/{chat_id}/location", send_location)
    app.router.add_post("/api/chats/{chat_id}/contact", send_contact)
    app.router.add_post("/api/residents", add_resident)
    app.router.add_get("/api/jobs", jobs)
    app.router.add_post("/api/jobs/run", run_job)
    return app
