"""The contact step: chat only, a shared phone number or a typed e-mail address, then the
consent to store and share the idea."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import PitchCB
from core.city import CityData
from core.pitch_rules import InvalidAnswer
from core.services import pitching
from handlers.pitch import questions, replies
from handlers.pitch.filters import DraftButton, HasDraft
from handlers.pitch.flow import ask_again, ask_consent, close_keyboard, show_step
from handlers.pitch.states import PitchForm
from storage.models import PitchDraft, utcnow


async def on_chat_only(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
) -> None:
    await callback.answer()
    await close_keyboard(callback)
    draft = await pitching.contact_in_chat_only(session, draft=draft, now=utcnow())
    await ask_consent(message, state, draft, city)


async def on_phone(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    await callback.answer()
    await close_keyboard(callback)
    await state.set_state(PitchForm.phone)
    text, reply_markup = questions.phone_request()
    await message.answer(text, reply_markup=reply_markup)


async def on_email(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    await callback.answer()
    await close_keyboard(callback)
    await state.set_state(PitchForm.email)
    text, markup = questions.email_question()
    await message.answer(text, reply_markup=markup)


async def on_contact_again(
    callback: CallbackQuery, message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    """Back from the e-mail question or the consent to the contact choice."""
    await callback.answer()
    await close_keyboard(callback)
    await show_step(message, state, draft, city)


async def on_consent(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
) -> None:
    await callback.answer()
    await close_keyboard(callback)
    draft = await pitching.give_consent(session, draft=draft, now=utcnow())
    await show_step(message, state, draft, city)


async def on_no_consent(callback: CallbackQuery, message: Message) -> None:
    await callback.answer()
    await close_keyboard(callback)
    text, markup = questions.no_consent()
    await message.answer(text, reply_markup=markup)


async def on_contact_shared(
    message: Message, state: FSMContext, session: AsyncSession, draft: PitchDraft, city: CityData
) -> None:
    """Only the resident's own number, as Telegram vouches for it."""
    contact = message.contact
    try:
        draft = await pitching.set_phone(
            session,
            draft=draft,
            phone_number=contact.phone_number,  # type: ignore[union-attr]
            contact_user_id=contact.user_id,  # type: ignore[union-attr]
            now=utcnow(),
        )
    except InvalidAnswer as error:
        if error.reason == "stale":
            await message.answer(_("All right."), reply_markup=ReplyKeyboardRemove())
            await show_step(message, state, draft, city)
        else:
            await ask_again(message, replies.invalid_note(error), questions.phone_request())
        return
    await message.answer(_("📞 Thank you!"), reply_markup=ReplyKeyboardRemove())
    await ask_consent(message, state, draft, city)


async def on_phone_back(
    message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    """'⬅️ Back' on the phone keyboard: to the contact choice."""
    await message.answer(_("All right."), reply_markup=ReplyKeyboardRemove())
    await show_step(message, state, draft, city)


async def on_phone_state_other(message: Message) -> None:
    """Anything else while a phone number is asked: the button shares it."""
    note = replies.invalid_note(InvalidAnswer("not_own"))
    await ask_again(message, note, questions.phone_request())


def _is_back(text: str) -> bool:
    return text == questions.back_label()


def register(router: Router) -> None:
    def press(action: str) -> tuple[object, ...]:
        return PitchCB.filter(F.action == action), DraftButton()

    router.callback_query.register(on_chat_only, *press("chat"))
    router.callback_query.register(on_phone, *press("phone"))
    router.callback_query.register(on_email, *press("email"))
    router.callback_query.register(on_contact_again, *press("contact"))
    router.callback_query.register(on_consent, *press("yes"))
    router.callback_query.register(on_no_consent, *press("no"))

    router.message.register(on_contact_shared, PitchForm.phone, F.contact, HasDraft())
    router.message.register(on_phone_back, PitchForm.phone, F.text.func(_is_back), HasDraft())
    not_command = ~F.text.startswith("/")
    router.message.register(on_phone_state_other, PitchForm.phone, not_command, HasDraft())
