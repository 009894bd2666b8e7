"""Who may publish, change, cancel and announce what (pure rules; the use cases apply them).

- Admins: everything.
- Coordinators publish city-wide and in the areas their incubators serve (an incubator
  serving no particular area serves every area), and announce to the same audiences.
- An event in an area may be changed or cancelled by the coordinators serving that area
  now, whoever created it; its creator no longer serving it may not.
- A city-wide event belongs to no area: its creator and the coordinators of a city-wide
  incubator may change it, other coordinators may not.
"""

from __future__ import annotations

from core.city import CityData
from core.services.roles import Roles
from storage.models import Event


def _serves_every_area(roles: Roles, city: CityData) -> bool:
    for code in roles.incubators:
        incubator = city.incubator(code)
        if incubator is not None and not incubator.areas:
            return True
    return False


def may_publish_in(roles: Roles, area_code: str | None, city: CityData) -> bool:
    """Admins anywhere; coordinators city-wide and in the areas their incubators serve."""
    if roles.is_admin or (area_code is None and roles.is_staff):
        return True
    for code in roles.incubators:
        incubator = city.incubator(code)
        if incubator is not None and (not incubator.areas or area_code in incubator.areas):
            return True
    return False


def areas_open_to(roles: Roles, city: CityData) -> list[str]:
    """The areas this person may publish in, in the city's order."""
    return [area.code for area in city.areas if may_publish_in(roles, area.code, city)]


def publish_refusal(roles: Roles, area_code: str | None, city: CityData) -> str | None:
    """Why this person may not publish in (or announce to) the area; None when they may."""
    if not roles.is_staff:
        return "not_staff"
    if area_code is not None and city.area(area_code) is None:
        return "unknown_area"
    if not may_publish_in(roles, area_code, city):
        return "not_your_area"
    return None


def change_refusal(roles: Roles, event: Event, city: CityData) -> str | None:
    """Why this person may not change or cancel the event; None when they may."""
    if not roles.is_staff:
        return "not_staff"
    if roles.is_admin:
        return None
    if event.area_code is None:
        if event.created_by == roles.user_id or _serves_every_area(roles, city):
            return None
        return "not_yours"
    if not may_publish_in(roles, event.area_code, city):
        return "not_your_area"
    return None
