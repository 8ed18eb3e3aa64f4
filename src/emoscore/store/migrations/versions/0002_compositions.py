"""Compositions (method A/B interval sequences) and their artifacts (MIDI, WAV, mix), and a
waveform overview per analysis for the page.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("waveform", sa.JSON, nullable=True))
    op.create_table(
        "compositions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "analysis_id", sa.String(32), sa.ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("root", sa.Integer, nullable=False),
        sa.Column("program", sa.Integer, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_compositions_analysis", "compositions", ["analysis_id"])
    op.create_table(
        "artifacts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "composition_id",
            sa.String(32),
            sa.ForeignKey("compositions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("method", sa.String(8), nullable=True),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_artifacts_composition", "artifacts", ["composition_id"])


def downgrade() -> None:
    op.drop_table("artifacts")
    op.drop_table("compositions")
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("waveform")
