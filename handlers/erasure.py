"""Erasure in chat: /forget (a resident, after a confirmation), /erase (admins, after a
preview) and a resident's choices about their data in one pitch (from /mypitches).

The use cases (core.services.erasure) check rights and do the work; these handlers read
the update, call one of them and answer."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core import erasure_texts as texts
from core.callbacks import ConsentCB, EraseCB, ForgetCB
from core.inputs import read_user_id
from core.outbox_messages import OutboxWaker
from core.pitch_notices import Courier
from core.services import erasure
from core.services.desk import read_reference
from core.services.roles import NotAllowed, Roles, record_refusal
from core.staff_texts import refusal
from handlers.filters import Staff
from storage.models import User, utcnow

logger = logging.getLogger(__name__)


class FsmConversations:
    """The Conversations port on the Dispatcher's FSM storage (database or Redis)."""

    def __init__(self, storage: BaseStorage, bot_id: int) -> None:
        self._storage = storage
        self._bot_id = bot_id

    async def forget(self, user_id: int) -> None:
        key = StorageKey(bot_id=self._bot_id, chat_id=user_id, user_id=user_id)
        await self._storage.set_state(key, None)
        await self._storage.set_data(key, {})


async def _with_courier(
    handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
    event: TelegramObject,
    data: dict[str, Any],
) -> Any:
    data["courier"] = Courier(data["bot"], data["i18n"], data["settings"], data["city"])
    return await handler(event, data)


def _invalid() -> str:
    return _("This button is no longer valid.")


async def _edit(callback: CallbackQuery, text: str) -> None:
    """The question's message says what became of it, without its buttons."""
    if isinstance(callback.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await callback.message.edit_text(text, reply_markup=None)


def _wake(sender: OutboxWaker | None, promoted: tuple[int, ...]) -> None:
    if promoted and sender is not None:
        sender.wake()  # the notices to those who got a place are queued


# --- /forget -----------------------------------------------------------------------------------


async def cmd_forget(
    message: Message, session: AsyncSession, user: User, courier: Courier
) -> None:
    stored = await erasure.preview_person(session, user_id=user.telegram_id)
    text = texts.forget_question(stored, courier.settings.erase_pitch_text)
    await message.answer(text, reply_markup=texts.forget_keyboard(erasure.person_token(user)))


async def on_forget_yes(
    callback: CallbackQuery,
    session: AsyncSession,
    user: User,
    courier: Courier,
    state: FSMContext,
    bot: Bot,
    sender: OutboxWaker | None = None,
) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):  # one press: the buttons go first
        with contextlib.suppress(TelegramBadRequest):
            await callback.message.edit_reply_markup(reply_markup=None)
    erased = await erasure.forget_me(
        session,
        courier,
        user_id=user.telegram_id,
        conversations=FsmConversations(state.storage, bot.id),
        now=utcnow(),
    )
    _wake(sender, erased.promoted)


async def on_forget_no(callback: CallbackQuery) -> None:
    await callback.answer()
    await _edit(callback, texts.forget_kept())


async def on_forget_stale(callback: CallbackQuery) -> None:
    """A button of someone forgotten since (a new person now), or forged."""
    await callback.answer(_invalid())


def _current_forget(callback_data: ForgetCB, user: User | None) -> bool:
    return user is not None and erasure.is_current(user, callback_data.since)


# --- a resident's data in one pitch (/mypitches) ---------------------------------------------


async def on_consent_menu(
    callback: CallbackQuery,
    callback_data: ConsentCB,
    session: AsyncSession,
    user: User,
    courier: Courier,
) -> None:
    """The choices for one pitch, or their confirmation question."""
    pitch = await erasure.pitch_of_resident(
        session, pitch_id=callback_data.pitch_id, user_id=user.telegram_id, now=utcnow()
    )
    if pitch is None or not isinstance(callback.message, Message):
        await callback.answer(_invalid())
        return
    await callback.answer()
    if callback_data.action == "withdraw":
        text, markup = texts.withdraw_question(pitch, courier.settings.erase_pitch_text)
    elif callback_data.action == "contact" and (pitch.contact_phone or pitch.contact_email):
        text, markup = texts.contact_question(pitch)
    else:
        text, markup = texts.pitch_privacy(pitch)
    await callback.message.answer(text, reply_markup=markup)


async def on_withdraw(
    callback: CallbackQuery,
    callback_data: ConsentCB,
    session: AsyncSession,
    user: User,
    courier: Courier,
) -> None:
    outcome = await erasure.withdraw_consent(
        session,
        courier,
        pitch_id=callback_data.pitch_id,
        user_id=user.telegram_id,
        now=utcnow(),
    )
    await _consent_answer(callback, outcome, texts.withdrawn)


async def on_withdraw_contact(
    callback: CallbackQuery,
    callback_data: ConsentCB,
    session: AsyncSession,
    user: User,
    courier: Courier,
) -> None:
    outcome = await erasure.withdraw_contact(
        session,
        courier,
        pitch_id=callback_data.pitch_id,
        user_id=user.telegram_id,
        now=utcnow(),
    )
    await _consent_answer(callback, outcome, texts.contact_stopped)


async def _consent_answer(
    callback: CallbackQuery, outcome: erasure.PitchOutcome, done: Callable[[str], str]
) -> None:
    if outcome.result != "done" or outcome.pitch is None:
        await callback.answer(_invalid())
        return
    await callback.answer()
    await _edit(callback, done(outcome.pitch.reference))


async def on_consent_keep(callback: CallbackQuery) -> None:
    await callback.answer()
    await _edit(callback, texts.nothing_changed())


# --- /erase (admins) ----------------------------------------------------------------------


async def cmd_erase(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    courier: Courier,
) -> None:
    """A preview of what would be erased, with a confirmation; nothing changes yet."""
    words = (command.args or "").split()
    reference = read_reference(words[0]) if len(words) == 1 else None
    person = read_user_id(words[0]) if len(words) == 1 else None
    erase_text = courier.settings.erase_pitch_text
    if reference is not None:
        pitch = await erasure.find_pitch(session, reference=reference)
        if pitch is None:
            await message.answer(texts.erase_no_pitch(reference))
        elif pitch.erased_at is not None:
            await message.answer(texts.already_erased(reference))
        else:
            markup = texts.erase_keyboard("pitch", pitch.id or 0)
            await message.answer(texts.erase_pitch_preview(pitch, erase_text), reply_markup=markup)
    elif person is not None:
        stored = await erasure.preview_person(session, user_id=person)
        if not stored.anything:
            await message.answer(texts.erase_nobody(person))
            return
        text = texts.erase_person_preview(person, stored, erase_text)
        await message.answer(text, reply_markup=texts.erase_keyboard("person", person))
    else:
        await message.answer(texts.erase_usage())


async def on_erase_person(
    callback: CallbackQuery,
    callback_data: EraseCB,
    session: AsyncSession,
    roles: Roles,
    courier: Courier,
    state: FSMContext,
    bot: Bot,
    sender: OutboxWaker | None = None,
) -> None:
    await callback.answer()
    try:
        erased = await erasure.erase_person(
            session,
            courier,
            actor=roles,
            user_id=callback_data.target,
            conversations=FsmConversations(state.storage, bot.id),
            now=utcnow(),
        )
    except NotAllowed as refused:
        await _edit(callback, refusal(refused.reason))
        return
    _wake(sender, erased.promoted)
    await _edit(callback, texts.erased_person(len(erased.references)))


async def on_erase_pitch(
    callback: CallbackQuery,
    callback_data: EraseCB,
    session: AsyncSession,
    roles: Roles,
    courier: Courier,
) -> None:
    await callback.answer()
    try:
        outcome = await erasure.erase_pitch(
            session, courier, actor=roles, pitch_id=callback_data.target, now=utcnow()
        )
    except NotAllowed as refused:
        await _edit(callback, refusal(refused.reason))
        return
    if outcome.pitch is None:
        await _edit(callback, _invalid())
    elif outcome.result == "already":
        await _edit(callback, texts.already_erased(outcome.pitch.reference))
    else:
        await _edit(callback, texts.erased_pitch(outcome.pitch.reference))


async def on_erase_no(callback: CallbackQuery) -> None:
    await callback.answer()
    await _edit(callback, texts.nothing_erased())


async def refuse_erase(message: Message, session: AsyncSession) -> None:
    """/erase from anyone but an admin: a polite refusal, kept in the audit log."""
    actor = message.from_user.id if message.from_user else 0
    await record_refusal(
        session, actor_id=actor, action="erase", subject="person", now=utcnow(), reason="not_admin"
    )
    logger.warning("refused /erase from %s", actor)
    await message.answer(texts.admins_only())


async def refuse_erase_button(callback: CallbackQuery, session: AsyncSession) -> None:
    await record_refusal(
        session,
        actor_id=callback.from_user.id,
        action=(callback.data or "")[:64],
        subject="person",
        now=utcnow(),
        reason="not_admin",
    )
    logger.warning("refused an erase button from %s", callback.from_user.id)
    await callback.answer(_("Sorry, you can't do that."), show_alert=True)


async def invalid_button(callback: CallbackQuery) -> None:
    await callback.answer(_invalid())


def _prefixed(prefix: str) -> Any:
    return F.data.func(lambda data: data.partition(":")[0] == prefix)


def create_router() -> Router:
    router = Router(name="erasure")
    router.message.outer_middleware(_with_courier)
    router.callback_query.outer_middleware(_with_courier)
    private = F.chat.type == "private"
    in_private = F.message.chat.type == "private"
    router.message.register(cmd_forget, Command("forget"), private)
    _register_forget(router, in_private)
    _register_consent(router, in_private)
    _register_erase(router, private, in_private)
    return router


def _register_forget(router: Router, in_private: Any) -> None:
    register = router.callback_query.register
    register(on_forget_stale, ForgetCB.filter(), _NotCurrent())
    register(on_forget_yes, ForgetCB.filter(F.action == "yes"), in_private)
    register(on_forget_no, ForgetCB.filter(F.action == "no"), in_private)
    register(invalid_button, _prefixed(ForgetCB.__prefix__))


def _register_consent(router: Router, in_private: Any) -> None:
    register = router.callback_query.register
    opened = ConsentCB.filter(F.action.in_({"open", "withdraw", "contact"}))
    register(on_consent_menu, opened, in_private)
    register(on_withdraw, ConsentCB.filter(F.action == "withdraw_yes"), in_private)
    register(on_withdraw_contact, ConsentCB.filter(F.action == "contact_yes"), in_private)
    register(on_consent_keep, ConsentCB.filter(F.action == "keep"), in_private)
    register(invalid_button, _prefixed(ConsentCB.__prefix__))


def _register_erase(router: Router, private: Any, in_private: Any) -> None:
    admin = Staff(admin=True)
    router.message.register(cmd_erase, Command("erase"), private, admin)
    router.message.register(refuse_erase, Command("erase"), private)
    register = router.callback_query.register
    register(on_erase_no, EraseCB.filter(F.action == "no"), in_private, admin)
    register(on_erase_person, EraseCB.filter((F.action == "yes") & (F.kind == "person")), admin)
    register(on_erase_pitch, EraseCB.filter((F.action == "yes") & (F.kind == "pitch")), admin)
    register(refuse_erase_button, EraseCB.filter())
    register(invalid_button, _prefixed(EraseCB.__prefix__))


class _NotCurrent(Filter):
    """A /forget button not made for the person pressing it as they are now."""

    async def __call__(
        self, callback: CallbackQuery, callback_data: ForgetCB, user: User | None = None
    ) -> bool:
        return not _current_forget(callback_data, user)
