"""The coordinators' desk: /inbox, /pitch, /find, /stats, /export, /incubators."""

from __future__ import annotations

from aiogram import Router

from handlers.desk import inbox, pitch_view, reports


def create_router() -> Router:
    router = Router(name="desk")
    router.include_router(inbox.create_router())
    router.include_router(pitch_view.create_router())
    router.include_router(reports.create_router())
    return router
