"""In-process fake of the Telegram Bot API HTTP server for journey tests.

Start a :class:`TelegramEmulator`, point a real aiogram ``Bot`` at ``emu.base_url`` through
``TelegramAPIServer.from_base`` (or use :meth:`TelegramEmulator.create_bot`) and act as
Telegram users with :class:`FakeUser` and :class:`FakeGroup`.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import ipaddress
import json
import logging
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiohttp import web

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

__all__ = [
    "ApiCall",
    "ApiError",
    "CallbackAnswer",
    "FakeGroup",
    "FakeUser",
    "Fault",
    "HtmlParseError",
    "LocalAiohttpSession",
    "SentMessage",
    "StoredFile",
    "TelegramEmulator",
    "UploadedFile",
    "WebhookDelivery",
    "parse_telegram_html",
]

JsonDict = dict[str, Any]
MethodHandler = Callable[[JsonDict], Awaitable[Any]]

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-TOKEN"
DEFAULT_BOT_USERNAME = "tillsammans_test_bot"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
# Update types delivered when allowed_updates is empty or was never given.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
_MEDIA_KINDS = ("photo", "document", "voice", "audio", "video", "animation", "sticker")
_CONTENT_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "location",
    "contact",
    *_MEDIA_KINDS,
)
# Request parameters that always stay strings (never coerced to int/bool/JSON).
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "url",
        "title",
        "description",
        "short_description",
        "name",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "address",
        "question",
        "emoji",
        "language_code",
        "parse_mode",
        "secret_token",
        "ip_address",
        "custom_title",
        "file_id",
        "action",
        "message_effect_id",
        "business_connection_id",
        "invite_link",
        "query",
        "payload",
        "currency",
        "start_parameter",
        "foursquare_id",
        "google_place_id",
        *_MEDIA_KINDS,
        "thumbnail",
        "video_note",
    }
)
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?\d+\.\d*(?:[eE][-+]?\d+)?")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_FAULT_DESCRIPTIONS = {
    400: "Bad Request: injected error",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: injected error",
}


class LocalAiohttpSession(AiohttpSession):
    """AiohttpSession for the plain-HTTP emulator: close() skips the 250 ms TLS grace sleep."""

    async def close(self) -> None:
        """Close the client session at once."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
            await asyncio.sleep(0)


def _now() -> int:
    """Current unix time as Telegram sends it."""
    return int(time.time())


def _utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (Telegram entity units)."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# Telegram HTML parse mode
# --------------------------------------------------------------------------------------------
#
# A byte-level scanner that follows tdlib's parse_html (td/telegram/MessageEntity.cpp), which
# is what the Bot API server runs for parse_mode=HTML, together with the link checks it calls
# (LinkManager::get_link_user_id, LinkManager::get_checked_link and td::parse_url). It works on
# the UTF-8 bytes like tdlib does, so that error texts and byte offsets are Telegram's own.
# What Telegram does afterwards to every formatted text (trimming, dropping entities that may
# not nest) is not modelled here.

# Tags Telegram knows; any other start tag is refused (there is no <br>, <p>, <div>, ...).
_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
# tdlib's MessageEntity::get_type_priority: orders entities that share offset and length.
_ENTITY_PRIORITY = {
    "bold": 90,
    "italic": 91,
    "code": 20,
    "pre": 11,
    "pre_code": 10,
    "text_link": 49,
    "text_mention": 49,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "spoiler": 94,
    "custom_emoji": 99,
    "expandable_blockquote": 0,
}
_SPACE = frozenset(b" \t\r\n\x00\x0b")  # td::is_space; the NUL that ends a C string counts
_LT, _GT, _AMP, _SLASH, _EQ, _SEMI = b"<>&/=;"
_QUOTES = frozenset(b"\"'")
_ATTR_NAME_END = _SPACE | frozenset(b"=>/\"'")
_URL_PART_CHARS = frozenset(b".-_!$,~*'();&+=")
_MAX_USER_ID = (1 << 40) - 1
_SURROGATES_ERROR = (
    "Text contains invalid Unicode characters after decoding HTML entities, check for "
    "unmatched surrogate code units"
)


class HtmlParseError(ValueError):
    """Telegram would answer "Bad Request: can't parse entities: <message>".

    ``telegram`` is False for the emulator's own strict checks: text that Telegram accepts
    but that shows the bot forgot to escape something (see :func:`parse_telegram_html`).
    """

    def __init__(self, message: str, *, telegram: bool = True) -> None:
        super().__init__(message)
        self.telegram = telegram


def _is_alpha(c: int) -> bool:
    return 0x61 <= (c | 0x20) <= 0x7A


def _is_digit(c: int) -> bool:
    return 0x30 <= c <= 0x39


def _is_alnum(c: int) -> bool:
    return _is_alpha(c) or _is_digit(c)


def _is_hex_digit(c: int) -> bool:
    return _is_digit(c) or 0x61 <= (c | 0x20) <= 0x66


def _at(data: bytes, index: int) -> int:
    """The byte at ``index``, or the terminating NUL past the end (as in a C string)."""
    return data[index] if index < len(data) else 0


def _utf8(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


def _to_integer_safe(data: bytes, bits: int) -> int | None:
    """td::to_integer_safe: a signed integer written exactly as it would be printed."""
    if not re.fullmatch(rb"-?[0-9]+", data):
        return None
    value = int(data)
    if str(value).encode() != data or not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
        return None
    return value


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int]:
    """tdlib's decode_html_entity for the '&' at ``pos``: (code point, end), or (0, pos).

    Only &lt; &gt; &amp; &quot; (case-sensitive) and numeric references are decoded, the ';'
    is optional, and anything else is left as text."""
    end = pos + 1
    code = 0
    if _at(data, pos + 1) == ord("#"):
        end += 1
        if _at(data, pos + 2) == ord("x"):
            end += 1
            while _is_hex_digit(_at(data, end)):
                code = code * 16 + int(chr(data[end]), 16)
                end += 1
        else:
            while _is_digit(_at(data, end)):
                code = code * 10 + data[end] - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while _is_alpha(_at(data, end)):
            end += 1
        named = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
        code = named.get(data[pos + 1 : end], 0)
        if not code:
            return 0, pos
    if _at(data, end) == _SEMI:
        end += 1
    return code, end


@dataclass
class _Url:
    """td::HttpUrl."""

    https: bool
    userinfo: bytes
    host: bytes
    is_ipv6: bool
    specified_port: int
    query: bytes

    def get_url(self) -> bytes:
        url = b"https://" if self.https else b"http://"
        if self.userinfo:
            url += self.userinfo + b"@"
        url += self.host
        if self.specified_port > 0:
            url += b":%d" % self.specified_port
        return url + self.query


def _url_part_ok(part: bytes, *, allow_colon: bool) -> bool:
    index = 0
    while index < len(part):
        c = part[index]
        if _is_alnum(c) or c in _URL_PART_CHARS or (allow_colon and c == ord(":")):
            index += 1
            continue
        if c == ord("%"):
            if _is_hex_digit(_at(part, index + 1)) and _is_hex_digit(_at(part, index + 2)):
                index += 3
                continue
            return False
        if c < 128:
            return False
        index += 1  # plain UTF-8 is allowed
    return True


def _parse_url(url: bytes) -> _Url | None:
    """td::parse_url with HTTP as the default protocol; None where tdlib returns an error."""
    cut = 0
    while cut < len(url) and url[cut] not in b":/?#@[]":
        cut += 1
    https = False
    if url[cut : cut + 3] == b"://":
        scheme = url[:cut].lower()
        if scheme not in (b"http", b"https"):
            return None
        https = scheme == b"https"
        url = url[cut + 3 :]
    cut = 0
    while cut < len(url) and url[cut] not in b"/?#":
        cut += 1
    userinfo_host_port, query = url[:cut], url[cut:]

    port = 0
    colon = len(userinfo_host_port) - 1
    while colon > 0 and userinfo_host_port[colon] not in b":]@":
        colon -= 1
    userinfo_host = userinfo_host_port
    if colon > 0 and userinfo_host_port[colon] == ord(":"):
        port_text = userinfo_host_port[colon + 1 :]
        while len(port_text) > 1 and port_text[0] == ord("0"):
            port_text = port_text[1:]
        number = _to_integer_safe(port_text, 32)
        port = number or -1  # no number, or 0, is a wrong port
        userinfo_host = userinfo_host_port[:colon]
    if not 0 <= port <= 65535:
        return None

    at_pos = userinfo_host.rfind(b"@")
    userinfo = userinfo_host[:at_pos] if at_pos >= 0 else b""
    host = userinfo_host[at_pos + 1 :]
    is_ipv6 = False
    if host[:1] == b"[" and host[-1:] == b"]":
        try:
            ipaddress.IPv6Address(host[1:-1].decode("ascii"))
        except ValueError:
            return None
        is_ipv6 = True
    if not host or host == b".":
        return None

    query = query.rstrip(bytes(_SPACE)) or b"/"
    query_bytes = bytearray() if query[:1] == b"/" else bytearray(b"/")
    for c in query:
        query_bytes += b"%%%02X" % c if c <= 0x20 else bytes((c,))

    host = host.lower()
    if is_ipv6:
        if any(c not in b":0123456789abcdef." for c in host[1:-1]):
            return None
    elif not _url_part_ok(host, allow_colon=False) or not _url_part_ok(userinfo, allow_colon=True):
        return None
    return _Url(https, userinfo, host, is_ipv6, port, bytes(query_bytes))


def _checked_link(link: bytes) -> bytes | None:
    """LinkManager::get_checked_link: the URL Telegram keeps for a text link, or None when it
    drops the link (the text is then shown without it, and no error is given)."""
    scheme = b""
    for prefix in (b"tg", b"ton", b"tonsite"):
        if link[: len(prefix) + 1].lower() == prefix + b":":
            scheme, link = prefix, link[len(prefix) + 1 :]
            break
    if scheme and link.startswith(b"//"):
        link = link[2:]
    url = _parse_url(link)
    if url is None:
        return None
    if scheme:
        if (
            link[:7].lower() == b"http://"
            or url.https
            or url.userinfo
            or url.specified_port
            or url.is_ipv6
        ):
            return None
        query = url.query[1:] if url.query[1:2] == b"?" else url.query
        for c in url.host:
            if not (_is_alnum(c) or c in b"-_" or (scheme == b"tonsite" and c == ord("."))):
                return None
        return scheme + b"://" + url.host + query
    if b"." not in url.host and not url.is_ipv6:
        return None
    return url.get_url()


def _link_user_id(link: bytes) -> int | None:
    """LinkManager::get_link_user_id: the user a tg://user?id=... link mentions."""
    rest = link.lower()
    if not rest.startswith(b"tg:"):
        return None
    rest = rest[3:]
    rest = rest.removeprefix(b"//")
    if not rest.startswith(b"user"):
        return None
    rest = rest[4:].removeprefix(b"/")
    if not rest.startswith(b"?"):
        return None
    rest = rest[1:].split(b"#", 1)[0]
    for parameter in rest.split(b"&") if rest else []:
        key, _, value = parameter.partition(b"=")
        if key == b"id":
            user_id = _to_integer_safe(value, 64)
            return user_id if user_id is not None and 0 < user_id <= _MAX_USER_ID else None
    return None


@dataclass
class _OpenTag:
    """A start tag waiting for its end tag."""

    name: str
    argument: bytes
    offset: int  # in UTF-16 code units of the plain text
    result_pos: int  # in bytes of the plain text
    source_pos: int  # byte offset of the '<'


@dataclass
class _Entity:
    kind: str
    offset: int
    length: int
    argument: str = ""


class _TelegramHtmlParser:
    """tdlib's parse_html: validates Telegram HTML, producing plain text and entities."""

    def __init__(self, source: str, *, strict: bool) -> None:
        self.data = source.encode("utf-8", "surrogatepass")
        self.strict = strict
        self.lint: tuple[int, str] | None = None

    # -- strict checks (not Telegram's) ------------------------------------------------------
    def _note(self, offset: int, message: str) -> None:
        """Remember the first thing Telegram accepts but a careful bot would not send."""
        if self.lint is None or offset < self.lint[0]:
            self.lint = (offset, message)

    def _note_reference(self, pos: int, end: int) -> None:
        if self.data[end - 1] != _SEMI:
            self._note(pos, f"Entity at byte offset {pos} must end with ';'")

    def _note_ampersand(self, pos: int) -> None:
        self._note(pos, f'Unescaped "&" at byte offset {pos}: write it as &amp;')

    # -- the scanner --------------------------------------------------------------------------
    def run(self) -> tuple[str, list[JsonDict]]:
        """Parse the whole source."""
        data = self.data
        result = bytearray()
        utf16 = 0
        need_recheck_utf8 = False
        stack: list[_OpenTag] = []
        entities: list[_Entity] = []
        i = 0
        while i < len(data):
            c = data[i]
            if c == _AMP:
                code, end = _decode_html_entity(data, i)
                if code:
                    self._note_reference(i, end)
                    utf16 += 2 if code > 0xFFFF else 1
                    need_recheck_utf8 |= 0xD800 <= code <= 0xDFFF
                    result += chr(code).encode("utf-8", "surrogatepass")
                    i = end
                    continue
                self._note_ampersand(i)
            if c != _LT:
                if c == _GT:
                    self._note(i, f'Unescaped ">" at byte offset {i}: write it as &gt;')
                if c & 0xC0 != 0x80:  # first byte of a character
                    utf16 += 2 if c >= 0xF0 else 1
                result.append(c)
                i += 1
                continue
            begin = i
            i += 1
            if _at(data, i) != _SLASH:
                i, name, argument = self._start_tag(begin, i)
                stack.append(_OpenTag(name, argument, utf16, len(result), begin))
            else:
                i = self._end_tag(begin, i, stack)
                top = stack.pop()
                if utf16 > top.offset:
                    self._add_entity(entities, top, utf16 - top.offset, bytes(result))
            i += 1  # past the '>'
        if stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"'
            )
        entities.sort(key=lambda e: (e.offset, -e.length, _ENTITY_PRIORITY[e.kind]))
        if need_recheck_utf8:
            try:
                result.decode("utf-8")
            except UnicodeDecodeError:
                raise HtmlParseError(_SURROGATES_ERROR) from None
        if self.strict and self.lint is not None:
            raise HtmlParseError(
                f"{self.lint[1]} (Telegram accepts this; the emulator's strict mode does not)",
                telegram=False,
            )
        return _utf8(bytes(result)), [self._entity_json(e) for e in entities]

    def _start_tag(self, begin: int, i: int) -> tuple[int, str, bytes]:
        """Read the start tag whose '<' is at ``begin``: the index of its '>', the tag's name
        and its argument (the attribute value that matters for this tag, if any)."""
        data = self.data
        while _at(data, i) not in _SPACE and _at(data, i) != _GT:
            i += 1
        if _at(data, i) == 0:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        name = _utf8(data[begin + 1 : i].lower())
        if name not in _HTML_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
        unclosed = f'Unclosed start tag "{name}" at byte offset {begin}'
        argument = b""
        while _at(data, i) != _GT:
            while _at(data, i) != 0 and _at(data, i) in _SPACE:
                i += 1
            if _at(data, i) == _GT:
                break
            name_begin = i
            while _at(data, i) not in _ATTR_NAME_END:
                i += 1
            attribute = data[name_begin:i]
            if not attribute:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {begin}'
                )
            while _at(data, i) != 0 and _at(data, i) in _SPACE:
                i += 1
            if _at(data, i) != _EQ:
                # An attribute without a value: only <blockquote expandable> means something.
                if _at(data, i) == 0:
                    raise HtmlParseError(unclosed)
                if name == "blockquote" and attribute == b"expandable":
                    argument = b"1"
                continue
            i += 1
            while _at(data, i) != 0 and _at(data, i) in _SPACE:
                i += 1
            if _at(data, i) == 0:
                raise HtmlParseError(unclosed)
            if _at(data, i) not in _QUOTES:
                # A name token: letters, digits, '.' and '-', compared in lower case.
                token_begin = i
                while _is_alnum(_at(data, i)) or _at(data, i) in b".-":
                    i += 1
                value = data[token_begin:i].lower()
                if _at(data, i) not in _SPACE and _at(data, i) != _GT:
                    raise HtmlParseError(
                        f"Unexpected end of name token at byte offset {token_begin}"
                    )
            else:
                i, value = self._string_literal(i)
            if _at(data, i) == 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            if name == "a" and attribute == b"href":
                argument = value
            elif name == "code" and attribute == b"class" and value.startswith(b"language-"):
                argument = value[9:]
            elif name == "span" and attribute == b"class" and value.startswith(b"tg-"):
                argument = value[3:]
            elif name == "tg-emoji" and attribute == b"emoji-id":
                argument = value
            elif name == "blockquote" and attribute == b"expandable":
                argument = b"1"
        if name == "span" and argument != b"spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        return i, name, argument

    def _string_literal(self, i: int) -> tuple[int, bytes]:
        """A quoted attribute value starting at ``i``; entities in it are decoded. An unclosed
        quote runs to the end of the text."""
        data = self.data
        quote = data[i]
        i += 1
        value = bytearray()
        while _at(data, i) != quote and _at(data, i) != 0:
            if data[i] == _AMP:
                code, end = _decode_html_entity(data, i)
                if code:
                    self._note_reference(i, end)
                    value += chr(code).encode("utf-8", "surrogatepass")
                    i = end
                    continue
                self._note_ampersand(i)
            value.append(data[i])
            i += 1
        if _at(data, i) == quote:
            i += 1
        return i, bytes(value)

    def _end_tag(self, begin: int, i: int, stack: list[_OpenTag]) -> int:
        """Check the end tag whose '<' is at ``begin``; returns the index of its '>'."""
        data = self.data
        if not stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        while _at(data, i) not in _SPACE and _at(data, i) != _GT:
            i += 1
        end_name = _utf8(data[begin + 2 : i].lower())
        while _at(data, i) in _SPACE and _at(data, i) != 0:
            i += 1
        if _at(data, i) != _GT:
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        expected = stack[-1].name
        if end_name and end_name != expected:
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {begin}, "
                f'expected "</{expected}>", found "</{end_name}>"'
            )
        return i

    def _add_entity(
        self, entities: list[_Entity], top: _OpenTag, length: int, result: bytes
    ) -> None:
        """The entity of a closed, non-empty tag."""
        offset = top.offset
        last = entities[-1] if entities else None
        same_span = last is not None and (last.offset, last.length) == (offset, length)
        if top.name in _SIMPLE_TAGS:
            entities.append(_Entity(_SIMPLE_TAGS[top.name], offset, length))
        elif top.name == "tg-emoji":
            emoji_id = _to_integer_safe(top.argument, 64)
            if not emoji_id:
                raise HtmlParseError("Invalid custom emoji identifier specified")
            entities.append(_Entity("custom_emoji", offset, length, str(emoji_id)))
        elif top.name == "a":
            url = top.argument or result[top.result_pos :]
            user_id = _link_user_id(url)
            if user_id is not None:
                entities.append(_Entity("text_mention", offset, length, str(user_id)))
                return
            checked = _checked_link(url)
            if checked is None:
                self._note(
                    top.source_pos,
                    f'Link "{_utf8(url)}" of the tag "a" at byte offset {top.source_pos} is '
                    "not a URL Telegram accepts: it shows the text without the link",
                )
                return
            entities.append(_Entity("text_link", offset, length, _utf8(checked)))
        elif top.name == "pre":
            if same_span and last is not None and last.kind == "code" and last.argument:
                last.kind = "pre_code"
            else:
                entities.append(_Entity("pre", offset, length))
        elif top.name == "code":
            if same_span and last is not None and last.kind == "pre" and top.argument:
                last.kind, last.argument = "pre_code", _utf8(top.argument)
            else:
                entities.append(_Entity("code", offset, length, _utf8(top.argument)))
        elif top.name == "blockquote":
            kind = "expandable_blockquote" if top.argument else "blockquote"
            entities.append(_Entity(kind, offset, length))

    @staticmethod
    def _entity_json(entity: _Entity) -> JsonDict:
        """The Bot API MessageEntity."""
        kind = "pre" if entity.kind == "pre_code" else entity.kind
        result: JsonDict = {"type": kind, "offset": entity.offset, "length": entity.length}
        if entity.kind == "pre_code":
            result["language"] = entity.argument
        elif entity.kind == "text_link":
            result["url"] = entity.argument
        elif entity.kind == "text_mention":
            result["user"] = {"id": int(entity.argument)}
        elif entity.kind == "custom_emoji":
            result["custom_emoji_id"] = entity.argument
        return result


def parse_telegram_html(text: str, *, strict: bool = True) -> tuple[str, list[JsonDict]]:
    """Parse Telegram HTML into (plain text, entities); raise HtmlParseError when invalid.

    With ``strict=False`` this accepts and refuses exactly what Telegram does, with its error
    texts. ``strict`` (the default) also refuses, after Telegram's own checks pass, text that
    Telegram shows but that points at a missing escape: a raw "&" or ">" in text, a raw "&" in
    an attribute value, an entity without its ';', and a link Telegram silently drops. Those
    errors have ``telegram=False``.
    """
    return _TelegramHtmlParser(text, strict=strict).run()


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answer of the fake Bot API; raise it from method handlers."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JsonDict:
        """The JSON body Telegram would send."""
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 "Bad Request: <reason>" error."""
    return ApiError(400, f"Bad Request: {reason}")


@dataclass
class UploadedFile:
    """A file the bot uploaded in a multipart request."""

    filename: str
    content: bytes
    content_type: str | None = None

    @property
    def mime_type(self) -> str | None:
        """Alias of content_type."""
        return self.content_type

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.content)


@dataclass
class StoredFile:
    """A file known to the emulator (downloadable through getFile)."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    kind: str
    filename: str | None = None
    mime_type: str | None = None

    def as_file(self) -> JsonDict:
        """The Telegram File object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass
class CallbackAnswer:
    """What the bot passed to answerCallbackQuery."""

    callback_query_id: str
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int | None = None


@dataclass
class WebhookDelivery:
    """One POST of an update to a webhook (by the delivery loop or by post_update)."""

    update_id: int  # -1 for a body that is no update
    url: str
    status: int | None  # None: the connection failed
    time: float


@dataclass
class ApiCall:
    """One request received by the emulator (failed ones included)."""

    method: str
    params: JsonDict
    time: float
    status: int = 0
    response: JsonDict | None = None

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.status == 200

    @property
    def description(self) -> str | None:
        """Error description of a failed call."""
        return None if self.response is None else self.response.get("description")

    @property
    def chat_id(self) -> Any:
        """The chat_id parameter, if any."""
        return self.params.get("chat_id")


@dataclass
class Fault:
    """An injected error (see TelegramEmulator.inject_error)."""

    method: str | None
    status: int
    description: str
    retry_after: int | None = None
    times: int | None = 1
    chat_id: int | str | None = None
    delay: float = 0.0
    hits: int = 0

    def matches(self, method: str, params: JsonDict) -> bool:
        """Whether this fault applies to a call."""
        if self.method is None:
            if method == "getupdates":
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or str(params.get("chat_id")) == str(self.chat_id)

    def error(self) -> ApiError:
        """The error to answer with."""
        parameters = {"retry_after": self.retry_after} if self.retry_after is not None else None
        return ApiError(self.status, self.description, parameters)


@dataclass
class SentMessage:
    """A message the bot sent, in its current state (edits applied, deletion flagged)."""

    message_id: int
    chat_id: int
    method: str
    text: str | None
    parse_mode: str | None
    reply_markup: JsonDict | None
    params: JsonDict
    date: int
    document: UploadedFile | None = None
    photo_file: UploadedFile | None = None
    voice_file: UploadedFile | None = None
    file_id: str | None = None
    edit_count: int = 0
    deleted: bool = False
    edit_date: int | None = None
    content: JsonDict = field(default_factory=dict, repr=False)
    history: list[str | None] = field(default_factory=list, repr=False)

    @property
    def plain_text(self) -> str | None:
        """Text or caption as Telegram shows it (HTML tags removed, entities decoded)."""
        value = self.content.get("text", self.content.get("caption"))
        return None if value is None else str(value)

    @property
    def entities(self) -> list[JsonDict]:
        """Entities of the text or caption."""
        return list(self.content.get("entities") or self.content.get("caption_entities") or [])

    @property
    def reply_to_message_id(self) -> int | None:
        """Id of the message this one replies to."""
        reply = self.params.get("reply_parameters")
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            return int(reply["message_id"])
        value = self.params.get("reply_to_message_id")
        return None if value is None else int(value)

    @property
    def inline_keyboard(self) -> list[list[JsonDict]]:
        """Rows of inline keyboard button objects ([] if none)."""
        if not self.reply_markup:
            return []
        return list(self.reply_markup.get("inline_keyboard") or [])

    @property
    def buttons(self) -> list[list[str]]:
        """Inline keyboard labels by row."""
        return [[str(b.get("text")) for b in row] for row in self.inline_keyboard]

    @property
    def button_labels(self) -> list[str]:
        """Inline keyboard labels, flat."""
        return [label for row in self.buttons for label in row]

    @property
    def reply_buttons(self) -> list[list[str]]:
        """Reply (custom) keyboard labels by row."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("keyboard") or []
        return [[b["text"] if isinstance(b, dict) else str(b) for b in row] for row in rows]

    def has_button(self, label: str) -> bool:
        """Whether an inline button with this label exists."""
        return label in self.button_labels

    def button(self, label: str) -> JsonDict:
        """The inline button object with this label; AssertionError if missing."""
        for row in self.inline_keyboard:
            for button in row:
                if button.get("text") == label:
                    return dict(button)
        msg = f"No inline button {label!r} on message {self.describe()}"
        raise AssertionError(msg)

    def callback_data(self, label: str) -> str:
        """callback_data of the inline button with this label."""
        data = self.button(label).get("callback_data")
        if data is None:
            msg = f"Button {label!r} has no callback_data: {self.button(label)}"
            raise AssertionError(msg)
        return str(data)

    def describe(self) -> str:
        """One-line summary for assertion messages."""
        text = self.text if self.text is None else self.text[:120]
        parts = [f"#{self.message_id} {self.method} {text!r}"]
        if self.button_labels:
            parts.append(f"buttons={self.button_labels}")
        if self.reply_buttons:
            parts.append(f"reply_buttons={self.reply_buttons}")
        if self.edit_count:
            parts.append(f"edits={self.edit_count}")
        if self.deleted:
            parts.append("DELETED")
        return " ".join(parts)


# --------------------------------------------------------------------------------------------
# Participants
# --------------------------------------------------------------------------------------------


class _ChatView:
    """The bot messages of one chat as a participant sees them."""

    def __init__(self, emulator: TelegramEmulator, chat_id: int) -> None:
        self.emulator = emulator
        self.chat_id = chat_id
        self._read = 0

    @property
    def messages(self) -> list[SentMessage]:
        """All bot messages in this chat, in order."""
        return self.emulator.messages_to(self.chat_id)

    @property
    def last_message(self) -> SentMessage | None:
        """Newest not-deleted bot message in this chat."""
        alive = [m for m in self.messages if not m.deleted]
        return alive[-1] if alive else None

    @property
    def unread(self) -> list[SentMessage]:
        """Bot messages not yet returned by next_message."""
        return self.messages[self._read :]

    async def next_message(self, timeout: float = 5.0) -> SentMessage:  # noqa: ASYNC109
        """The next new bot message in this chat not yet returned by next_message."""
        await self.emulator.wait_for(
            lambda: len(self.emulator.messages_to(self.chat_id)) > self._read,
            timeout,
            description=lambda: self._describe_wait(timeout),
        )
        message = self.messages[self._read]
        self._read += 1
        return message

    async def next_messages(self, count: int, timeout: float = 5.0) -> list[SentMessage]:  # noqa: ASYNC109
        """The next ``count`` new bot messages of this chat."""
        await self.emulator.wait_for(
            lambda: len(self.emulator.messages_to(self.chat_id)) >= self._read + count,
            timeout,
            description=lambda: self._describe_wait(timeout, count),
        )
        messages = self.messages[self._read : self._read + count]
        self._read += count
        return messages

    def mark_all_read(self) -> None:
        """Skip all current messages for next_message."""
        self._read = len(self.messages)

    def assert_no_new_message(self) -> None:
        """Fail if there is a bot message not yet returned by next_message."""
        unread = self.unread
        if unread:
            listed = "; ".join(m.describe() for m in unread)
            msg = f"Expected no new bot message in chat {self.chat_id}, got: {listed}"
            raise AssertionError(msg)

    async def wait_edited(
        self,
        message: SentMessage,
        *,
        since: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> SentMessage:
        """Wait until ``message.edit_count`` exceeds ``since`` (default: its value now)."""
        seen = message.edit_count if since is None else since
        await self.emulator.wait_for(
            lambda: message.edit_count > seen,
            timeout,
            description=lambda: f"message {message.describe()} was not edited (seen {seen})",
        )
        return message

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:  # noqa: ASYNC109
        """Same as TelegramEmulator.wait_for."""
        return await self.emulator.wait_for(predicate, timeout)

    def _describe_wait(self, timeout: float, count: int = 1) -> str:
        messages = self.messages
        lines = [
            f"Expected {count} new bot message(s) in chat {self.chat_id} within {timeout}s; "
            f"the chat has {len(messages)} bot message(s), {self._read} already returned "
            "by next_message."
        ]
        lines.extend(f"  {m.describe()}" for m in messages[-5:])
        lines.append(self.emulator.debug_summary(self.chat_id))
        return "\n".join(lines)


class FakeUser(_ChatView):
    """A Telegram user; their private chat with the bot has chat id == user id."""

    def __init__(
        self,
        emulator: TelegramEmulator,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> None:
        super().__init__(emulator, user_id)
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.first_name!r})"

    def as_dict(self) -> JsonDict:
        """The Telegram User object."""
        user: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat_dict(self) -> JsonDict:
        """The private Chat object."""
        chat: JsonDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    async def send(self, text: str, *, reply_to: SentMessage | int | None = None) -> int:
        """Send a text message to the bot; returns its message_id."""
        return await self.emulator.send_user_message(
            self.id, self, _text_content(text), reply_to=reply_to
        )

    async def share_location(self, latitude: float, longitude: float) -> int:
        """Send a location."""
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        return await self.emulator.send_user_message(self.id, self, content)

    async def share_contact(
        self,
        phone_number: str,
        first_name: str | None = None,
        last_name: str | None = None,
        user_id: int | None = None,
    ) -> int:
        """Send a contact; user_id defaults to this user's id (0 = no user_id)."""
        contact: JsonDict = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
        }
        if last_name:
            contact["last_name"] = last_name
        contact_user = self.id if user_id is None else user_id
        if contact_user:
            contact["user_id"] = contact_user
        return await self.emulator.send_user_message(self.id, self, {"contact": contact})

    async def send_photo(
        self,
        caption: str | None = None,
        *,
        content: bytes | None = None,
        reply_to: SentMessage | int | None = None,
    ) -> int:
        """Send a photo (three sizes, each with its own file id)."""
        message = self.emulator.photo_content(content, caption)
        return await self.emulator.send_user_message(self.id, self, message, reply_to=reply_to)

    async def send_voice(
        self,
        duration: int = 4,
        *,
        content: bytes | None = None,
        reply_to: SentMessage | int | None = None,
    ) -> int:
        """Send a voice note."""
        message = self.emulator.voice_content(duration, content)
        return await self.emulator.send_user_message(self.id, self, message, reply_to=reply_to)

    async def send_sticker(self, emoji: str = "👍") -> int:
        """Send a sticker."""
        message = self.emulator.sticker_content(emoji)
        return await self.emulator.send_user_message(self.id, self, message)

    async def send_document(
        self,
        filename: str = "document.pdf",
        content: bytes = b"%PDF-1.4 test document",
        *,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        """Send a document."""
        message = self.emulator.document_content(filename, content, mime_type, caption)
        return await self.emulator.send_user_message(self.id, self, message)

    async def edit_message(self, message_id: int, text: str) -> None:
        """Edit a text message this user sent earlier (edited_message update)."""
        await self.emulator.edit_user_message(self.id, self, message_id, text)

    async def press(
        self,
        label: str,
        message: SentMessage | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """Press an inline button and wait for answerCallbackQuery."""
        return await self.emulator.press_button(
            self.id, self, label=label, message=message, timeout=timeout
        )

    async def press_data(
        self,
        data: str,
        message: SentMessage | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """Send a callback query with arbitrary data and wait for the answer."""
        return await self.emulator.press_button(
            self.id, self, data=data, message=message, timeout=timeout
        )

    async def block_bot(self) -> None:
        """Block the bot: my_chat_member update; later sends fail with 403."""
        self.blocked = True
        self.emulator.queue_update(
            "my_chat_member", self.emulator.my_chat_member(self, "member", "kicked")
        )
        await asyncio.sleep(0)

    async def unblock_bot(self) -> None:
        """Unblock the bot again."""
        self.blocked = False
        self.emulator.queue_update(
            "my_chat_member", self.emulator.my_chat_member(self, "kicked", "member")
        )
        await asyncio.sleep(0)


class FakeGroup(_ChatView):
    """A supergroup chat the bot is in."""

    def __init__(
        self,
        emulator: TelegramEmulator,
        chat_id: int,
        title: str,
        username: str | None = None,
    ) -> None:
        super().__init__(emulator, chat_id)
        self.id = chat_id
        self.title = title
        self.username = username
        self.type = "supergroup"

    def __repr__(self) -> str:
        return f"FakeGroup(id={self.id}, title={self.title!r})"

    def chat_dict(self) -> JsonDict:
        """The Chat object."""
        chat: JsonDict = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            chat["username"] = self.username
        return chat

    async def send(
        self, user: FakeUser, text: str, *, reply_to: SentMessage | int | None = None
    ) -> int:
        """A text message in the group from ``user``."""
        return await self.emulator.send_user_message(
            self.id, user, _text_content(text), reply_to=reply_to
        )

    async def edit_message(self, user: FakeUser, message_id: int, text: str) -> None:
        """Edit a message ``user`` sent in the group."""
        await self.emulator.edit_user_message(self.id, user, message_id, text)

    async def press(
        self,
        user: FakeUser,
        label: str,
        message: SentMessage | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """``user`` presses an inline button on a bot message in the group."""
        return await self.emulator.press_button(
            self.id, user, label=label, message=message, timeout=timeout
        )

    async def press_data(
        self,
        user: FakeUser,
        data: str,
        message: SentMessage | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """Callback query with arbitrary data from ``user`` in the group."""
        return await self.emulator.press_button(
            self.id, user, data=data, message=message, timeout=timeout
        )


def _text_content(text: str) -> JsonDict:
    """Message fields for a user text; a leading /command gets a bot_command entity."""
    content: JsonDict = {"text": text}
    parts = text.split(maxsplit=1)
    if text.startswith("/") and parts and len(parts[0]) > 1:
        content["entities"] = [
            {"type": "bot_command", "offset": 0, "length": _utf16_len(parts[0])}
        ]
    return content


def _parse_value(key: str, value: str) -> Any:
    """Turn a form field string into the value it encodes."""
    if key in _STRING_PARAMS or not value:
        return value
    if value in ("true", "false"):
        return value == "true"
    if _INT_RE.fullmatch(value):
        return int(value)
    if _FLOAT_RE.fullmatch(value):
        return float(value)
    if value[0] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_UNSET: Any = object()


# --------------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------------


class TelegramEmulator:
    """A fake Telegram Bot API server running in the test's event loop."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = DEFAULT_BOT_USERNAME,
        *,
        bot_first_name: str = "Tillsammans",
        strict_chats: bool = False,
        strict_html: bool = True,
        host: str = "127.0.0.1",
        first_update_id: int = 100_000,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.strict_chats = strict_chats
        self.strict_html = strict_html
        self.host = host

        self.sent: list[SentMessage] = []
        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.my_commands: dict[tuple[str, int | None, str | None], list[JsonDict]] = {}
        self.webhook: JsonDict | None = None
        self.files: dict[str, StoredFile] = {}
        self.users: dict[int, FakeUser] = {}
        self.groups: dict[int, FakeGroup] = {}
        self.updates: list[JsonDict] = []
        self.dropped_updates: list[JsonDict] = []
        self.allowed_updates: list[str] | None = None
        self.user_messages: dict[tuple[int, int], JsonDict] = {}
        self.deleted_user_messages: set[tuple[int, int]] = set()
        self.chat_actions: list[tuple[int, str]] = []
        self.bot_settings: dict[tuple[str, str | None], Any] = {}
        self.inline_edits: list[JsonDict] = []
        self.downloads: list[str] = []
        self.internal_errors: list[BaseException] = []
        self.faults: list[Fault] = []
        self.latency: dict[str | None, float] = {}
        self.methods: dict[str, tuple[str, MethodHandler]] = {}

        self._chat_messages: dict[int, list[SentMessage]] = {}
        self._message_ids: dict[int, int] = {}
        self._members: dict[tuple[int, int], tuple[str, JsonDict]] = {}
        self._callback_queries: dict[str, JsonDict] = {}
        self._pending: list[JsonDict] = []
        self._next_update_id = first_update_id
        self._fetched_upto = 0
        self._poll_generation = 0
        self._counter = 0
        self._last_activity = time.monotonic()
        self._changed = asyncio.Event()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._polling_tasks: list[asyncio.Task[Any]] = []
        # Webhook delivery: the "load balancer" in front of one or more bot processes.
        self.deliveries: list[WebhookDelivery] = []
        self.webhook_backends: list[str] | None = None
        self.webhook_retry_delay = 0.2
        self._backend_turn = 0
        self._delivering: set[int] = set()
        self._retry_at: dict[int, float] = {}
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_client: Any = None
        self._register_builtin_methods()

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        """Serve on a free port of 127.0.0.1."""
        if self._runner is not None:
            return
        self._stopping = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, 0))
        site = web.SockSite(runner, sock)
        await site.start()
        self._port = sock.getsockname()[1]
        self._runner = runner

    async def stop(self) -> None:
        """Wake pending long polls and shut the server down."""
        self._stopping = True
        self._notify()
        await self._stop_webhook_delivery()
        if self._runner is not None:
            await asyncio.sleep(0)
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._port is None:
            msg = "TelegramEmulator is not started"
            raise RuntimeError(msg)
        return f"http://{self.host}:{self._port}"

    @property
    def port(self) -> int | None:
        """The bound port (None before start)."""
        return self._port

    def create_bot(self, parse_mode: str | None = "HTML", **bot_kwargs: Any) -> Bot:
        """A real aiogram Bot whose session talks to this emulator."""
        from aiogram import Bot
        from aiogram.client.default import DefaultBotProperties
        from aiogram.client.telegram import TelegramAPIServer

        session = LocalAiohttpSession(api=TelegramAPIServer.from_base(self.base_url))
        return Bot(
            token=self.token,
            session=session,
            default=DefaultBotProperties(parse_mode=parse_mode),
            **bot_kwargs,
        )

    @contextlib.asynccontextmanager
    async def polling(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        *,
        polling_timeout: int = 1,
        startup_timeout: float = 5.0,
        **kwargs: Any,
    ) -> AsyncIterator[asyncio.Task[Any]]:
        """Run ``dispatcher.start_polling(bot)`` for the duration of the block.

        Waits until the bot polls for updates; on exit waits for running handlers, stops
        polling and closes the bot session. Errors of the polling task are re-raised.
        """
        before = self._count_calls("getupdates")
        task = asyncio.create_task(
            dispatcher.start_polling(
                bot, handle_signals=False, polling_timeout=polling_timeout, **kwargs
            )
        )
        self._polling_tasks.append(task)
        try:
            await self.wait_for(
                lambda: task.done() or self._count_calls("getupdates") > before,
                startup_timeout,
                description="the dispatcher did not start polling",
            )
            if task.done():
                await task
                msg = "polling stopped during startup"
                raise AssertionError(msg)
            yield task
        finally:
            error = await self._shutdown_polling(dispatcher, bot, task)
        if error is not None:
            raise error

    async def _shutdown_polling(
        self, dispatcher: Dispatcher, bot: Bot, task: asyncio.Task[Any]
    ) -> BaseException | None:
        handlers: set[asyncio.Task[Any]] = getattr(dispatcher, "_handle_update_tasks", set())
        if pending := [t for t in handlers if not t.done()]:
            await asyncio.wait(pending, timeout=5.0)
        if not task.done():
            with contextlib.suppress(RuntimeError):
                await asyncio.wait_for(dispatcher.stop_polling(), 10.0)
        error: BaseException | None = None
        try:
            await asyncio.wait_for(task, 10.0)
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            error = exc
        if pending := [t for t in handlers if not t.done()]:
            await asyncio.wait(pending, timeout=5.0)
        await bot.session.close()
        return error

    # -- participants ---------------------------------------------------------------------------
    def user(
        self,
        user_id: int,
        first_name: str | None = _UNSET,
        *,
        last_name: str | None = _UNSET,
        username: str | None = _UNSET,
        language_code: str | None = _UNSET,
    ) -> FakeUser:
        """The FakeUser with this id (created on first use; given fields update it)."""
        existing = self.users.get(user_id)
        if existing is None:
            existing = FakeUser(
                self,
                user_id,
                first_name=f"User{user_id}" if first_name in (_UNSET, None) else first_name,
                last_name=None if last_name is _UNSET else last_name,
                username=None if username is _UNSET else username,
                language_code="en" if language_code is _UNSET else language_code,
            )
            self.users[user_id] = existing
            return existing
        if first_name not in (_UNSET, None):
            existing.first_name = first_name
        if last_name is not _UNSET:
            existing.last_name = last_name
        if username is not _UNSET:
            existing.username = username
        if language_code is not _UNSET:
            existing.language_code = language_code
        return existing

    def group(
        self, chat_id: int, title: str | None = None, *, username: str | None = None
    ) -> FakeGroup:
        """The FakeGroup (supergroup) with this id, created on first use."""
        existing = self.groups.get(chat_id)
        if existing is None:
            existing = FakeGroup(self, chat_id, title or f"Group {chat_id}", username)
            self.groups[chat_id] = existing
        elif title is not None:
            existing.title = title
        return existing

    def set_chat_member(
        self, chat_id: int, user_id: int, status: str = "member", **fields: Any
    ) -> None:
        """Status getChatMember reports: creator/owner, administrator/admin, member,
        restricted, left, kicked/banned. Extra fields override the defaults."""
        aliases = {"owner": "creator", "admin": "administrator", "banned": "kicked"}
        self._members[(chat_id, user_id)] = (aliases.get(status, status), fields)

    def bot_user(self) -> JsonDict:
        """The bot's User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def chat_object(self, chat_id: int) -> JsonDict:
        """The Chat object for a chat id (unknown chats are registered)."""
        if chat_id in self.users:
            return self.users[chat_id].chat_dict()
        if chat_id in self.groups:
            return self.groups[chat_id].chat_dict()
        if chat_id > 0:
            return self.user(chat_id).chat_dict()
        return self.group(chat_id).chat_dict()

    def _user_object(self, user_id: int) -> JsonDict:
        if user_id == self.bot_id:
            return self.bot_user()
        if user_id in self.users:
            return self.users[user_id].as_dict()
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def my_chat_member(self, user: FakeUser, old: str, new: str) -> JsonDict:
        """A ChatMemberUpdated payload for the bot in a private chat."""
        bot = self.bot_user()
        return {
            "chat": user.chat_dict(),
            "from": user.as_dict(),
            "date": _now(),
            "old_chat_member": self._member_object(old, bot, {}),
            "new_chat_member": self._member_object(new, bot, {}),
        }

    # -- recorded state -------------------------------------------------------------------------
    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """All bot messages sent to a chat (deleted ones included, flagged)."""
        return list(self._chat_messages.get(chat_id, []))

    def message_counts(self, method: str | None = None) -> dict[int, int]:
        """Number of bot messages per chat id (optionally only one send method)."""
        counts: dict[int, int] = {}
        for message in self.sent:
            if method is None or message.method.lower() == method.lower():
                counts[message.chat_id] = counts.get(message.chat_id, 0) + 1
        return counts

    def get_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """A bot message by chat and id."""
        for message in self._chat_messages.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def calls_to(self, method: str) -> list[ApiCall]:
        """Calls of one method (case-insensitive)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    @property
    def failed_calls(self) -> list[ApiCall]:
        """Calls answered with an error."""
        return [c for c in self.calls if c.status and not c.ok]

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by the bot."""
        return list(self._pending)

    def _count_calls(self, method_lower: str) -> int:
        return sum(1 for c in self.calls if c.method.lower() == method_lower)

    def debug_summary(self, chat_id: int | None = None) -> str:
        """Recent failures and polling state, for assertion messages."""
        lines: list[str] = []
        failed = [
            c
            for c in self.failed_calls
            if chat_id is None or c.chat_id is None or str(c.chat_id) == str(chat_id)
        ]
        if failed:
            lines.append("Recent failed API calls:")
            lines.extend(
                f"  {c.method} chat_id={c.chat_id} -> {c.status} {c.description}"
                for c in failed[-5:]
            )
        unfetched = [u for u in self._pending if u["update_id"] > self._fetched_upto]
        if unfetched:
            lines.append(f"{len(unfetched)} queued update(s) not fetched by the bot yet.")
        if self.dropped_updates:
            kinds = sorted({_update_kind(u) for u in self.dropped_updates})
            lines.append(
                f"Updates dropped because of allowed_updates={self.allowed_updates}: {kinds}"
            )
        for task in self._polling_tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                lines.append(f"Polling task failed: {task.exception()!r}")
        if self.internal_errors:
            lines.append(f"Emulator internal errors: {self.internal_errors[-3:]!r}")
        failed_posts = [d for d in self.deliveries if d.status != 200]
        if failed_posts:
            lines.append("Recent webhook deliveries not answered 200:")
            lines.extend(
                f"  update {d.update_id} -> {d.url}: {d.status}" for d in failed_posts[-5:]
            )
        if self.webhook is None and not self._count_calls("getupdates"):
            lines.append("The bot never called getUpdates (is polling running?).")
        return "\n".join(lines)

    # -- waiting --------------------------------------------------------------------------------
    def _notify(self) -> None:
        event = self._changed
        self._changed = asyncio.Event()
        event.set()

    async def _wait_change(self, timeout: float) -> None:  # noqa: ASYNC109
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(timeout, 0))

    async def next_change(self, timeout: float) -> None:  # noqa: ASYNC109
        """Return at the next API call or queued update, or after ``timeout`` seconds."""
        await self._wait_change(timeout)

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        description: str | Callable[[], str] | None = None,
    ) -> Any:
        """Wait until ``predicate()`` is truthy and return its value.

        Re-checked on every API call, every queued update and every 50 ms.
        Raises AssertionError on timeout.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                text = description() if callable(description) else description
                text = text or f"condition not met: {predicate!r}\n{self.debug_summary()}"
                msg = f"Timed out after {timeout}s: {text}"
                raise AssertionError(msg)
            await self._wait_change(min(remaining, 0.05))

    async def wait_updates_fetched(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has fetched every queued update."""
        await self.wait_for(
            lambda: self._fetched_upto >= self._next_update_id - 1 or not self._pending,
            timeout,
            description=lambda: "the bot did not fetch all updates\n" + self.debug_summary(),
        )

    async def idle(self, quiet: float = 0.1, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until all updates are fetched and no API call came for ``quiet`` seconds."""

        def settled() -> bool:
            fetched = self._fetched_upto >= self._next_update_id - 1 or not self._pending
            return fetched and time.monotonic() - self._last_activity >= quiet

        await self.wait_for(
            settled, timeout, description=lambda: "the bot did not settle\n" + self.debug_summary()
        )

    # -- faults ---------------------------------------------------------------------------------
    def inject_error(
        self,
        method: str | None,
        status: int = 400,
        *,
        retry_after: int | None = None,
        times: int | None = 1,
        chat_id: int | str | None = None,
        description: str | None = None,
        delay: float = 0.0,
    ) -> Fault:
        """Make the next ``times`` matching calls (None = all) fail with ``status``.

        ``method=None`` matches every method except getUpdates. ``delay`` answers that many
        seconds late: longer than the bot's request timeout, the bot sees a timeout.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            elif status >= 500:
                description = "Internal Server Error"
            else:
                description = _FAULT_DESCRIPTIONS.get(status, f"Error {status}")
        fault = Fault(
            method=None if method is None else method.lower(),
            status=status,
            description=description,
            retry_after=retry_after,
            times=times,
            chat_id=chat_id,
            delay=delay,
        )
        self.faults.append(fault)
        return fault

    def inject_latency(self, seconds: float, method: str | None = None) -> None:
        """Delay answers (``method=None``: all methods except getUpdates)."""
        self.latency[None if method is None else method.lower()] = seconds

    def clear_faults(self) -> None:
        """Remove injected errors and latency."""
        self.faults.clear()
        self.latency.clear()

    def _take_fault(self, method: str, params: JsonDict) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, params):
                fault.hits += 1
                if fault.times is not None and fault.hits >= fault.times:
                    self.faults.remove(fault)
                return fault
        return None

    # -- updates --------------------------------------------------------------------------------
    def queue_update(self, kind: str, payload: JsonDict) -> int:
        """Queue an update of type ``kind`` (e.g. "message"); returns its update_id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": update_id, kind: copy.deepcopy(payload)}
        self.updates.append(update)
        self._pending.append(update)
        self._notify()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Queue an update again, as Telegram does when its delivery was not confirmed."""
        update = next(u for u in self.updates if u["update_id"] == update_id)
        self._pending.append(copy.deepcopy(update))
        self._pending.sort(key=lambda u: u["update_id"])
        self._fetched_upto = min(self._fetched_upto, update_id - 1)
        self._notify()

    def _alloc_message_id(self, chat_id: int) -> int:
        message_id = self._message_ids.get(chat_id, 0) + 1
        self._message_ids[chat_id] = message_id
        return message_id

    def _next_token(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter:06d}"

    async def send_user_message(
        self,
        chat_id: int,
        user: FakeUser,
        content: JsonDict,
        *,
        reply_to: SentMessage | int | None = None,
    ) -> int:
        """Queue a message update from ``user`` in ``chat_id``; returns the message_id."""
        message: JsonDict = {
            "message_id": self._alloc_message_id(chat_id),
            "from": user.as_dict(),
            "chat": self.chat_object(chat_id),
            "date": _now(),
            **copy.deepcopy(content),
        }
        if reply_to is not None:
            message["reply_to_message"] = self._reply_object(chat_id, reply_to)
        self.user_messages[(chat_id, message["message_id"])] = message
        self.queue_update("message", message)
        await asyncio.sleep(0)
        return int(message["message_id"])

    def _reply_object(self, chat_id: int, reply_to: SentMessage | int) -> JsonDict:
        if isinstance(reply_to, SentMessage):
            if reply_to.chat_id != chat_id:
                msg = f"reply_to message {reply_to.describe()} is not in chat {chat_id}"
                raise AssertionError(msg)
            return self.message_object(reply_to, nested=False)
        found = self._find_any_message(chat_id, reply_to)
        if found is None:
            msg = f"reply_to: no message {reply_to} in chat {chat_id}"
            raise AssertionError(msg)
        return found

    async def edit_user_message(
        self, chat_id: int, user: FakeUser, message_id: int, text: str
    ) -> None:
        """Queue an edited_message update for a text the user sent before."""
        message = self.user_messages.get((chat_id, message_id))
        if message is None or message["from"]["id"] != user.id:
            msg = f"{user!r} sent no message {message_id} in chat {chat_id}"
            raise AssertionError(msg)
        if "text" not in message:
            msg = f"message {message_id} in chat {chat_id} has no text to edit"
            raise AssertionError(msg)
        message.pop("entities", None)
        message.update(_text_content(text))
        message["edit_date"] = _now()
        self.queue_update("edited_message", message)
        await asyncio.sleep(0)

    def photo_content(self, content: bytes | None, caption: str | None) -> JsonDict:
        """Message fields of a user photo (three sizes)."""
        data = content if content is not None else b"\xff\xd8\xff\xe0 fake jpeg " + bytes(16)
        sizes = []
        for width, height in ((90, 68), (320, 240), (800, 600)):
            stored = self._new_file("photo", data, mime_type="image/jpeg")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(data),
                }
            )
        message: JsonDict = {"photo": sizes}
        if caption:
            message["caption"] = caption
        return message

    def voice_content(self, duration: int, content: bytes | None) -> JsonDict:
        """Message fields of a user voice note."""
        data = content if content is not None else b"OggS fake voice " + bytes(16)
        stored = self._new_file("voice", data, mime_type="audio/ogg")
        return {"voice": self._media_object("voice", stored, {"duration": duration})}

    def sticker_content(self, emoji: str) -> JsonDict:
        """Message fields of a user sticker."""
        stored = self._new_file("sticker", b"RIFF fake webp", mime_type="image/webp")
        return {"sticker": self._media_object("sticker", stored, {"emoji": emoji})}

    def document_content(
        self, filename: str, content: bytes, mime_type: str | None, caption: str | None
    ) -> JsonDict:
        """Message fields of a user document."""
        stored = self._new_file("document", content, filename=filename, mime_type=mime_type)
        message: JsonDict = {"document": self._media_object("document", stored, {})}
        if caption:
            message["caption"] = caption
        return message

    async def press_button(
        self,
        chat_id: int,
        user: FakeUser,
        *,
        label: str | None = None,
        data: str | None = None,
        message: SentMessage | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """Send a callback_query update and wait for answerCallbackQuery."""
        if message is None:
            message = self._find_button_message(chat_id, label)
        elif message.chat_id != chat_id:
            msg = f"message {message.describe()} is not in chat {chat_id}"
            raise AssertionError(msg)
        if message.deleted:
            msg = f"cannot press a button on deleted message {message.describe()}"
            raise AssertionError(msg)
        if label is not None:
            if not message.has_button(label):
                msg = f"No inline button {label!r} on {message.describe()}"
                raise AssertionError(msg)
            data = message.callback_data(label)
        query_id = str(4_000_000_000 + len(self._callback_queries) + 1)
        payload: JsonDict = {
            "id": query_id,
            "from": user.as_dict(),
            "message": self.message_object(message),
            "chat_instance": f"{abs(chat_id)}0042",
            "data": data,
        }
        self._callback_queries[query_id] = payload
        self.queue_update("callback_query", payload)
        what = repr(label) if label is not None else f"data {data!r}"
        return await self.wait_for(
            lambda: self.callback_answers.get(query_id),
            timeout,
            description=lambda: (
                f"the bot did not call answerCallbackQuery for the press of {what} on "
                f"{message.describe()}\n{self.debug_summary(chat_id)}"
            ),
        )

    def _find_button_message(self, chat_id: int, label: str | None) -> SentMessage:
        keyboards = [
            m for m in self._chat_messages.get(chat_id, []) if not m.deleted and m.inline_keyboard
        ]
        if label is None:
            if keyboards:
                return keyboards[-1]
            alive = [m for m in self._chat_messages.get(chat_id, []) if not m.deleted]
            if alive:
                return alive[-1]
            msg = f"No bot message in chat {chat_id} to attach a callback query to"
            raise AssertionError(msg)
        for message in reversed(keyboards):
            if message.has_button(label):
                return message
        newest = "; ".join(
            f"#{m.message_id} {(m.text or '')[:40]!r}: {m.buttons}" for m in keyboards[-3:]
        )
        msg = f"No inline button {label!r} in chat {chat_id}. Newest keyboards: {newest or 'none'}"
        raise AssertionError(msg)

    # -- message objects ------------------------------------------------------------------------
    def message_object(self, message: SentMessage, *, nested: bool = True) -> JsonDict:
        """The Telegram Message object for a bot message, in its current state."""
        obj: JsonDict = {
            "message_id": message.message_id,
            "from": self.bot_user(),
            "chat": self.chat_object(message.chat_id),
            "date": message.date,
        }
        obj.update(copy.deepcopy(message.content))
        if message.edit_date is not None:
            obj["edit_date"] = message.edit_date
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            obj["reply_markup"] = copy.deepcopy(message.reply_markup)
        reply_id = message.reply_to_message_id
        if nested and reply_id is not None:
            target = self._find_any_message(message.chat_id, reply_id)
            if target is not None:
                obj["reply_to_message"] = target
        return obj

    def _find_any_message(self, chat_id: int, message_id: int) -> JsonDict | None:
        bot_message = self.get_message(chat_id, message_id)
        if bot_message is not None and not bot_message.deleted:
            return self.message_object(bot_message, nested=False)
        user_message = self.user_messages.get((chat_id, message_id))
        if user_message is not None and (chat_id, message_id) not in self.deleted_user_messages:
            found = copy.deepcopy(user_message)
            found.pop("reply_to_message", None)
            return found
        return None

    # -- files ----------------------------------------------------------------------------------
    def _new_file(
        self,
        kind: str,
        content: bytes,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        file_id: str | None = None,
    ) -> StoredFile:
        token = self._next_token("")
        suffix = ""
        if filename and "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1]
        elif kind == "photo":
            suffix = ".jpg"
        elif kind == "voice":
            suffix = ".oga"
        stored = StoredFile(
            file_id=file_id or f"{kind.upper()[:3]}-{token}-emu",
            file_unique_id=f"U{kind[:2]}{token}",
            file_path=f"{kind}s/file_{token}{suffix}",
            content=content,
            kind=kind,
            filename=filename,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        return stored

    def register_file(
        self,
        content: bytes = b"test file",
        *,
        kind: str = "document",
        file_id: str | None = None,
        filename: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Make a file id known (e.g. one seeded in the database) so the bot can send it."""
        return self._new_file(
            kind, content, filename=filename, mime_type=mime_type, file_id=file_id
        )

    def _media_object(self, kind: str, stored: StoredFile, params: JsonDict) -> Any:
        base: JsonDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if kind == "photo":
            return [{**base, "width": 800, "height": 600}]
        if kind == "sticker":
            return {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": params.get("emoji") or "👍",
            }
        if kind in ("voice", "audio"):
            base["duration"] = int(params.get("duration") or 1)
        if kind in ("video", "animation"):
            base.update(
                width=int(params.get("width") or 640),
                height=int(params.get("height") or 480),
                duration=int(params.get("duration") or 1),
            )
        if stored.mime_type:
            base["mime_type"] = stored.mime_type
        if stored.filename and kind in ("document", "audio", "video", "animation"):
            base["file_name"] = stored.filename
        return base

    # -- webhook delivery -----------------------------------------------------------------------
    def balance_webhook(self, backends: list[str]) -> None:
        """Deliver webhook updates to these URLs in turn, as a load balancer in front of
        several bot processes would (default: the URL given to setWebhook, if on loopback)."""
        self.webhook_backends = list(backends)
        self._notify()

    def _webhook_targets(self) -> list[str]:
        if self.webhook_backends:
            return self.webhook_backends
        url = str((self.webhook or {}).get("url", ""))
        return [url] if _is_loopback_url(url) else []

    async def post_update(
        self, update: JsonDict, *, url: str | None = None, secret: str | None = _UNSET
    ) -> int | None:
        """POST one update to a webhook as Telegram does; the HTTP status (None: no answer).

        ``url`` defaults to the next backend, ``secret`` to the one setWebhook registered
        (None sends no secret header). Pending updates are not affected."""
        targets = self._webhook_targets()
        target = url or targets[self._backend_turn % len(targets)]
        if url is None:
            self._backend_turn += 1
        if secret is _UNSET:
            secret = (self.webhook or {}).get("secret_token")
        return await self._post(target, update, secret)

    async def _post(self, url: str, update: JsonDict, secret: str | None) -> int | None:
        import aiohttp

        if self._webhook_client is None:
            self._webhook_client = aiohttp.ClientSession()
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        delivery = WebhookDelivery(update.get("update_id", -1), url, None, time.time())
        self.deliveries.append(delivery)
        try:
            async with self._webhook_client.post(
                url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=60)
            ) as response:
                await response.read()
                delivery.status = response.status
        except (aiohttp.ClientError, TimeoutError):
            delivery.status = None
        self._notify()
        return delivery.status

    async def _deliver_to_webhook(self) -> None:
        """Post pending updates while a webhook is set; retry what was not answered 200."""
        tasks: set[asyncio.Task[None]] = set()
        try:
            while self.webhook is not None and not self._stopping:
                for update in self._ready_for_webhook():
                    self._delivering.add(update["update_id"])
                    task = asyncio.create_task(self._deliver_one(update))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                await self._wait_change(0.05)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _ready_for_webhook(self) -> list[JsonDict]:
        targets = self._webhook_targets()
        if not targets:
            return []
        allowed_list = (self.webhook or {}).get("allowed_updates")
        allowed = set(allowed_list) if allowed_list else DEFAULT_UPDATE_TYPES
        limit = int((self.webhook or {}).get("max_connections") or 40) - len(self._delivering)
        now = time.monotonic()
        ready: list[JsonDict] = []
        for update in list(self._pending):
            if _update_kind(update) not in allowed:
                self._pending.remove(update)
                self.dropped_updates.append(update)
            elif (
                update["update_id"] not in self._delivering
                and len(ready) < limit
                and self._retry_at.get(update["update_id"], 0) <= now
            ):
                ready.append(update)
        return ready

    async def _deliver_one(self, update: JsonDict) -> None:
        update_id = update["update_id"]
        try:
            status = await self.post_update(update)
            if status == 200:
                self._pending = [u for u in self._pending if u["update_id"] != update_id]
                self._fetched_upto = max(self._fetched_upto, update_id)
                self._retry_at.pop(update_id, None)
            else:
                self._retry_at[update_id] = time.monotonic() + self.webhook_retry_delay
        finally:
            self._delivering.discard(update_id)
            self._notify()

    async def _stop_webhook_delivery(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._webhook_client is not None:
            await self._webhook_client.close()
            self._webhook_client = None

    def deliveries_of(self, update_id: int) -> list[WebhookDelivery]:
        """Every POST of one update, in order."""
        return [d for d in self.deliveries if d.update_id == update_id]

    # -- HTTP layer -----------------------------------------------------------------------------
    async def _read_params(self, request: web.Request) -> JsonDict:
        raw: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
        elif request.method == "POST" and request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                raw[key] = value.decode() if isinstance(value, bytes) else value
        files: dict[str, UploadedFile] = {}
        for key, value in list(raw.items()):
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(
                    filename=value.filename,
                    content=value.file.read(),
                    content_type=value.content_type,
                )
                del raw[key]
        params: JsonDict = {}
        attached: set[str] = set()
        for key, value in raw.items():
            parsed = _parse_value(key, value) if isinstance(value, str) else value
            if isinstance(parsed, str) and parsed.startswith("attach://"):
                name = parsed.removeprefix("attach://")
                if name in files:
                    attached.add(name)
                    parsed = files[name]
            params[key] = parsed
        for name, uploaded in files.items():
            if name not in attached:
                params.setdefault(name, uploaded)
        return params

    async def _handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        lower = name.lower()
        canonical = self.methods[lower][0] if lower in self.methods else name
        call = ApiCall(method=canonical, params={}, time=time.time())
        self.calls.append(call)
        try:
            call.params = await self._read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if lower not in self.methods:
                raise ApiError(
                    404, f"Not Found: method '{name}' is not implemented by the test emulator"
                )
            delay = self.latency.get(lower)
            if delay is None and lower != "getupdates":
                delay = self.latency.get(None)
            if delay:
                await asyncio.sleep(delay)
            fault = self._take_fault(lower, call.params)
            if fault is not None:
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                raise fault.error()
            result = await self.methods[lower][1](call.params)
            status, payload = 200, {"ok": True, "result": result}
        except ApiError as exc:
            status, payload = exc.status, exc.payload()
        except Exception as exc:
            logger.exception("test emulator failed on %s", name)
            self.internal_errors.append(exc)
            status = 500
            payload = {
                "ok": False,
                "error_code": 500,
                "description": f"Internal Server Error: emulator bug: {exc!r}",
            }
        call.status = status
        call.response = payload
        if lower != "getupdates":
            self._last_activity = time.monotonic()
        self._notify()
        return web.json_response(payload, status=status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        path = request.match_info["path"]
        self.downloads.append(path)
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(
                    body=stored.content,
                    content_type=stored.mime_type or "application/octet-stream",
                )
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found: file not found"},
            status=404,
        )

    # -- method table ---------------------------------------------------------------------------
    def register_method(self, name: str, handler: MethodHandler) -> None:
        """Add or replace a Bot API method: ``async handler(params) -> result``.

        Raise ApiError (or use bad_request) for error answers.
        """
        self.methods[name.lower()] = (name, handler)

    def _register_builtin_methods(self) -> None:
        table: dict[str, MethodHandler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageCaption": self._edit_message_caption,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendLocation": self._send_location,
            "sendContact": self._send_contact,
            "sendChatAction": self._send_chat_action,
            "copyMessage": self._copy_message,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
        }
        for kind in _MEDIA_KINDS:
            table["send" + kind.capitalize()] = self._media_sender(kind)
        for setting in ("Description", "ShortDescription", "Name"):
            table[f"setMy{setting}"] = self._setting_setter(setting)
            table[f"getMy{setting}"] = self._setting_getter(setting)
        table["setChatMenuButton"] = self._set_chat_menu_button
        table["getChatMenuButton"] = self._get_chat_menu_button
        for name, handler in table.items():
            self.register_method(name, handler)

    # -- validation helpers ---------------------------------------------------------------------
    def _chat_id(self, params: JsonDict, key: str = "chat_id", *, send: bool = False) -> int:
        raw = params.get(key)
        if raw is None or raw == "":
            raise bad_request(f"{key} is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            username = raw[1:].lower()
            chats: list[FakeUser | FakeGroup] = [*self.users.values(), *self.groups.values()]
            for chat in chats:
                if (chat.username or "").lower() == username:
                    raw = chat.id
                    break
            else:
                raise bad_request("chat not found")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        if chat_id == self.bot_id and send:
            raise ApiError(403, "Forbidden: bot can't send messages to bots")
        known = chat_id in self.users or chat_id in self.groups
        if not known:
            if self.strict_chats or not send:
                raise bad_request("chat not found")
            self.chat_object(chat_id)
        user = self.users.get(chat_id)
        if send and user is not None and user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _render(
        self, text: str, parse_mode: str | None, entities: Any
    ) -> tuple[str, list[JsonDict]]:
        if isinstance(entities, list) and entities:
            return text, entities
        if parse_mode and parse_mode.lower() == "html":
            try:
                plain, parsed = parse_telegram_html(text, strict=self.strict_html)
            except HtmlParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
            for entity in parsed:
                if entity["type"] == "text_mention":
                    entity["user"] = self._user_object(entity["user"]["id"])
            return plain, parsed
        return text, []

    def _markup(self, params: JsonDict) -> JsonDict | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                raise bad_request("can't parse reply keyboard markup JSON object") from None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup '
                    "should be an Array of Arrays"
                )
            for row in rows:
                for button in row:
                    self._check_button(button)
        return markup

    def _check_button(self, button: Any) -> None:
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("can't parse inline keyboard button: Text is empty")
        if not any(key in button for key in _BUTTON_ACTIONS):
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the "
                "inline keyboard"
            )
        data = button.get("callback_data")
        if data is not None and (data == "" or len(str(data).encode()) > MAX_CALLBACK_DATA_BYTES):
            raise bad_request("BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not re.match(r"(https?|tg)://\S+$", str(url)):
            raise bad_request("BUTTON_URL_INVALID")

    def _check_reply(self, chat_id: int, params: JsonDict) -> None:
        reply = params.get("reply_parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        message_id: Any = params.get("reply_to_message_id")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply"))
        if message_id is None or allow_missing:
            return
        if self._find_any_message(chat_id, int(message_id)) is None:
            raise bad_request("message to be replied not found")

    def _text(self, params: JsonDict) -> tuple[str, str | None, str, list[JsonDict]]:
        raw = params.get("text")
        text = "" if raw is None else str(raw)
        if not text.strip():
            raise bad_request("message text is empty")
        parse_mode = params.get("parse_mode") or None
        plain, entities = self._render(text, parse_mode, params.get("entities"))
        if not plain.strip():
            raise bad_request("message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return text, parse_mode, plain, entities

    def _caption(self, params: JsonDict) -> tuple[str | None, str | None, JsonDict]:
        raw = params.get("caption")
        parse_mode = params.get("parse_mode") or None
        if raw is None or raw == "":
            return None, parse_mode, {}
        caption = str(raw)
        plain, entities = self._render(caption, parse_mode, params.get("caption_entities"))
        if len(plain) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        fields: JsonDict = {"caption": plain}
        if entities:
            fields["caption_entities"] = entities
        return caption, parse_mode, fields

    def _store(
        self,
        chat_id: int,
        method: str,
        params: JsonDict,
        *,
        text: str | None,
        parse_mode: str | None,
        content: JsonDict,
        **extra: Any,
    ) -> SentMessage:
        message = SentMessage(
            message_id=self._alloc_message_id(chat_id),
            chat_id=chat_id,
            method=method,
            text=text,
            parse_mode=parse_mode,
            reply_markup=self._markup(params),
            params=params,
            date=_now(),
            content=content,
            **extra,
        )
        self.sent.append(message)
        self._chat_messages.setdefault(chat_id, []).append(message)
        return message

    def _editable(self, params: JsonDict) -> SentMessage:
        chat_id = self._chat_id(params, send=True)
        message_id = params.get("message_id")
        message = None if message_id is None else self.get_message(chat_id, int(message_id))
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        return message

    @staticmethod
    def _inline_markup(markup: JsonDict | None) -> JsonDict | None:
        return markup if markup and "inline_keyboard" in markup else None

    def _apply_edit(self, message: SentMessage, fields: JsonDict, markup: JsonDict | None) -> None:
        new_content = {k: v for k, v in message.content.items() if k not in fields}
        new_content.update({k: v for k, v in fields.items() if v is not None})
        same_content = new_content == message.content
        if same_content and self._inline_markup(markup) == self._inline_markup(
            message.reply_markup
        ):
            raise bad_request(NOT_MODIFIED)
        message.content = new_content
        message.reply_markup = markup
        message.edit_count += 1
        message.edit_date = _now()

    # -- methods --------------------------------------------------------------------------------
    async def _get_me(self, params: JsonDict) -> Any:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, params: JsonDict) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self.allowed_updates = list(allowed) if allowed else None
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        if isinstance(offset, int) and offset < 0:
            self._pending = self._pending[offset:]
        elif isinstance(offset, int) and offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            batch = self._take_batch(limit)
            if batch or self._stopping:
                return batch
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self._wait_change(remaining)

    def _take_batch(self, limit: int) -> list[JsonDict]:
        allowed = set(self.allowed_updates) if self.allowed_updates else DEFAULT_UPDATE_TYPES
        kept: list[JsonDict] = []
        for update in self._pending:
            if _update_kind(update) in allowed:
                kept.append(update)
            else:
                self.dropped_updates.append(update)
        self._pending = kept
        batch = kept[:limit]
        if batch:
            self._fetched_upto = max(self._fetched_upto, batch[-1]["update_id"])
        return batch

    async def _send_message(self, params: JsonDict) -> Any:
        chat_id = self._chat_id(params, send=True)
        text, parse_mode, plain, entities = self._text(params)
        self._markup(params)
        self._check_reply(chat_id, params)
        content: JsonDict = {"text": plain}
        if entities:
            content["entities"] = entities
        message = self._store(
            chat_id, "sendMessage", params, text=text, parse_mode=parse_mode, content=content
        )
        return self.message_object(message)

    async def _edit_message_text(self, params: JsonDict) -> Any:
        if params.get("inline_message_id"):
            self._text(params)
            self._markup(params)
            self.inline_edits.append(params)
            return True
        message = self._editable(params)
        if "text" not in message.content:
            raise bad_request("there is no text in the message to edit")
        text, parse_mode, plain, entities = self._text(params)
        markup = self._markup(params)
        self._apply_edit(message, {"text": plain, "entities": entities or None}, markup)
        message.history.append(message.text)
        message.text = text
        message.parse_mode = parse_mode
        return self.message_object(message)

    async def _edit_message_reply_markup(self, params: JsonDict) -> Any:
        if params.get("inline_message_id"):
            self._markup(params)
            self.inline_edits.append(params)
            return True
        message = self._editable(params)
        self._apply_edit(message, {}, self._markup(params))
        message.history.append(message.text)
        return self.message_object(message)

    async def _edit_message_caption(self, params: JsonDict) -> Any:
        if params.get("inline_message_id"):
            self._caption(params)
            self._markup(params)
            self.inline_edits.append(params)
            return True
        message = self._editable(params)
        if not any(kind in message.content for kind in _MEDIA_KINDS):
            raise bad_request("there is no caption in the message to edit")
        caption, parse_mode, fields = self._caption(params)
        fields.setdefault("caption", None)
        fields.setdefault("caption_entities", None)
        self._apply_edit(message, fields, self._markup(params))
        message.history.append(message.text)
        message.text = caption
        message.parse_mode = parse_mode
        return self.message_object(message)

    async def _delete_message(self, params: JsonDict) -> Any:
        chat_id = self._chat_id(params)
        message_id = int(params.get("message_id") or 0)
        message = self.get_message(chat_id, message_id)
        if message is not None and not message.deleted:
            message.deleted = True
            return True
        key = (chat_id, message_id)
        if key in self.user_messages and key not in self.deleted_user_messages:
            self.deleted_user_messages.add(key)
            return True
        raise bad_request("message to delete not found")

    async def _answer_callback_query(self, params: JsonDict) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._callback_queries or query_id in self.callback_answers:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.callback_answers[query_id] = CallbackAnswer(
            callback_query_id=query_id,
            text=params.get("text"),
            show_alert=bool(params.get("show_alert")),
            url=params.get("url"),
            cache_time=params.get("cache_time"),
        )
        return True

    def _media_sender(self, kind: str) -> MethodHandler:
        async def send_media(params: JsonDict) -> Any:
            return await self._send_media(kind, params)

        return send_media

    async def _send_media(self, kind: str, params: JsonDict) -> Any:
        chat_id = self._chat_id(params, send=True)
        value = params.get(kind)
        if value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        caption, parse_mode, fields = (
            (None, None, {}) if kind == "sticker" else (self._caption(params))
        )
        self._markup(params)
        self._check_reply(chat_id, params)
        upload: UploadedFile | None = None
        if isinstance(value, UploadedFile):
            upload = value
            stored = self._new_file(
                kind, value.content, filename=value.filename, mime_type=value.content_type
            )
        elif str(value).startswith(("http://", "https://")):
            name = str(value).rstrip("/").rsplit("/", 1)[-1] or kind
            stored = self._new_file(kind, b"", filename=name)
        else:
            known = self.files.get(str(value))
            if known is None:
                raise bad_request(
                    "wrong file identifier/HTTP URL specified (test emulator: unknown file_id "
                    f"{value!r}; use emu.register_file to seed it)"
                )
            if known.kind != kind and {known.kind, kind} != {"document", "audio"}:
                raise bad_request(
                    f"can't use file of type {known.kind.capitalize()} as {kind.capitalize()}"
                )
            stored = known
        content: JsonDict = {kind: self._media_object(kind, stored, params), **fields}
        method = "send" + kind.capitalize()
        extra: JsonDict = {"file_id": stored.file_id}
        if kind == "document":
            extra["document"] = upload
        elif kind == "photo":
            extra["photo_file"] = upload
        elif kind == "voice":
            extra["voice_file"] = upload
        message = self._store(
            chat_id, method, params, text=caption, parse_mode=parse_mode, content=content, **extra
        )
        return self.message_object(message)

    async def _send_location(self, params: JsonDict) -> Any:
        chat_id = self._chat_id(params, send=True)
        try:
            location = {
                "latitude": float(params["latitude"]),
                "longitude": float(params["longitude"]),
            }
        except (KeyError, TypeError, ValueError):
            raise bad_request("wrong latitude or longitude specified") from None
        self._check_reply(chat_id, params)
        message = self._store(
            chat_id,
            "sendLocation",
            params,
            text=None,
            parse_mode=None,
            content={"location": location},
        )
        return self.message_object(message)

    async def _send_contact(self, params: JsonDict) -> Any:
        chat_id = self._chat_id(params, send=True)
        if not params.get("phone_number") or not params.get("first_name"):
            raise bad_request("phone number or first name is empty")
        contact = {
            key: params[key]
            for key in ("phone_number", "first_name", "last_name", "vcard")
            if params.get(key)
        }
        message = self._store(
            chat_id,
            "sendContact",
            params,
            text=None,
            parse_mode=None,
            content={"contact": contact},
        )
        return self.message_object(message)

    async def _send_chat_action(self, params: JsonDict) -> Any:
        chat_id = self._chat_id(params, send=True)
        action = str(params.get("action") or "")
        if not action:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat_id, action))
        return True

    async def _copy_message(self, params: JsonDict) -> Any:
        chat_id = self._chat_id(params, send=True)
        from_chat_id = self._chat_id(params, "from_chat_id")
        source = self._find_any_message(from_chat_id, int(params.get("message_id") or 0))
        if source is None:
            raise bad_request("message to copy not found")
        content = {k: copy.deepcopy(source[k]) for k in _CONTENT_KEYS if k in source}
        has_media = any(kind in content for kind in _MEDIA_KINDS)
        parse_mode = None
        if has_media and "caption" in params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            _, parse_mode, fields = self._caption(params)
            content.update(fields)
        self._markup(params)
        text = content.get("text", content.get("caption"))
        file_id = None
        for kind in _MEDIA_KINDS:
            if kind in content:
                media = content[kind]
                file_id = (media[-1] if isinstance(media, list) else media)["file_id"]
        message = self._store(
            chat_id,
            "copyMessage",
            params,
            text=text,
            parse_mode=parse_mode,
            content=content,
            file_id=file_id,
        )
        return {"message_id": message.message_id}

    @staticmethod
    def _commands_key(params: JsonDict) -> tuple[str, int | None, str | None]:
        scope = params.get("scope")
        if isinstance(scope, str):
            scope = json.loads(scope) if scope.startswith("{") else {"type": scope}
        scope = scope or {"type": "default"}
        chat_id = scope.get("chat_id")
        if chat_id is not None:
            with contextlib.suppress(TypeError, ValueError):
                chat_id = int(chat_id)
        return str(scope.get("type", "default")), chat_id, params.get("language_code") or None

    async def _set_my_commands(self, params: JsonDict) -> Any:
        commands = params.get("commands")
        if isinstance(commands, str):
            commands = json.loads(commands)
        if not isinstance(commands, list):
            raise bad_request("commands must be an array")
        cleaned: list[JsonDict] = []
        for command in commands:
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _COMMAND_RE.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        language = params.get("language_code")
        if language and not re.fullmatch(r"[a-z]{2}", str(language)):
            raise bad_request("LANG_CODE_INVALID")
        key = self._commands_key(params)
        if cleaned:
            self.my_commands[key] = cleaned
        else:
            self.my_commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JsonDict) -> Any:
        return copy.deepcopy(self.my_commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: JsonDict) -> Any:
        self.my_commands.pop(self._commands_key(params), None)
        return True

    async def _set_webhook(self, params: JsonDict) -> Any:
        url = params.get("url")
        if not url:
            self.webhook = None
            return True
        # Telegram takes https only; plain http to a loopback address stands for a local
        # reverse proxy (and the bot processes of a test).
        if not (str(url).startswith("https://") or _is_loopback_url(str(url))):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        self.webhook = {k: v for k, v in params.items() if not isinstance(v, UploadedFile)}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._deliver_to_webhook())
        self._notify()
        return True

    async def _delete_webhook(self, params: JsonDict) -> Any:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self._notify()
        return True

    async def _get_webhook_info(self, params: JsonDict) -> Any:
        info: JsonDict = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook:
            for key in ("max_connections", "ip_address", "allowed_updates"):
                if key in self.webhook:
                    info[key] = self.webhook[key]
        return info

    async def _get_file(self, params: JsonDict) -> Any:
        stored = self.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.as_file()

    async def _get_chat(self, params: JsonDict) -> Any:
        chat_id = self._chat_id(params)
        return {
            **self.chat_object(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_chat_member(self, params: JsonDict) -> Any:
        chat_id = self._chat_id(params)
        try:
            user_id = int(params.get("user_id") or 0)
        except (TypeError, ValueError):
            raise bad_request("invalid user_id specified") from None
        if not user_id:
            raise bad_request("invalid user_id specified")
        status, fields = self._members.get((chat_id, user_id), ("member", {}))
        return self._member_object(status, self._user_object(user_id), fields)

    @staticmethod
    def _member_object(status: str, user: JsonDict, fields: JsonDict) -> JsonDict:
        member: JsonDict = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_send_welcome_messages=False,
                can_pin_messages=True,
                can_manage_topics=False,
            )
        elif status == "restricted":
            member.update(
                is_member=True,
                can_send_messages=False,
                can_send_audios=False,
                can_send_documents=False,
                can_send_photos=False,
                can_send_videos=False,
                can_send_video_notes=False,
                can_send_voice_notes=False,
                can_send_polls=False,
                can_send_other_messages=False,
                can_add_web_page_previews=False,
                can_react_to_messages=False,
                can_edit_tag=False,
                can_change_info=False,
                can_invite_users=False,
                can_pin_messages=False,
                can_manage_topics=False,
                until_date=0,
            )
        elif status == "kicked":
            member["until_date"] = 0
        member.update(fields)
        return member

    def _setting_setter(self, setting: str) -> MethodHandler:
        field_name = {"ShortDescription": "short_description"}.get(setting, setting.lower())

        async def set_setting(params: JsonDict) -> Any:
            key = (field_name, params.get("language_code") or None)
            value = params.get(field_name)
            if value:
                self.bot_settings[key] = str(value)
            else:
                self.bot_settings.pop(key, None)
            return True

        return set_setting

    def _setting_getter(self, setting: str) -> MethodHandler:
        field_name = {"ShortDescription": "short_description"}.get(setting, setting.lower())

        async def get_setting(params: JsonDict) -> Any:
            language = params.get("language_code") or None
            value = self.bot_settings.get((field_name, language))
            if value is None:
                value = self.bot_settings.get((field_name, None), "")
            if field_name == "name" and not value:
                value = self.bot_first_name
            return {field_name: value}

        return get_setting

    async def _set_chat_menu_button(self, params: JsonDict) -> Any:
        self.bot_settings[("menu_button", params.get("chat_id"))] = params.get("menu_button") or {
            "type": "default"
        }
        return True

    async def _get_chat_menu_button(self, params: JsonDict) -> Any:
        return self.bot_settings.get(("menu_button", params.get("chat_id")), {"type": "default"})


def _is_loopback_url(url: str) -> bool:
    """An http(s) URL whose host is a loopback address."""
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _update_kind(update: JsonDict) -> str:
    """The update type ("message", "callback_query", ...)."""
    return next(key for key in update if key != "update_id")
