"""Removing a pitch's personal data: the one way erasure (/forget, /erase, a withdrawn
consent) and the retention period both do it. No commits here.

What goes: who sent the pitch (name, phone, e-mail, the link to the person, also in its
consent records), their voice notes and photos (file ids), and the words of every question,
message and answer relayed about it, and of a decline's reason unless it is one of the
templates (a code, no one's words). The idea's own text goes only with `erase_text`
(ERASE_PITCH_TEXT). Theme, place, support, status and dates are not personal and stay.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConsentRecord, Pitch, PitchEvent

# History entries whose detail is always someone's words (a question, a message, an answer).
RELAYED_TEXT_KINDS: tuple[str, ...] = ("ask", "message", "reply")
# ... and those whose detail is someone's words unless it is one of the template codes.
CODED_TEXT_KIND = "decline"
# What stands in for the idea's own text when the city removes it too (ERASE_PITCH_TEXT).
ERASED_TEXT = "–"


def anonymised_pitch_values(*, erase_text: bool, now: datetime) -> dict[str, object]:
    """What a pitch's columns become when its personal data goes."""
    values: dict[str, object] = {
        "user_id": None,
        "submitter_name": None,
        "contact_phone": None,
        "contact_email": None,
        "media": [],
        "anonymised_at": now,
        "updated_at": now,
    }
    if erase_text:
        values.update(title=ERASED_TEXT, need=ERASED_TEXT, idea_text=None)
    return values


@dataclass(frozen=True, slots=True)
class Anonymised:
    """Which pitches lost their personal data, and how many history entries their words."""

    pitch_ids: tuple[int, ...]
    relayed_texts: int


async def anonymise_pitches(
    session: AsyncSession,
    pitch_ids: Sequence[int],
    *,
    erase_text: bool,
    template_reasons: Collection[str],
    now: datetime,
    extra: dict[str, object] | None = None,
) -> Anonymised:
    """Remove the personal data of those of the pitches not anonymised yet (once each, in
    one conditional UPDATE, with `extra` columns set too). Their relayed words and consent
    links go with them."""
    if not pitch_ids:
        return Anonymised((), 0)
    changed = (
        (
            await session.execute(
                update(Pitch)
                .where(Pitch.id.in_(list(pitch_ids)), Pitch.anonymised_at.is_(None))  # type: ignore[union-attr]
                .values(**anonymised_pitch_values(erase_text=erase_text, now=now), **(extra or {}))
                .returning(Pitch.id)  # type: ignore[arg-type]
                .execution_options(synchronize_session=False)
            )
        )
        .scalars()
        .all()
    )
    texts = await clear_relayed_texts(session, changed, template_reasons=template_reasons)
    await cut_consent_links(session, changed)
    return Anonymised(tuple(changed), texts)


async def clear_relayed_texts(
    session: AsyncSession, pitch_ids: Sequence[int], *, template_reasons: Collection[str]
) -> int:
    """Remove the words in the pitches' history (the entries stay); how many had some."""
    if not pitch_ids:
        return 0
    written_reason = and_(
        PitchEvent.kind == CODED_TEXT_KIND,  # type: ignore[arg-type]
        PitchEvent.detail.not_in(list(template_reasons)),  # type: ignore[union-attr]
    )
    result = await session.execute(
        update(PitchEvent)
        .where(
            PitchEvent.pitch_id.in_(list(pitch_ids)),  # type: ignore[attr-defined]
            or_(PitchEvent.kind.in_(RELAYED_TEXT_KINDS), written_reason),  # type: ignore[attr-defined]
            PitchEvent.detail.is_not(None),  # type: ignore[union-attr]
        )
        .values(detail=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def cut_consent_links(session: AsyncSession, pitch_ids: Sequence[int]) -> int:
    """The pitches' consent records keep their versions and dates, not who gave them."""
    if not pitch_ids:
        return 0
    result = await session.execute(
        update(ConsentRecord)
        .where(
            ConsentRecord.pitch_id.in_(list(pitch_ids)),  # type: ignore[attr-defined]
            ConsentRecord.user_id.is_not(None),  # type: ignore[union-attr]
        )
        .values(user_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
