"""Subscriptions: /subscribe and its screen, /unsubscribe and the one-tap 🔕 on
announcements. Every button acts on the presser's own subscription only."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from core import subscription_texts as texts
from core.callbacks import EventCB, MenuCB, SubscriptionCB
from core.city import CityData
from core.services import subscriptions
from core.services.subscriptions import SubscriptionChoice
from storage.models import User, utcnow


class SubscriptionForm(StatesGroup):
    choosing = State()


class OnTheScreen(Filter):
    """Passes when the conversation is on the subscription screen and the button names
    something of this city; hands on the `choice` so far."""

    async def __call__(
        self,
        callback: CallbackQuery,
        callback_data: SubscriptionCB,
        state: FSMContext,
        city: CityData,
    ) -> bool | dict[str, Any]:
        if not isinstance(callback.message, Message):
            return False
        if await state.get_state() != SubscriptionForm.choosing.state:
            return False
        if not subscriptions.names_a_choice(callback_data.action, callback_data.value, city):
            return False
        data = await state.get_data()
        return {"choice": subscriptions.choice_from_data(data.get("subscription"))}


async def open_subscription(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    """The subscription screen, starting from what is saved (or nothing chosen yet)."""
    choice = await subscriptions.subscription_of(session, user.telegram_id)
    await state.set_state(SubscriptionForm.choosing)
    await state.update_data(subscription=subscriptions.choice_to_data(choice))
    await message.answer(texts.screen_text(), reply_markup=texts.screen_keyboard(choice, city))


async def on_menu_subscriptions(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await open_subscription(callback.message, state, session, user, city)


async def _show(
    callback: CallbackQuery, state: FSMContext, city: CityData, choice: SubscriptionChoice
) -> None:
    """Keep the changed choice and tick the buttons to match."""
    await state.update_data(subscription=subscriptions.choice_to_data(choice))
    await callback.answer()
    await callback.message.edit_reply_markup(  # type: ignore[union-attr]
        reply_markup=texts.screen_keyboard(choice, city)
    )


async def on_kind(
    callback: CallbackQuery,
    callback_data: SubscriptionCB,
    choice: SubscriptionChoice,
    state: FSMContext,
    city: CityData,
) -> None:
    await _show(callback, state, city, subscriptions.toggle_kind(choice, callback_data.value))


async def on_area(
    callback: CallbackQuery,
    callback_data: SubscriptionCB,
    choice: SubscriptionChoice,
    state: FSMContext,
    city: CityData,
) -> None:
    await _show(callback, state, city, subscriptions.toggle_area(choice, callback_data.value))


async def on_all_areas(
    callback: CallbackQuery, choice: SubscriptionChoice, state: FSMContext, city: CityData
) -> None:
    await _show(callback, state, city, subscriptions.all_areas(choice))


async def on_reminders(
    callback: CallbackQuery, choice: SubscriptionChoice, state: FSMContext, city: CityData
) -> None:
    await _show(callback, state, city, subscriptions.toggle_reminders(choice))


async def on_digest(
    callback: CallbackQuery, choice: SubscriptionChoice, state: FSMContext, city: CityData
) -> None:
    await _show(callback, state, city, subscriptions.toggle_digest(choice))


async def on_save(
    callback: CallbackQuery,
    choice: SubscriptionChoice,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
) -> None:
    try:
        await subscriptions.save_subscription(
            session, user_id=user.telegram_id, choice=choice, city=city, now=utcnow()
        )
    except subscriptions.InvalidSubscription as invalid:
        await callback.answer(texts.not_saved_text(invalid.reason), show_alert=True)
        return
    await state.clear()
    await callback.answer()
    await callback.message.edit_text(  # type: ignore[union-attr]
        texts.saved_summary(choice, city), reply_markup=None
    )


async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await callback.answer()
    await callback.message.edit_text(texts.cancelled_text(), reply_markup=None)  # type: ignore[union-attr]


async def on_stale_screen_button(callback: CallbackQuery) -> None:
    """A button of a screen no longer open, or naming what this city does not have."""
    await callback.answer(texts.stale_button_text(), show_alert=True)


async def unsubscribe_and_tell(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    """/unsubscribe: stop everything at once, choices included, and say how to come back."""
    await subscriptions.unsubscribe(session, user_id=user.telegram_id, now=utcnow())
    await _tell_unsubscribed(message, state)


async def on_unsubscribe_button(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, user: User
) -> None:
    """The 🔕 under an announcement: the presser's own subscription, whatever it names, is
    paused with its choices kept for "Subscribe again"."""
    await callback.answer()
    await subscriptions.pause(session, user_id=user.telegram_id, now=utcnow())
    if isinstance(callback.message, Message):
        await _tell_unsubscribed(callback.message, state)


async def _tell_unsubscribed(message: Message, state: FSMContext) -> None:
    if await state.get_state() == SubscriptionForm.choosing.state:
        await state.clear()
    await message.answer(texts.unsubscribed_text(), reply_markup=texts.subscribe_again_keyboard())


async def on_subscribe_again(
    callback: CallbackQuery, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    """ "Subscribe again": the choices kept by the one-tap 🔕 are on again; with nothing kept
    (after /unsubscribe), the subscription screen opens."""
    await callback.answer()
    if not isinstance(callback.message, Message):
        return
    restored = await subscriptions.resume(session, user_id=user.telegram_id, now=utcnow())
    if restored is None:
        await open_subscription(callback.message, state, session, user, city)
        return
    await callback.message.answer(texts.saved_summary(restored, city))


def create_router() -> Router:
    router = Router(name="subscriptions")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(open_subscription, Command("subscribe"))
    router.message.register(unsubscribe_and_tell, Command("unsubscribe"))
    router.callback_query.register(
        on_unsubscribe_button, EventCB.filter(F.action == "unsubscribe")
    )
    router.callback_query.register(
        on_menu_subscriptions, MenuCB.filter(F.action == "subscriptions")
    )
    router.callback_query.register(on_subscribe_again, MenuCB.filter(F.action == "resubscribe"))
    screen = (
        ("kind", on_kind),
        ("area", on_area),
        ("all", on_all_areas),
        ("reminders", on_reminders),
        ("digest", on_digest),
        ("save", on_save),
        ("cancel", on_cancel),
    )
    for action, handler in screen:
        router.callback_query.register(
            handler, SubscriptionCB.filter(F.action == action), OnTheScreen()
        )
    router.callback_query.register(on_stale_screen_button, SubscriptionCB.filter())
    return router
