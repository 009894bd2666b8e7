"""retention: when a pitch closed and when its personal data was removed

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:36:44.602576
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A pitch accepted or declined before this revision closed when that decision was recorded in
# its history (a status change and its history entry are written in one transaction).
BACKFILL_CLOSED_AT = """
UPDATE pitches SET closed_at = COALESCE(
    (SELECT MAX(pitch_events.created_at) FROM pitch_events
     WHERE pitch_events.pitch_id = pitches.id AND pitch_events.kind IN ('accept', 'decline')),
    updated_at)
WHERE status IN ('accepted', 'declined')
"""


def upgrade() -> None:
    with op.batch_alter_table("pitches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_pitches_closed_at"), ["closed_at"], unique=False)
    op.execute(BACKFILL_CLOSED_AT)


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): copying the table, as batch mode would,
    # cannot drop it while its history and consent records refer to it.
    with op.batch_alter_table("pitches", schema=None, recreate="never") as batch_op:
        batch_op.drop_index(batch_op.f("ix_pitches_closed_at"))
        batch_op.drop_column("anonymised_at")
        batch_op.drop_column("closed_at")
