"""Bringing pitches and messages about them to the right chats, each in its own language.

A new pitch goes to its incubator's bound group chat, else to its coordinators privately,
else to the admins. Every message sent about a pitch is recorded (and committed) as soon as
Telegram took it, so a reply to it is routed back to that pitch. Texts longer than Telegram
takes are sent in parts; what could not be delivered is said so, never counted as sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_card_texts as cards
from core.city import CityData
from core.config import Settings
from core.services.roles import admin_ids, roles_of
from storage import coordination as data
from storage.models import Pitch, utcnow

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Courier:
    """What bringing messages about pitches needs: the bot, the catalogs, the settings and
    the city. Handlers and jobs build one from what the process holds."""

    bot: Bot
    i18n: I18n
    settings: Settings
    city: CityData

    def render(self, locale: str, build: Callable[..., T], *args: Any) -> T:
        """`build(*args)` in `locale`'s language."""
        with self.i18n.context(), self.i18n.use_locale(locale):
            return build(*args)


@dataclass(frozen=True)
class Incoming:
    """A message a person wrote about a pitch, as the relay needs it."""

    chat_id: int
    message_id: int
    text: str | None
    caption: str | None
    has_media: bool

    @classmethod
    def of(cls, message: Message) -> Incoming:
        return cls(
            chat_id=message.chat.id,
            message_id=message.message_id,
            text=message.text,
            caption=message.caption,
            has_media=bool(message.photo or message.voice),
        )

    @property
    def passable(self) -> bool:
        """Text, photos and voice notes pass; other kinds of message do not."""
        return bool(self.text) or self.has_media

    @property
    def words(self) -> str | None:
        return self.text or self.caption


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


async def remember(
    session: AsyncSession, chat_id: int, message_id: int, pitch: Pitch, purpose: str
) -> None:
    """Record a message about the pitch at once, so a reply to it finds the pitch."""
    await data.add_pitch_message(
        session,
        chat_id=chat_id,
        message_id=message_id,
        pitch_id=pitch.id,  # type: ignore[arg-type]
        purpose=purpose,
        now=utcnow(),
    )
    await session.commit()


def _log_failure(what: str, pitch: Pitch, chat_id: int, error: Exception) -> None:
    logger.warning(
        "could not %s (pitch %s, chat %s): %s", what, pitch.id, chat_id, type(error).__name__
    )


async def deliver(session: AsyncSession, courier: Courier, pitch: Pitch) -> int:
    """The card (body, attachments, status line with buttons) to every target chat.

    Returns how many chats got it; a chat that cannot be reached is logged by id.
    """
    delivered = 0
    bot = courier.bot
    for target in await targets_for(session, pitch.incubator_code, courier.settings):
        body = courier.render(
            target.locale, cards.card_body, pitch, courier.city, target.locale, courier.settings
        )
        control, keyboard = courier.render(target.locale, _control, courier, pitch, target.locale)
        try:
            for number, text in enumerate(body):
                sent = await bot.send_message(target.chat_id, text)
                purpose = "relay" if number else "body"  # the facts, with the contact
                await remember(session, target.chat_id, sent.message_id, pitch, purpose)
            for item in pitch.media:
                send = bot.send_photo if item["kind"] == "photo" else bot.send_voice
                sent = await send(target.chat_id, item["file_id"], caption=pitch.reference)
                await remember(session, target.chat_id, sent.message_id, pitch, "relay")
            sent = await bot.send_message(target.chat_id, control, reply_markup=keyboard)
            await remember(session, target.chat_id, sent.message_id, pitch, "card")
            delivered += 1
        except TelegramAPIError as error:
            _log_failure("bring the pitch", pitch, target.chat_id, error)
    return delivered


def _control(
    courier: Courier, pitch: Pitch, locale: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card's status line and buttons."""
    text = cards.control_text(pitch, courier.city, locale, courier.settings)
    return text, cards.control_keyboard(pitch)


async def deliver_pitch(
    bot: Bot,
    session: AsyncSession,
    *,
    pitch: Pitch,
    city: CityData,
    i18n: I18n,
    settings: Settings,
) -> int:
    """A new pitch to its incubator's chats (see `deliver`)."""
    return await deliver(session, Courier(bot, i18n, settings, city), pitch)


async def refresh_cards(session: AsyncSession, courier: Courier, pitch: Pitch) -> None:
    """Edit every card of the pitch in place: status, who, when, and the buttons left.

    A chat that may no longer act on the pitch (it moved: a group not bound to its new
    incubator, a coordinator of the old one) keeps the status line, without buttons.
    """
    settings = courier.settings
    handling = {t.chat_id for t in await targets_for(session, pitch.incubator_code, settings)}
    for card in await data.card_messages(session, pitch.id):  # type: ignore[arg-type]
        locale = await chat_locale(session, card.chat_id, settings)
        text, keyboard = courier.render(locale, _control, courier, pitch, locale)
        if not await _may_act(session, card.chat_id, pitch, handling, settings):
            keyboard = None
        try:
            await courier.bot.edit_message_text(
                text, chat_id=card.chat_id, message_id=card.message_id, reply_markup=keyboard
            )
        except TelegramAPIError as error:  # a card already as it is counts as done (bot/)
            _log_failure("refresh the card", pitch, card.chat_id, error)


async def _may_act(
    session: AsyncSession, chat_id: int, pitch: Pitch, handling: set[int], settings: Settings
) -> bool:
    """Whether the card in `chat_id` may offer the pitch's buttons."""
    if chat_id in handling:
        return True
    if chat_id < 0:
        return False
    roles = await roles_of(session, chat_id, settings.admin_ids)
    return roles.can_handle(pitch.incubator_code)


async def _send_texts(
    session: AsyncSession,
    courier: Courier,
    pitch: Pitch,
    chat_id: int,
    texts: Sequence[str],
    *,
    keyboard: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> bool:
    """The texts in order (the first under `reply_to`, the keyboard on the last), each
    recorded; True only if every one arrived."""
    for number, text in enumerate(texts):
        last = number == len(texts) - 1
        placement: dict[str, Any] = {}
        if number == 0 and reply_to is not None:
            placement = {"reply_to_message_id": reply_to, "allow_sending_without_reply": True}
        try:
            sent = await courier.bot.send_message(
                chat_id, text, reply_markup=keyboard if last else None, **placement
            )
        except TelegramAPIError as error:
            _log_failure("send a message", pitch, chat_id, error)
            return False
        await remember(session, chat_id, sent.message_id, pitch, "relay")
    return True


async def _copy_under(
    session: AsyncSession,
    courier: Courier,
    pitch: Pitch,
    chat_id: int,
    incoming: Incoming,
    header: str,
    *,
    keyboard: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> bool:
    """A photo or voice note copied with the header as its caption (with the sender's own
    caption when both fit), else the header first and the media with its own caption."""
    caption = cards.caption_with(header, incoming.caption)
    if caption is None:
        if not await _send_texts(session, courier, pitch, chat_id, [header], reply_to=reply_to):
            return False
        reply_to = None
    placement: dict[str, Any] = {"reply_markup": keyboard}
    if caption is not None:
        placement["caption"] = caption
    if reply_to is not None:
        placement.update(reply_to_message_id=reply_to, allow_sending_without_reply=True)
    try:
        copied = await courier.bot.copy_message(
            chat_id, incoming.chat_id, incoming.message_id, **placement
        )
    except TelegramAPIError as error:
        _log_failure("copy a message", pitch, chat_id, error)
        return False
    await remember(session, chat_id, copied.message_id, pitch, "relay")
    return True


async def tell_resident(
    session: AsyncSession,
    courier: Courier,
    pitch: Pitch,
    *,
    action: str,
    detail: str | None = None,
    incoming: Incoming | None = None,
) -> bool:
    """The resident hears of `action` in their language (with a coordinator's words, or
    their photo or voice note); True only if all of it arrived."""
    if pitch.user_id is None:
        return False
    locale = await chat_locale(session, pitch.user_id, courier.settings)
    media = incoming is not None and incoming.has_media
    texts = courier.render(
        locale,
        lambda: cards.resident_messages(
            pitch, action, courier.city, locale, detail=None if media else detail
        ),
    )
    keyboard = None
    if action in {"ask", "message"}:
        keyboard = courier.render(locale, cards.reply_keyboard, pitch)
    if incoming is not None and media:
        return await _copy_under(
            session, courier, pitch, pitch.user_id, incoming, texts[0], keyboard=keyboard
        )
    return await _send_texts(session, courier, pitch, pitch.user_id, texts, keyboard=keyboard)


async def relay_to_incubator(
    session: AsyncSession, courier: Courier, pitch: Pitch, incoming: Incoming
) -> int:
    """A resident's answer to the chats that handle the pitch, under its card there.
    Returns how many chats got all of it."""
    card_ids = {c.chat_id: c.message_id for c in await data.card_messages(session, pitch.id)}  # type: ignore[arg-type]
    delivered = 0
    for target in await targets_for(session, pitch.incubator_code, courier.settings):
        under = card_ids.get(target.chat_id)
        if incoming.has_media:
            header = courier.render(target.locale, cards.resident_reply_header, pitch)
            arrived = await _copy_under(
                session, courier, pitch, target.chat_id, incoming, header, reply_to=under
            )
        else:
            texts = courier.render(
                target.locale, cards.incubator_messages, pitch, incoming.text or ""
            )
            arrived = await _send_texts(
                session, courier, pitch, target.chat_id, texts, reply_to=under
            )
        delivered += int(arrived)
    return delivered


async def after_decision(
    session: AsyncSession, courier: Courier, pitch: Pitch, *, action: str, detail: str | None
) -> bool:
    """What follows a decision, whoever made it: every card shows it, a moved pitch goes to
    its new incubator, and the resident is told. True if the resident got the notice."""
    await refresh_cards(session, courier, pitch)
    if action == "move":
        await deliver(session, courier, pitch)
    return await tell_resident(session, courier, pitch, action=action, detail=detail)


async def send_prompt(
    session: AsyncSession, courier: Courier, pitch: Pitch, *, purpose: str, chat_id: int
) -> None:
    """Ask a coordinator (in the current language) to write a question or a reason by
    replying to the prompt; the prompt is recorded, so the reply finds its purpose."""
    text, force_reply = cards.write_prompt(pitch, purpose)
    sent = await courier.bot.send_message(chat_id, text, reply_markup=force_reply)
    await remember(session, chat_id, sent.message_id, pitch, purpose)
