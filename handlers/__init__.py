"""aiogram routers, one per journey; the fallback router comes last."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    attendance,
    desk,
    erasure,
    errors,
    event_admin,
    fallback,
    language,
    pitch,
    pitch_review,
    privacy,
    staff,
    start,
)


def build_router() -> Router:
    """A fresh tree of routers: a router can belong to one Dispatcher only."""
    root = Router(name="root")
    for module in (errors, staff, pitch_review, desk, event_admin, erasure):
        root.include_router(module.create_router())
    root.include_router(staff.create_refusal_router())
    for module in (attendance, pitch, start, privacy, language, fallback):
        root.include_router(module.create_router())
    return root
