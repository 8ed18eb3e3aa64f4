"""Batch results (``emoscore batch --out DATABASE_URL``): one row per analysis window, one per
finished file (what ``--resume`` reads) and one per failed file.

``batch_results`` holds the segment row schema of this revision (``emoscore.timeline.ROW_SCHEMA``)
plus ``content_hash`` and ``settings_key``, written out here so this revision never changes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("start", sa.Float, nullable=False),
        sa.Column("end", sa.Float, nullable=False),
        sa.Column("domain", sa.Text, nullable=True),
        sa.Column("emotion", sa.Text, nullable=True),
        sa.Column("confidence", sa.Float, nullable=True),
        sa.Column("valence", sa.Float, nullable=True),
        sa.Column("arousal", sa.Float, nullable=True),
        sa.Column("dominance", sa.Float, nullable=True),
        sa.Column("voiced", sa.Float, nullable=True),
        sa.Column("quadrant", sa.Text, nullable=True),
        sa.Column("va_model", sa.Text, nullable=True),
        sa.Column("model_name", sa.Text, nullable=True),
        sa.Column("model_version", sa.Text, nullable=True),
        sa.Column("probabilities", sa.Text, nullable=True),
        sa.Column("content_hash", sa.Text, nullable=True),
        sa.Column("settings_key", sa.Text, nullable=True),
    )
    op.create_index("ix_batch_results_file", "batch_results", ["file"])
    op.create_table(
        "batch_files",
        sa.Column("file", sa.String(1024), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("model_name", sa.String(128), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("settings_key", sa.String(32), nullable=False),
        sa.Column("duration", sa.Float, nullable=False),
        sa.Column("windows", sa.Integer, nullable=False),
        sa.Column("finished_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "batch_errors",
        sa.Column("file", sa.String(1024), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("model_name", sa.String(128), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("failed_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("batch_errors")
    op.drop_table("batch_files")
    op.drop_index("ix_batch_results_file", table_name="batch_results")
    op.drop_table("batch_results")
