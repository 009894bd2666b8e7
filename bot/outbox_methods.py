"""Outbox payloads turned into Bot API calls (sendMessage, copyMessage, sendDocument)."""

from __future__ import annotations

import base64
from typing import Any

from aiogram.methods import CopyMessage, SendDocument, SendMessage, TelegramMethod
from aiogram.types import BufferedInputFile
from pydantic import ValidationError


class PayloadError(ValueError):
    """An outbox payload the sender cannot turn into a Bot API call."""


def build_method(
    chat_id: int, payload: dict[str, Any], *, paid_broadcast: bool = False
) -> TelegramMethod[Any]:
    """The aiogram method for a payload: sendMessage, copyMessage or sendDocument."""
    params = dict(payload)
    name = params.pop("method", None)
    params.pop("chat_id", None)
    if paid_broadcast:
        params["allow_paid_broadcast"] = True
    try:
        if name == "sendMessage":
            return SendMessage(chat_id=chat_id, **params)
        if name == "copyMessage":
            return CopyMessage(chat_id=chat_id, **params)
        if name == "sendDocument":
            document = params.pop("document")
            upload = BufferedInputFile(
                base64.b64decode(document["content_base64"]), filename=document["filename"]
            )
            return SendDocument(chat_id=chat_id, document=upload, **params)
    except (ValidationError, KeyError, TypeError, ValueError) as error:
        raise PayloadError(f"invalid {name} payload: {type(error).__name__}") from None
    raise PayloadError(f"unsupported method {name!r}")
