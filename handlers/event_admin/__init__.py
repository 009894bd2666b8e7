"""Staff publish events: the /newevent wizard, /editevent, /cancelevent and /broadcast.

One small handler per button action; a button of a step the conversation has left falls
through to "no longer valid". The use cases check the right, the event's state and its
version again whenever anything is stored.
"""

from __future__ import annotations

from aiogram import F, Router

from core.callbacks import EventAdminCB
from handlers.event_admin import broadcast, cancel, edit, wizard
from handlers.event_admin.common import on_stale_button
from handlers.event_admin.states import Broadcast, EditEvent, NewEvent
from handlers.filters import Staff

__all__ = ["Broadcast", "EditEvent", "NewEvent", "create_router"]


def create_router() -> Router:
    router = Router(name="event-admin")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    for module in (wizard, edit, broadcast):
        router.include_router(module.create_command_router())
    for module in (cancel, wizard, edit, broadcast):
        router.include_router(module.create_router())
    stale = Router(name="event-admin-stale")
    stale.callback_query.register(on_stale_button, EventAdminCB.filter(), Staff())
    router.include_router(stale)
    return router
