"""Coordinators act on pitch cards; messages about a pitch flow both ways by replies.

One small handler per button action. A card button reaches them only from staff who may act
on the pitch it names (the `PitchOnCard` filter loads it); any other press is refused and
audited. The use cases (core.services.pitch_review, pitch_relay) check rights and versions
again, make the change and decide its follow-ups; these handlers only answer."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_card_texts as cards
from core.bidi import ltr
from core.callbacks import CardCB, RelayCB
from core.languages import reading_locale
from core.pitch_notices import Courier, Incoming
from core.services import pitch_relay as relay
from core.services import pitch_review as review
from core.services.pitch_relay import AboutPitch
from core.services.pitch_review import Outcome
from core.services.roles import NotAllowed, Roles
from handlers.filters import Staff
from storage.models import Pitch, User, utcnow

logger = logging.getLogger(__name__)


class ReplyForm(StatesGroup):
    """A resident pressed Reply under a message about their pitch."""

    text = State()


def _name(event: Message | CallbackQuery) -> str:
    user = event.from_user
    return (user.full_name if user else "")[:64]


async def _with_courier(
    handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
    event: TelegramObject,
    data: dict[str, Any],
) -> Any:
    """What the use cases send with: this update's bot and the process's i18n, settings
    and city."""
    data["courier"] = Courier(data["bot"], data["i18n"], data["settings"], data["city"])
    return await handler(event, data)


# --- card buttons ------------------------------------------------------------------------


class PitchOnCard(Filter):
    """The pitch the card names, if the presser may act on it; gives handlers `pitch`."""

    async def __call__(
        self, callback: CallbackQuery, callback_data: CardCB, session: AsyncSession, roles: Roles
    ) -> bool | dict[str, Any]:
        try:
            pitch = await review.pitch_for(session, pitch_id=callback_data.pitch_id, actor=roles)
        except NotAllowed:
            return False
        return {"pitch": pitch}


class StaleCard(Filter):
    """The card showed another status than the pitch has now, or its message is gone."""

    async def __call__(self, callback: CallbackQuery, callback_data: CardCB, pitch: Pitch) -> bool:
        return pitch.status != callback_data.status or not isinstance(callback.message, Message)


def _answer_text(outcome: Outcome) -> tuple[str | None, bool]:
    """The press's answer and whether it is an alert."""
    if outcome.result == "done":
        if outcome.reached:
            return _("Done."), False
        return _("Done, but the resident can't be reached in Telegram right now."), False
    if outcome.result == "stale":
        return _("This card had changed; here it is as it is now."), False
    if outcome.result == "closed":
        return _("This pitch is settled already; nothing was sent."), True
    return _("Sorry, you can't do that."), True


async def on_stale_card(
    callback: CallbackQuery, pitch: Pitch, session: AsyncSession, courier: Courier
) -> None:
    await review.show_current(session, courier, pitch_id=pitch.id)  # type: ignore[arg-type]
    await callback.answer(_("This card had changed; here it is as it is now."))


async def on_back(callback: CallbackQuery, pitch: Pitch) -> None:
    await callback.answer()
    await callback.message.edit_reply_markup(reply_markup=cards.control_keyboard(pitch))  # type: ignore[union-attr]


async def on_reasons(callback: CallbackQuery, pitch: Pitch) -> None:
    """'Not taken forward' offers the reasons (and a written one)."""
    await callback.answer()
    await callback.message.edit_reply_markup(reply_markup=cards.reasons_keyboard(pitch))  # type: ignore[union-attr]


async def on_incubators(callback: CallbackQuery, pitch: Pitch, courier: Courier) -> None:
    """'Move to another incubator' offers the others."""
    await callback.answer()
    keyboard = cards.move_keyboard(pitch, courier.city, courier.i18n.current_locale)
    await callback.message.edit_reply_markup(reply_markup=keyboard)  # type: ignore[union-attr]


async def on_prompt(
    callback: CallbackQuery,
    callback_data: CardCB,
    session: AsyncSession,
    roles: Roles,
    courier: Courier,
) -> None:
    """'Ask for more info' and 'Write a reason': the coordinator writes it as a reply."""
    outcome = await review.open_prompt(
        session,
        courier,
        pitch_id=callback_data.pitch_id,
        purpose=callback_data.action,  # type: ignore[arg-type]
        seen_status=callback_data.status,
        actor=roles,
        chat_id=callback.message.chat.id,  # type: ignore[union-attr]
        now=utcnow(),
    )
    text, alert = _answer_text(outcome)
    await callback.answer(None if outcome.result == "done" else text, show_alert=alert)


async def on_decision(
    callback: CallbackQuery,
    callback_data: CardCB,
    session: AsyncSession,
    roles: Roles,
    courier: Courier,
) -> None:
    """Take, Accept, a reason for not taking it forward, or an incubator to move it to."""
    outcome = await review.decide(
        session,
        courier,
        pitch_id=callback_data.pitch_id,
        action=callback_data.action,
        seen_status=callback_data.status,
        actor=roles,
        actor_name=_name(callback),
        now=utcnow(),
        value=callback_data.value,
    )
    text, alert = _answer_text(outcome)
    await callback.answer(text, show_alert=alert)


async def on_card_refused(
    callback: CallbackQuery, callback_data: CardCB, session: AsyncSession, courier: Courier
) -> None:
    """A card button pressed (or forged) by someone who may not act on that pitch."""
    actor = callback.from_user.id
    logger.warning("refused card button from %s for pitch %s", actor, callback_data.pitch_id)
    outcome = await review.refuse_press(
        session, courier, actor_id=actor, pressed=callback_data, now=utcnow()
    )
    text, alert = _answer_text(outcome)
    await callback.answer(text, show_alert=alert)


def _card_buttons() -> Router:
    router = Router(name="card-buttons")
    router.callback_query.filter(CardCB.filter(), Staff(), PitchOnCard())
    register = router.callback_query.register
    register(on_stale_card, StaleCard())
    register(on_back, CardCB.filter(F.action == "card"))
    register(on_reasons, CardCB.filter((F.action == "decline") & (F.value == "")))
    register(on_incubators, CardCB.filter((F.action == "move") & (F.value == "")))
    register(on_prompt, CardCB.filter(F.action == "ask"))
    register(on_prompt, CardCB.filter(F.action == "reason"))
    register(on_decision, CardCB.filter(F.action == "take"))
    register(on_decision, CardCB.filter(F.action == "accept"))
    register(on_decision, CardCB.filter((F.action == "decline") & (F.value != "")))
    register(on_decision, CardCB.filter((F.action == "move") & (F.value != "")))
    return router


# --- the relay ---------------------------------------------------------------------------


class RepliedAboutPitch(Filter):
    """A reply to a message the bot sent about a pitch; gives handlers `about`."""

    async def __call__(
        self, message: Message, session: AsyncSession, courier: Courier
    ) -> bool | dict[str, Any]:
        if message.reply_to_message is None:
            return False
        about = await relay.message_about(session, courier, message=message)
        return {"about": about} if about is not None else False


def _resident_text(outcome: Outcome) -> str:
    if outcome.result == "refused":
        return _("This button is no longer valid.")
    if outcome.result == "unsupported":
        return _("I can pass on text, photos and voice notes.")
    if not outcome.reached:
        return _(
            "I couldn't pass it on right now. Your message is saved, and the incubator can "
            "read it."
        )
    return _("✓ Sent. The incubator will answer you here.")


def _staff_text(outcome: Outcome) -> str:
    texts = {
        "refused": _("Sorry, you can't do that."),
        "closed": _("This pitch is settled already; nothing was sent."),
        "text_only": _("Please write it as text."),
        "unsupported": _("I can pass on text, photos and voice notes."),
        "stale": _("This card had changed; here it is as it is now."),
    }
    if outcome.result in texts:
        return texts[outcome.result]
    if not outcome.reached:
        return _(
            "Saved in the pitch's history, but the resident can't be reached in Telegram "
            "right now."
        )
    return _("✓ Sent to the resident.")


async def on_staff_reply(
    message: Message, about: AboutPitch, session: AsyncSession, roles: Roles, courier: Courier
) -> None:
    """A coordinator writes to the resident by replying to a card, a relayed message, or a
    prompt for a question or a reason."""
    private = message.chat.type == ChatType.PRIVATE
    outcome = await relay.reply_from_staff(
        session,
        courier,
        about=about,
        actor=roles,
        actor_name=_name(message),
        incoming=Incoming.of(message),
        private=private,
        now=utcnow(),
    )
    if outcome.as_resident:
        await message.answer(_resident_text(outcome))
    elif outcome.result == "done":
        await message.reply(_staff_text(outcome))
    elif private or outcome.result != "refused":
        await message.answer(_staff_text(outcome))


async def _answer_as_resident(
    message: Message, pitch_id: int, session: AsyncSession, user: User, courier: Courier
) -> None:
    outcome = await relay.answer_from_resident(
        session,
        courier,
        pitch_id=pitch_id,
        user_id=user.telegram_id,
        incoming=Incoming.of(message),
        now=utcnow(),
    )
    await message.answer(_resident_text(outcome))


async def on_resident_reply(
    message: Message, about: AboutPitch, session: AsyncSession, user: User, courier: Courier
) -> None:
    await _answer_as_resident(message, about.pitch_id, session, user, courier)


async def on_reply_button(
    callback: CallbackQuery,
    callback_data: RelayCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
) -> None:
    pitch = await relay.own_pitch(
        session, pitch_id=callback_data.pitch_id, user_id=user.telegram_id
    )
    if pitch is None:
        await callback.answer(_("This button is no longer valid."))
        return
    await callback.answer()
    await state.set_state(ReplyForm.text)
    await state.update_data(reply_pitch=pitch.id)
    await callback.message.answer(  # type: ignore[union-attr]
        _("Write your answer about {reference}; I will pass it on.").format(
            reference=ltr(pitch.reference, reading_locale())
        )
    )


async def on_reply_text(
    message: Message, state: FSMContext, session: AsyncSession, user: User, courier: Courier
) -> None:
    pitch_id = (await state.get_data()).get("reply_pitch")
    await state.clear()
    await _answer_as_resident(message, int(pitch_id or 0), session, user, courier)


def create_router() -> Router:
    router = Router(name="pitch_review")
    router.message.outer_middleware(_with_courier)
    router.callback_query.outer_middleware(_with_courier)
    router.include_router(_card_buttons())
    relays = Router(name="card-relay")
    in_private = F.chat.type == "private"
    relays.callback_query.register(on_card_refused, CardCB.filter())
    relays.message.register(on_staff_reply, Staff(), RepliedAboutPitch())
    relays.message.register(on_resident_reply, in_private, RepliedAboutPitch())
    relays.callback_query.register(
        on_reply_button, RelayCB.filter(), F.message.chat.type == "private"
    )
    relays.message.register(on_reply_text, ReplyForm.text, in_private, ~F.text.startswith("/"))
    router.include_router(relays)
    return router
