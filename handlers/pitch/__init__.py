"""The pitch journey: /pitch and its eight steps, Back/Skip/Edit/Cancel and resuming, the
summary and sending, and /mypitches. One router; its handlers are registered in order, so
each step's own handlers come before what no step took."""

from __future__ import annotations

from aiogram import F, Router

from handlers.pitch import buttons, contact, mine, steps, summary, where
from handlers.pitch.flow import begin_pitch

__all__ = ["begin_pitch", "create_router"]


def create_router() -> Router:
    router = Router(name="pitch")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    for module in (mine, steps, where, contact, buttons, summary):
        module.register(router)
    steps.register_leftovers(router)
    buttons.register_leftovers(router)
    return router
