"""The store's tables at the newest migration (queries use these; migrations never do, so an
old revision stays exactly what it was)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

analyses = sa.Table(
    "analyses",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("progress", sa.Float, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("duration", sa.Float),
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("result", sa.JSON),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    sa.Column("waveform", sa.JSON),
)

compositions = sa.Table(
    "compositions",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("analysis_id", sa.String(32), sa.ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False),
    sa.Column("method", sa.String(8), nullable=False),
    sa.Column("root", sa.Integer, nullable=False),
    sa.Column("program", sa.Integer, nullable=False),
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
)

artifacts = sa.Table(
    "artifacts",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "composition_id", sa.String(32), sa.ForeignKey("compositions.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("method", sa.String(8)),
    sa.Column("path", sa.String(512), nullable=False),
    sa.Column("media_type", sa.String(64), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
)
