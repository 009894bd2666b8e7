"""coordination: roles, bound chats, pitch history, audit log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:28:39.111858
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admins",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("granted_by", sa.BigInteger(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_actor_id"), ["actor_id"], unique=False)

    op.create_table(
        "group_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    op.create_table(
        "coordinators",
        sa.Column("incubator_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incubator_code"],
            ["incubators.code"],
        ),
        sa.PrimaryKeyConstraint("incubator_code", "user_id"),
    )
    op.create_table(
        "incubator_chats",
        sa.Column("incubator_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("bound_by", sa.BigInteger(), nullable=True),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incubator_code"],
            ["incubators.code"],
        ),
        sa.PrimaryKeyConstraint("incubator_code"),
        sa.UniqueConstraint("chat_id"),
    )
    op.create_table(
        "pitch_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pitch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pitch_id"],
            ["pitches.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pitch_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pitch_events_pitch_id"), ["pitch_id"], unique=False)

    op.create_table(
        "pitch_messages",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("pitch_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pitch_id"],
            ["pitches.id"],
        ),
        sa.PrimaryKeyConstraint("chat_id", "message_id"),
    )
    with op.batch_alter_table("pitch_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pitch_messages_pitch_id"), ["pitch_id"], unique=False)

    with op.batch_alter_table("pitches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("assignee_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_flagged_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("pitches", schema=None) as batch_op:
        batch_op.drop_column("last_flagged_at")
        batch_op.drop_column("assignee_name")
        batch_op.drop_column("assignee_id")

    with op.batch_alter_table("pitch_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pitch_messages_pitch_id"))

    op.drop_table("pitch_messages")
    with op.batch_alter_table("pitch_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pitch_events_pitch_id"))

    op.drop_table("pitch_events")
    op.drop_table("incubator_chats")
    op.drop_table("coordinators")
    op.drop_table("group_chats")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_actor_id"))

    op.drop_table("audit_log")
    op.drop_table("admins")
