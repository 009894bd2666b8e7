"""Who a staff announcement reaches: all subscribers, those of an event kind, or of an area.

No commits here: the calling service does.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Subscription, SubscriptionArea, SubscriptionKind, User


async def audience(
    session: AsyncSession, *, kind: str | None = None, area_code: str | None = None
) -> list[tuple[int, str]]:
    """(user id, locale) of subscribers, blocked ones left out: with `kind`, those who chose
    that kind; with `area_code`, those who chose that area or no area at all."""
    conditions = [User.blocked_at.is_(None)]  # type: ignore[union-attr]
    if kind is not None:
        conditions.append(
            exists().where(
                SubscriptionKind.user_id == Subscription.user_id,  # type: ignore[arg-type]
                SubscriptionKind.kind == kind,  # type: ignore[arg-type]
            )
        )
    if area_code is not None:
        any_area = exists().where(SubscriptionArea.user_id == Subscription.user_id)  # type: ignore[arg-type]
        this_area = exists().where(
            SubscriptionArea.user_id == Subscription.user_id,  # type: ignore[arg-type]
            SubscriptionArea.area_code == area_code,  # type: ignore[arg-type]
        )
        conditions.append(or_(this_area, ~any_area))
    result = await session.execute(
        select(User.telegram_id, User.locale)
        .join(Subscription, Subscription.user_id == User.telegram_id)  # type: ignore[arg-type]
        .where(*conditions)
        .order_by(User.telegram_id)
    )
    return [(int(user_id), locale) for user_id, locale in result.all()]
