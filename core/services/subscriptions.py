"""A resident's subscription: what the screen's buttons change (pure), saving it, and
stopping everything at once. Each acts on the presser's own subscription only."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.city import CityData
from storage import subscriptions as subscription_data
from storage.models import EVENT_KINDS
from storage.subscriptions import SubscriptionChoice

logger = logging.getLogger(__name__)

__all__ = [
    "InvalidSubscription",
    "SubscriptionChoice",
    "all_areas",
    "choice_from_data",
    "choice_to_data",
    "names_a_choice",
    "pause",
    "resume",
    "save_subscription",
    "subscription_of",
    "toggle_area",
    "toggle_digest",
    "toggle_kind",
    "toggle_reminders",
    "unsubscribe",
]


class InvalidSubscription(ValueError):
    """`reason`: 'no_kinds', 'unknown_kind' or 'unknown_area'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- the screen's choice (pure) -------------------------------------------------------------


def names_a_choice(action: str, value: str, city: CityData) -> bool:
    """A kind button names a kind of meeting, an area button an area of this city."""
    if action == "kind":
        return value in EVENT_KINDS
    if action == "area":
        return city.area(value) is not None
    return True


def _toggled(values: frozenset[str], value: str) -> frozenset[str]:
    return values - {value} if value in values else values | {value}


def toggle_kind(choice: SubscriptionChoice, kind: str) -> SubscriptionChoice:
    return replace(choice, kinds=_toggled(choice.kinds, kind))


def toggle_area(choice: SubscriptionChoice, area_code: str) -> SubscriptionChoice:
    return replace(choice, areas=_toggled(choice.areas, area_code))


def all_areas(choice: SubscriptionChoice) -> SubscriptionChoice:
    """No area chosen means every area of the city."""
    return replace(choice, areas=frozenset())


def toggle_reminders(choice: SubscriptionChoice) -> SubscriptionChoice:
    return replace(choice, reminders=not choice.reminders)


def toggle_digest(choice: SubscriptionChoice) -> SubscriptionChoice:
    return replace(choice, digest=not choice.digest)


def choice_to_data(choice: SubscriptionChoice) -> dict[str, Any]:
    """The choice as the conversation state keeps it while the screen is open."""
    return {
        "kinds": sorted(choice.kinds),
        "areas": sorted(choice.areas),
        "reminders": choice.reminders,
        "digest": choice.digest,
    }


def choice_from_data(values: Any) -> SubscriptionChoice:
    """The choice back from the conversation state (anything unreadable: nothing chosen)."""
    if not isinstance(values, dict):
        return SubscriptionChoice()

    def codes(key: str) -> frozenset[str]:
        found = values.get(key)
        return (
            frozenset(c for c in found if isinstance(c, str))
            if isinstance(found, list)
            else frozenset()
        )

    return SubscriptionChoice(
        kinds=codes("kinds"),
        areas=codes("areas"),
        reminders=bool(values.get("reminders", True)),
        digest=bool(values.get("digest", False)),
    )


# --- stored ---------------------------------------------------------------------------------


async def subscription_of(session: AsyncSession, user_id: int) -> SubscriptionChoice:
    """What the resident chose, or nothing chosen yet (reminders on, no digest)."""
    return await subscription_data.get_subscription(session, user_id) or SubscriptionChoice()


async def save_subscription(
    session: AsyncSession,
    *,
    user_id: int,
    choice: SubscriptionChoice,
    city: CityData,
    now: datetime,
) -> SubscriptionChoice:
    """Store what the resident chose: at least one kind, areas of this city (none: all)."""
    if not choice.kinds:
        raise InvalidSubscription("no_kinds")
    if not choice.kinds <= set(EVENT_KINDS):
        raise InvalidSubscription("unknown_kind")
    if any(city.area(code) is None for code in choice.areas):
        raise InvalidSubscription("unknown_area")
    await subscription_data.save_subscription(session, user_id=user_id, choice=choice, now=now)
    await session.commit()
    logger.info("user %s saved a subscription", user_id)
    return choice


async def unsubscribe(session: AsyncSession, *, user_id: int, now: datetime) -> bool:
    """Stop everything: no announcements, no digest, and no reminders either (a subscription
    without kinds stays, since people without one get reminders). Whether anything was on."""
    before = await subscription_data.get_subscription(session, user_id)
    stopped = SubscriptionChoice(kinds=frozenset(), areas=frozenset(), reminders=False)
    await subscription_data.save_subscription(session, user_id=user_id, choice=stopped, now=now)
    await session.commit()
    logger.info("user %s unsubscribed", user_id)
    return before is None or before != stopped


async def pause(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    """The one-tap 🔕: nothing is sent any more (announcements, reminders, the digest), and
    the choices are kept for "Subscribe again". Without a subscription it stops everything."""
    if not await subscription_data.pause_subscription(session, user_id=user_id, now=now):
        await unsubscribe(session, user_id=user_id, now=now)
        return
    await session.commit()
    logger.info("user %s paused their subscription", user_id)


async def resume(
    session: AsyncSession, *, user_id: int, now: datetime
) -> SubscriptionChoice | None:
    """'Subscribe again' after the one-tap 🔕: the kept choices are on again. None when there
    is nothing to restore (no paused subscription, or no kind in it)."""
    if not await subscription_data.is_paused(session, user_id):
        return None
    choice = await subscription_data.get_subscription(session, user_id)
    if choice is None or not choice.kinds:
        return None
    await subscription_data.save_subscription(session, user_id=user_id, choice=choice, now=now)
    await session.commit()
    logger.info("user %s subscribed again", user_id)
    return choice
