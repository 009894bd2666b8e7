"""Deep-link payloads of `/start <payload>` (links on posters, in announcements)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.inputs import read_db_id

# Telegram allows up to 64 characters of A-Z, a-z, 0-9, _ and - in a start payload.
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SLUG = re.compile(r"^[a-z0-9-]{1,40}$")


@dataclass(frozen=True, slots=True)
class StartLink:
    """What a recognised payload asks for: `kind` and an optional argument."""

    kind: str
    argument: str | None = None

    @property
    def event_id(self) -> int | None:
        """The event an `event_<id>` link names (read strictly), else None."""
        return read_db_id(self.argument) if self.kind == "event" else None

    @property
    def payload(self) -> str:
        return self.kind if self.argument is None else f"{self.kind}_{self.argument}"


def parse_start_payload(raw: str | None) -> StartLink | None:
    """`pitch`, `pitch_<area>`, `event_<id>`, `subscribe`; anything else is None."""
    if not raw or not _PAYLOAD.match(raw):
        return None
    kind, _, argument = raw.lower().partition("_")
    if kind == "pitch":
        if not argument:
            return StartLink("pitch")
        return StartLink("pitch", argument) if _SLUG.match(argument) else None
    if kind == "event":
        event_id = read_db_id(argument)
        return StartLink("event", str(event_id)) if event_id is not None else None
    if kind in {"subscribe", "sub"} and not argument:
        return StartLink("subscribe")
    return None
