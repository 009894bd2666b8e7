"""Who is in the playground: residents in the four languages, staff, a group and a channel."""

from __future__ import annotations

from dataclasses import dataclass

from core.config import SUPPORTED_LOCALES

ADMIN_ID = 7001
COORDINATOR_ID = 7002
GROUP_ID = -1001700000001
CHANNEL_ID = -1001700000002
# The incubator the group serves; the coordinator serves every incubator, so a pitch for any
# area reaches someone in the playground (the group, or the coordinator's private chat).
GROUP_INCUBATOR = "soder"
FIRST_NEW_RESIDENT_ID = 7100
MAX_NAME_LENGTH = 64


@dataclass(frozen=True)
class Persona:
    """One chat on the page. `speakers` are the user ids who may write in it."""

    chat_id: int
    title: str
    kind: str  # "private", "group" or "channel"
    role: str
    language: str | None = None
    speakers: tuple[int, ...] = ()


RESIDENTS: tuple[tuple[int, str, str], ...] = (
    (7011, "Karin", "sv"),
    (7012, "James", "en"),
    (7013, "Lucía", "es"),
    (7014, "أمل", "ar"),
)


def default_personas() -> list[Persona]:
    """The chats a fresh playground shows, in the order of the page."""
    people = [
        Persona(user_id, name, "private", "resident", language, (user_id,))
        for user_id, name, language in RESIDENTS
    ]
    people.append(
        Persona(COORDINATOR_ID, "Sara", "private", "coordinator", "sv", (COORDINATOR_ID,))
    )
    people.append(Persona(ADMIN_ID, "Alma", "private", "admin", "en", (ADMIN_ID,)))
    people.append(
        Persona(
            GROUP_ID,
            "Inkubatorn Söder – coordinators",
            "group",
            "group",
            speakers=(COORDINATOR_ID, ADMIN_ID),
        )
    )
    people.append(Persona(CHANNEL_ID, "Malmöandan – announcements", "channel", "channel"))
    return people


def read_new_resident(name: object, language: object) -> tuple[str, str]:
    """A new resident's name and language as typed on the page; ValueError says what is wrong."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("Give the resident a name.")
    name = " ".join(name.split())
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"A name has at most {MAX_NAME_LENGTH} characters.")
    if language not in SUPPORTED_LOCALES:
        raise ValueError(f"Choose one of the languages {', '.join(SUPPORTED_LOCALES)}.")
    return name, str(language)
