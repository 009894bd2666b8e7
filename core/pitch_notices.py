"""Bringing pitches and messages about them to the right chats, each in its own language.

A new pitch goes to its incubator's bound group chat, else to its coordinators privately,
else to the admins. Every message sent about a pitch is recorded, so a reply to it is
routed back to that pitch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_cards as cards
from core.city import CityData
from core.config import Settings
from core.services.roles import admin_ids
from storage import coordination as data
from storage.models import Pitch, utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """A chat that handles an incubator's pitches, and the language to write to it in."""

    chat_id: int
    locale: str


async def targets_for(
    session: AsyncSession, incubator_code: str, settings: Settings
) -> list[Target]:
    chat_id = await data.bound_chat(session, incubator_code)
    if chat_id is not None:
        locale = await data.group_locale(session, chat_id) or settings.default_locale
        return [Target(chat_id, locale)]
    people = [c.user_id for c in await data.coordinators(session, incubator_code)]
    if not people:
        people = await admin_ids(session, settings.admin_ids)
    locales = await data.user_locales(session, people)
    return [Target(person, locales.get(person, settings.default_locale)) for person in people]


async def chat_locale(session: AsyncSession, chat_id: int, settings: Settings) -> str:
    if chat_id < 0:
        return await data.group_locale(session, chat_id) or settings.default_locale
    locales = await data.user_locales(session, [chat_id])
    return locales.get(chat_id, settings.default_locale)


async def _remember(session: AsyncSession, message: Message, pitch: Pitch, purpose: str) -> None:
    await _remember_id(session, message.chat.id, message.message_id, pitch, purpose)


async def _remember_id(
    session: AsyncSession, chat_id: int, message_id: int, pitch: Pitch, purpose: str
) -> None:
    """Record a message about the pitch, so a reply to it finds the pitch."""
    await data.add_pitch_message(
        session,
        chat_id=chat_id,
        message_id=message_id,
        pitch_id=pitch.id,  # type: ignore[arg-type]
        purpose=purpose,
        now=utcnow(),
    )


def _log_failure(what: str, pitch: Pitch, chat_id: int, error: Exception) -> None:
    logger.warning(
        "could not %s (pitch %s, chat %s): %s", what, pitch.id, chat_id, type(error).__name__
    )


async def deliver_pitch(
    bot: Bot,
    session: AsyncSession,
    *,
    pitch: Pitch,
    city: CityData,
    i18n: I18n,
    settings: Settings,
) -> int:
    """The card (body, attachments, status line with buttons) to every target chat.

    Returns how many chats got it; a chat that cannot be reached is logged by id.
    """
    delivered = 0
    for target in await targets_for(session, pitch.incubator_code, settings):
        with i18n.context(), i18n.use_locale(target.locale):
            body = cards.card_body(pitch, city, target.locale, settings)
            control = cards.control_text(pitch, city, target.locale, settings)
            keyboard = cards.control_keyboard(pitch)
        try:
            for text in body:
                sent = await bot.send_message(target.chat_id, text)
                await _remember(session, sent, pitch, "relay")
            for item in pitch.media:
                send = bot.send_photo if item["kind"] == "photo" else bot.send_voice
                sent = await send(target.chat_id, item["file_id"], caption=pitch.reference)
                await _remember(session, sent, pitch, "relay")
            sent = await bot.send_message(target.chat_id, control, reply_markup=keyboard)
            await _remember(session, sent, pitch, "card")
            delivered += 1
        except TelegramAPIError as error:
            _log_failure("bring the pitch", pitch, target.chat_id, error)
    await session.commit()
    return delivered


async def refresh_cards(
    bot: Bot,
    session: AsyncSession,
    *,
    pitch: Pitch,
    city: CityData,
    i18n: I18n,
    settings: Settings,
) -> None:
    """Edit every card of the pitch in place: status, who, when, and the buttons left.

    A group that no longer handles the pitch (it moved) keeps the status line, no buttons.
    """
    handling = {t.chat_id for t in await targets_for(session, pitch.incubator_code, settings)}
    for card in await data.card_messages(session, pitch.id):  # type: ignore[arg-type]
        locale = await chat_locale(session, card.chat_id, settings)
        with i18n.context(), i18n.use_locale(locale):
            text = cards.control_text(pitch, city, locale, settings)
            keyboard = cards.control_keyboard(pitch)
        if card.chat_id < 0 and card.chat_id not in handling:
            keyboard = None
        try:
            await bot.edit_message_text(
                text, chat_id=card.chat_id, message_id=card.message_id, reply_markup=keyboard
            )
        except TelegramBadRequest as error:
            if "not modified" not in str(error):
                _log_failure("refresh the card", pitch, card.chat_id, error)
        except TelegramAPIError as error:
            _log_failure("refresh the card", pitch, card.chat_id, error)


async def tell_resident(
    bot: Bot,
    session: AsyncSession,
    *,
    pitch: Pitch,
    text: str,
    with_reply_button: bool,
    i18n: I18n,
    settings: Settings,
) -> bool:
    """A message to the resident about their pitch; True if it was delivered."""
    if pitch.user_id is None:
        return False
    locale = await chat_locale(session, pitch.user_id, settings)
    with i18n.context(), i18n.use_locale(locale):
        keyboard = cards.reply_keyboard(pitch) if with_reply_button else None
    try:
        sent = await bot.send_message(pitch.user_id, text, reply_markup=keyboard)
    except TelegramAPIError as error:
        _log_failure("tell the resident", pitch, pitch.user_id, error)
        return False
    await _remember(session, sent, pitch, "relay")
    await session.commit()
    return True


async def relay_media_to_resident(
    bot: Bot,
    session: AsyncSession,
    *,
    pitch: Pitch,
    message: Message,
    caption: str,
    i18n: I18n,
    settings: Settings,
) -> bool:
    """A coordinator's photo or voice note, copied to the resident with a header caption."""
    if pitch.user_id is None:
        return False
    locale = await chat_locale(session, pitch.user_id, settings)
    with i18n.context(), i18n.use_locale(locale):
        keyboard = cards.reply_keyboard(pitch)
    try:
        copied = await bot.copy_message(
            pitch.user_id,
            message.chat.id,
            message.message_id,
            caption=caption,
            reply_markup=keyboard,
        )
    except TelegramAPIError as error:
        _log_failure("relay to the resident", pitch, pitch.user_id, error)
        return False
    await _remember_id(session, pitch.user_id, copied.message_id, pitch, "relay")
    await session.commit()
    return True


async def relay_to_incubator(
    bot: Bot,
    session: AsyncSession,
    *,
    pitch: Pitch,
    message: Message,
    i18n: I18n,
    settings: Settings,
) -> int:
    """A resident's answer to the chats that handle the pitch, under its card there."""
    card_ids = {c.chat_id: c.message_id for c in await data.card_messages(session, pitch.id)}  # type: ignore[arg-type]
    delivered = 0
    for target in await targets_for(session, pitch.incubator_code, settings):
        with i18n.context(), i18n.use_locale(target.locale):
            header = cards.resident_reply_header(pitch)
        placement = {
            "reply_to_message_id": card_ids.get(target.chat_id),
            "allow_sending_without_reply": True,
        }
        try:
            if message.text:
                text = f"{header}\n\n{cards.quote(message.text)}"
                sent_id = (await bot.send_message(target.chat_id, text, **placement)).message_id
            else:
                copied = await bot.copy_message(
                    target.chat_id,
                    message.chat.id,
                    message.message_id,
                    caption=header,
                    **placement,
                )
                sent_id = copied.message_id
        except TelegramAPIError as error:
            _log_failure("relay an answer", pitch, target.chat_id, error)
            continue
        await _remember_id(session, target.chat_id, sent_id, pitch, "relay")
        delivered += 1
    await session.commit()
    return delivered
