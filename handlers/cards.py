"""Coordinators act on pitch cards; messages about a pitch flow both ways by replies."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_cards as cards
from core import pitch_notices as notices
from core.callbacks import CardCB, RelayCB
from core.city import CityData
from core.config import Settings
from core.services import pitch_review as coordination
from core.services.roles import NotAllowed, Roles, record_refusal
from handlers.filters import Staff
from storage import coordination as data
from storage.models import Pitch, PitchMessage, User, utcnow

logger = logging.getLogger(__name__)


class ReplyForm(StatesGroup):
    """A resident pressed Reply under a message about their pitch."""

    text = State()


def _name(event: Message | CallbackQuery) -> str:
    user = event.from_user
    return (user.full_name if user else "")[:64]


async def _after_change(
    bot: Bot,
    session: AsyncSession,
    pitch: Pitch,
    action: str,
    city: CityData,
    i18n: I18n,
    settings: Settings,
    detail: str | None = None,
) -> None:
    """Every chat's card shows the change; the resident hears of it in their language."""
    await notices.refresh_cards(bot, session, pitch=pitch, city=city, i18n=i18n, settings=settings)
    if action == "move":
        await notices.deliver_pitch(
            bot, session, pitch=pitch, city=city, i18n=i18n, settings=settings
        )
    locale = await notices.chat_locale(session, pitch.user_id or 0, settings)
    with i18n.context(), i18n.use_locale(locale):
        text = cards.resident_notice(pitch, action, city, locale, detail=detail)
    await notices.tell_resident(
        bot,
        session,
        pitch=pitch,
        text=text,
        with_reply_button=action in {"ask", "message"},
        i18n=i18n,
        settings=settings,
    )


async def on_card_button(
    callback: CallbackQuery,
    callback_data: CardCB,
    session: AsyncSession,
    city: CityData,
    roles: Roles,
    bot: Bot,
    i18n: I18n,
    settings: Settings,
) -> None:
    """Checked on the server: the presser's role for this pitch's incubator, and that the
    pitch still has the status the card showed."""
    message = callback.message
    action, now = callback_data.action, utcnow()
    try:
        pitch = await coordination.pitch_for(session, pitch_id=callback_data.pitch_id, actor=roles)
    except NotAllowed:
        await record_refusal(
            session,
            actor_id=roles.user_id,
            action=callback_data.pack(),
            subject=f"pitch:{callback_data.pitch_id}",
            now=now,
        )
        logger.warning(
            "refused card button from %s for pitch %s", roles.user_id, callback_data.pitch_id
        )
        await callback.answer(_("Sorry, you can't do that."), show_alert=True)
        return
    if pitch.status != callback_data.status or not isinstance(message, Message):
        await callback.answer(_("This card had changed; here it is as it is now."))
        await notices.refresh_cards(
            bot, session, pitch=pitch, city=city, i18n=i18n, settings=settings
        )
        return
    locale = I18n.get_current().current_locale
    if action == "card":
        await callback.answer()
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=cards.control_keyboard(pitch))
        return
    if action == "decline" and not callback_data.value:
        await callback.answer()
        await message.edit_reply_markup(reply_markup=cards.reasons_keyboard(pitch))
        return
    if action == "move" and not callback_data.value:
        await callback.answer()
        await message.edit_reply_markup(reply_markup=cards.move_keyboard(pitch, city, locale))
        return
    if action in {"ask", "reason"}:
        await callback.answer()
        text, force_reply = cards.write_prompt(pitch, action)
        prompt = await message.answer(text, reply_markup=force_reply)
        await data.add_pitch_message(
            session,
            chat_id=prompt.chat.id,
            message_id=prompt.message_id,
            pitch_id=pitch.id,
            purpose=action,
            now=now,  # type: ignore[arg-type]
        )
        await session.commit()
        return
    if action == "decline" and callback_data.value not in cards.decline_reasons():
        await callback.answer(_("Sorry, you can't do that."), show_alert=True)
        return
    try:
        pitch = await coordination.act_on_pitch(
            session,
            pitch_id=pitch.id,
            action=action,
            expected_status=callback_data.status,  # type: ignore[arg-type]
            actor=roles,
            actor_name=_name(callback),
            now=now,
            detail=callback_data.value or None,
            city=city,
            to_incubator=callback_data.value if action == "move" else None,
        )
    except NotAllowed as refused:
        await record_refusal(
            session,
            actor_id=roles.user_id,
            action=callback_data.pack(),
            subject=pitch.reference,
            now=now,
        )
        await callback.answer(
            _("This card had changed; here it is as it is now.")
            if refused.reason == "stale"
            else _("Sorry, you can't do that."),
            show_alert=refused.reason != "stale",
        )
        return
    await callback.answer(_("Done."))
    await _after_change(
        bot, session, pitch, action, city, i18n, settings, detail=callback_data.value or None
    )


class RepliedAboutPitch(Filter):
    """A reply to a message the bot sent about a pitch; gives handlers `pitch_message`."""

    async def __call__(self, message: Message, session: AsyncSession) -> bool | dict[str, Any]:
        reply = message.reply_to_message
        if reply is None:
            return False
        found = await data.find_pitch_message(session, message.chat.id, reply.message_id)
        return {"pitch_message": found} if found is not None else False


async def on_staff_reply(
    message: Message,
    pitch_message: PitchMessage,
    session: AsyncSession,
    city: CityData,
    roles: Roles,
    bot: Bot,
    i18n: I18n,
    settings: Settings,
) -> None:
    """A coordinator writes to the resident by replying to a card, a relayed message, or a
    prompt for a question or a reason."""
    pitch = await data.get_pitch(session, pitch_message.pitch_id)
    is_private = message.chat.type == ChatType.PRIVATE
    if pitch is not None and pitch.user_id == roles.user_id and is_private:
        # A coordinator who pitched an idea themselves answers about it as its resident.
        await _relay_resident_answer(message, pitch, session, city, bot, i18n, settings)
        return
    if pitch is None or not roles.can_handle(pitch.incubator_code):
        if is_private:
            await message.answer(_("Sorry, you can't do that."))
        return
    now, purpose = utcnow(), pitch_message.purpose
    if purpose in {"ask", "reason"}:
        if not message.text:
            await message.answer(_("Please write it as text."))
            return
        action = "ask" if purpose == "ask" else "decline"
        try:
            pitch = await coordination.act_on_pitch(
                session,
                pitch_id=pitch.id,
                action=action,
                expected_status=pitch.status,  # type: ignore[arg-type]
                actor=roles,
                actor_name=_name(message),
                now=now,
                detail=message.text,
            )
        except NotAllowed:
            await message.answer(_("This pitch is settled already; nothing was sent."))
            return
        await _after_change(bot, session, pitch, action, city, i18n, settings, detail=message.text)
        await message.reply(_("✓ Sent to the resident."))
        return
    if not (message.text or message.photo or message.voice):
        await message.reply(_("I can pass on text, photos and voice notes."))
        return
    await coordination.record_message(
        session,
        pitch=pitch,
        from_resident=False,
        actor_id=roles.user_id,
        actor_name=_name(message),
        text=message.text or message.caption,
        now=now,
    )
    locale = await notices.chat_locale(session, pitch.user_id or 0, settings)
    with i18n.context(), i18n.use_locale(locale):
        header = cards.resident_notice(pitch, "message", city, locale, detail=message.text)
        caption_header = cards.resident_notice(pitch, "message", city, locale)
    if message.text:
        sent = await notices.tell_resident(
            bot,
            session,
            pitch=pitch,
            text=header,
            with_reply_button=True,
            i18n=i18n,
            settings=settings,
        )
    else:
        caption = caption_header + (
            f"\n\n{cards.quote(message.caption)}" if message.caption else ""
        )
        sent = await notices.relay_media_to_resident(
            bot,
            session,
            pitch=pitch,
            message=message,
            caption=caption,
            i18n=i18n,
            settings=settings,
        )
    await message.reply(
        _("✓ Sent to the resident.")
        if sent
        else _("The resident can't be reached in Telegram right now.")
    )


async def _relay_resident_answer(
    message: Message,
    pitch: Pitch,
    session: AsyncSession,
    city: CityData,
    bot: Bot,
    i18n: I18n,
    settings: Settings,
) -> None:
    """The resident's answer goes to the incubator's chats, under the pitch's card."""
    if not (message.text or message.photo or message.voice):
        await message.answer(_("I can pass on text, photos and voice notes."))
        return
    pitch = await coordination.record_message(
        session,
        pitch=pitch,
        from_resident=True,
        actor_id=None,
        actor_name=None,
        text=message.text or message.caption,
        now=utcnow(),
    )
    await notices.relay_to_incubator(
        bot, session, pitch=pitch, message=message, i18n=i18n, settings=settings
    )
    await notices.refresh_cards(bot, session, pitch=pitch, city=city, i18n=i18n, settings=settings)
    await message.answer(_("✓ Sent. The incubator will answer you here."))


async def on_resident_reply(
    message: Message,
    pitch_message: PitchMessage,
    session: AsyncSession,
    user: User,
    city: CityData,
    bot: Bot,
    i18n: I18n,
    settings: Settings,
) -> None:
    pitch = await data.get_pitch(session, pitch_message.pitch_id)
    if pitch is None or pitch.user_id != user.telegram_id:
        await message.answer(_("This button is no longer valid."))
        return
    await _relay_resident_answer(message, pitch, session, city, bot, i18n, settings)


async def on_reply_button(
    callback: CallbackQuery,
    callback_data: RelayCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
) -> None:
    pitch = await data.get_pitch(session, callback_data.pitch_id)
    if pitch is None or pitch.user_id != user.telegram_id:
        await callback.answer(_("This button is no longer valid."))
        return
    await callback.answer()
    await state.set_state(ReplyForm.text)
    await state.update_data(reply_pitch=pitch.id)
    await callback.message.answer(  # type: ignore[union-attr]
        _("Write your answer about {reference}; I will pass it on.").format(
            reference=pitch.reference
        )
    )


async def on_reply_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
    bot: Bot,
    i18n: I18n,
    settings: Settings,
) -> None:
    pitch_id = (await state.get_data()).get("reply_pitch")
    await state.clear()
    pitch = await data.get_pitch(session, int(pitch_id or 0))
    if pitch is None or pitch.user_id != user.telegram_id:
        await message.answer(_("This button is no longer valid."))
        return
    await _relay_resident_answer(message, pitch, session, city, bot, i18n, settings)


async def on_card_button_refused(
    callback: CallbackQuery, callback_data: CardCB, session: AsyncSession
) -> None:
    """A card button pressed (or forged) by someone who is not staff: refused and logged."""
    actor = callback.from_user.id
    await record_refusal(
        session,
        actor_id=actor,
        action=callback_data.pack(),
        subject=f"pitch:{callback_data.pitch_id}",
        now=utcnow(),
    )
    logger.warning("refused card button from non-staff %s", actor)
    await callback.answer(_("Sorry, you can't do that."), show_alert=True)


def create_router() -> Router:
    router = Router(name="cards")
    in_private = F.chat.type == "private"
    router.callback_query.register(on_card_button, CardCB.filter(), Staff())
    router.callback_query.register(on_card_button_refused, CardCB.filter())
    router.message.register(on_staff_reply, RepliedAboutPitch(), Staff())
    router.message.register(on_resident_reply, RepliedAboutPitch(), in_private)
    router.callback_query.register(
        on_reply_button, RelayCB.filter(), F.message.chat.type == "private"
    )
    router.message.register(on_reply_text, ReplyForm.text, in_private, ~F.text.startswith("/"))
    return router
