"""the waiting list keeps the order in which answers were taken

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Those already waiting keep the order they had (by when they joined, then by id).
NUMBER_THOSE_WAITING = """
UPDATE event_rsvps SET waiting_number = (
    SELECT count(*) FROM event_rsvps AS earlier
    WHERE earlier.event_id = event_rsvps.event_id
      AND earlier.status = 'waiting'
      AND (
        earlier.updated_at < event_rsvps.updated_at
        OR (earlier.updated_at = event_rsvps.updated_at
            AND earlier.created_at < event_rsvps.created_at)
        OR (earlier.updated_at = event_rsvps.updated_at
            AND earlier.created_at = event_rsvps.created_at
            AND earlier.user_id <= event_rsvps.user_id)
      )
)
WHERE status = 'waiting'
"""


def upgrade() -> None:
    with op.batch_alter_table("event_rsvps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waiting_number", sa.Integer(), nullable=True))
    op.execute(NUMBER_THOSE_WAITING)


def downgrade() -> None:
    with op.batch_alter_table("event_rsvps", schema=None) as batch_op:
        batch_op.drop_column("waiting_number")
