"""Pure rules of what coordinators may do to a pitch in which status."""

from __future__ import annotations

OPEN_STATUSES: tuple[str, ...] = ("received", "in_review", "needs_info")
CLOSED_STATUSES: tuple[str, ...] = ("accepted", "declined")
ACTIONS: tuple[str, ...] = ("take", "ask", "accept", "decline", "move")

# The status an action leads to; a move starts the pitch afresh at its new incubator.
RESULTING_STATUS: dict[str, str] = {
    "take": "in_review",
    "ask": "needs_info",
    "accept": "accepted",
    "decline": "declined",
    "move": "received",
}

DECLINE_REASONS: tuple[str, ...] = ("fit", "capacity", "exists", "unclear")


def allowed(action: str, status: str) -> bool:
    """Open pitches take every action; an accepted or declined pitch is settled."""
    return action in ACTIONS and status in OPEN_STATUSES


def status_after_resident_reply(status: str) -> str:
    """A resident's answer to a question puts the pitch back in review."""
    return "in_review" if status == "needs_info" else status


def changes(
    action: str, *, assignee_id: int | None, actor_id: int, actor_name: str, to_incubator: str = ""
) -> dict[str, object]:
    """The pitch's new values after `action`: its status, and who handles it. Taking it, or
    acting on a pitch nobody has taken, makes the actor its handler; a move starts afresh."""
    values: dict[str, object] = {"status": RESULTING_STATUS[action]}
    if action == "move":
        values.update(incubator_code=to_incubator, assignee_id=None, assignee_name=None)
    elif action == "take" or assignee_id is None:
        values.update(assignee_id=actor_id, assignee_name=actor_name[:64])
    return values
