"""What the page is shown of the emulator's chats: messages as plain data (text and Telegram
entities, never HTML), in their current state, and what changed since the page last looked."""

from __future__ import annotations

from typing import Any

from playground.emulator import SentMessage, TelegramEmulator

JsonDict = dict[str, Any]
_FILE_KINDS = ("photo", "voice", "document", "audio", "video", "animation", "sticker")


def _file_of(content: JsonDict) -> JsonDict | None:
    for kind in _FILE_KINDS:
        media = content.get(kind)
        if not media:
            continue
        chosen = media[-1] if isinstance(media, list) else media  # a photo's largest size
        return {
            "kind": kind,
            "file_id": chosen["file_id"],
            "name": chosen.get("file_name"),
            "mime_type": chosen.get("mime_type"),
        }
    return None


def _inline_buttons(markup: JsonDict | None) -> list[list[JsonDict]]:
    rows = (markup or {}).get("inline_keyboard") or []
    return [
        [
            {"text": str(button.get("text")), "url": button.get("url")}
            if button.get("url")
            else {"text": str(button.get("text"))}
            for button in row
        ]
        for row in rows
    ]


def _reply_keyboard(markup: JsonDict | None) -> JsonDict | None:
    """The keyboard under the composer this message sets (or removes); None: leaves it."""
    if not markup:
        return None
    if markup.get("remove_keyboard"):
        return {"rows": []}
    if "keyboard" not in markup:
        return None
    rows = [[_reply_button(button) for button in row] for row in markup["keyboard"]]
    return {"rows": rows, "one_time": bool(markup.get("one_time_keyboard"))}


def _reply_button(button: object) -> JsonDict:
    if not isinstance(button, dict):
        return {"text": str(button), "request_contact": False, "request_location": False}
    return {
        "text": str(button.get("text")),
        "request_contact": bool(button.get("request_contact")),
        "request_location": bool(button.get("request_location")),
    }


def bot_message(message: SentMessage) -> JsonDict:
    content = message.content
    return {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "from_bot": True,
        "sender": None,
        "date": message.date,
        "text": content.get("text", content.get("caption")),
        "entities": content.get("entities") or content.get("caption_entities") or [],
        "file": _file_of(content),
        "location": content.get("location"),
        "contact": content.get("contact"),
        "buttons": _inline_buttons(message.reply_markup),
        "reply_keyboard": _reply_keyboard(message.reply_markup),
        "reply_to": message.reply_to_message_id,
        "edited": message.edit_count > 0,
        "deleted": message.deleted,
    }


def user_message(message: JsonDict, *, deleted: bool) -> JsonDict:
    reply = message.get("reply_to_message")
    return {
        "chat_id": message["chat"]["id"],
        "message_id": message["message_id"],
        "from_bot": False,
        "sender": message["from"].get("first_name"),
        "sender_id": message["from"]["id"],
        "date": message["date"],
        "text": message.get("text", message.get("caption")),
        "entities": [],
        "file": _file_of(message),
        "location": message.get("location"),
        "contact": message.get("contact"),
        "buttons": [],
        "reply_keyboard": None,
        "reply_to": reply["message_id"] if reply else None,
        "edited": "edit_date" in message,
        "deleted": deleted,
    }


class ChangeTracker:
    """Remembers what one page was sent, so each look yields only new and changed messages."""

    def __init__(self, emulator: TelegramEmulator) -> None:
        self.emulator = emulator
        self._seen: dict[tuple[int, int], tuple[Any, ...]] = {}

    def changes(self) -> list[JsonDict]:
        changed: list[JsonDict] = []
        for message in self.emulator.sent:
            key = (message.chat_id, message.message_id)
            state = ("bot", message.edit_count, message.deleted)
            if self._seen.get(key) != state:
                self._seen[key] = state
                changed.append(bot_message(message))
        deleted = self.emulator.deleted_user_messages
        for key, message in list(self.emulator.user_messages.items()):
            state = ("user", key in deleted, message.get("edit_date"))
            if self._seen.get(key) != state:
                self._seen[key] = state
                changed.append(user_message(message, deleted=key in deleted))
        changed.sort(key=lambda view: (view["chat_id"], view["message_id"]))
        return changed
