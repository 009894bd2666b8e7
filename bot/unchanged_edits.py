"""An edit that leaves a message as it already is counts as done.

Telegram answers an edit whose text and buttons are exactly those already shown with
"Bad Request: message is not modified". For the bot that is success (the person sees what
they asked for: the same filter pressed twice, a double tap, a card refreshed to the same
status), so this session middleware turns that one answer into a quiet result for the edit
methods, for every caller at once: handlers, use cases and the outbox's progress message.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    EditMessageCaption,
    EditMessageMedia,
    EditMessageReplyMarkup,
    EditMessageText,
    Response,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType

logger = logging.getLogger(__name__)

EDIT_METHODS = (EditMessageText, EditMessageReplyMarkup, EditMessageCaption, EditMessageMedia)
NOT_MODIFIED = "message is not modified"


def is_not_modified(error: TelegramBadRequest) -> bool:
    """Whether Telegram refused an edit only because nothing would change."""
    return NOT_MODIFIED in error.message.lower()


class UnchangedEditIsDone(BaseRequestMiddleware):
    """Edit methods answered "message is not modified" return True instead of raising."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            if not isinstance(method, EDIT_METHODS) or not is_not_modified(error):
                raise
            logger.debug("%s left chat %s as it was", method.__api_method__, _chat(method))
            # The session's chain carries the method's result (an edit's is a Message or
            # True), whatever its annotation says.
            return True  # type: ignore[return-value]


def _chat(method: TelegramMethod[TelegramType]) -> object:
    return getattr(method, "chat_id", None)
