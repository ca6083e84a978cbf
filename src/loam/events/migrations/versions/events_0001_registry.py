"""events: the event schema registry (definitions and immutable versions)

Revision ID: events_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "events_0001"
down_revision = None
branch_labels = ("events",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "events_definitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(300), nullable=False, unique=True),
        sa.Column("current_version", sa.String(40), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False, index=True),
        sa.Column("service", sa.String(200), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "events_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "event_id",
            sa.Integer,
            sa.ForeignKey("events_definitions.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
        ),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("model", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("addition", sa.Integer, nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("classification", sa.String(20), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("event_id", "version", name="uq_events_versions_event_version"),
    )


def downgrade() -> None:
    op.drop_table("events_versions")
    op.drop_table("events_definitions")
