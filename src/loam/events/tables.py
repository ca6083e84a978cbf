"""The registry's catalog tables, as migration events_0001 creates them."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# One row per event: its identity and, denormalised from the newest version, what lists show.
event_definitions = sa.Table(
    "events_definitions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(300), nullable=False, unique=True),
    sa.Column("current_version", sa.String(40), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("service", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("tier", sa.String(20), nullable=False),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
)

# Immutable: rows are inserted, never updated or deleted.
event_versions = sa.Table(
    "events_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "event_id",
        sa.Integer,
        sa.ForeignKey("events_definitions.id", ondelete="RESTRICT"),
        nullable=False,
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
