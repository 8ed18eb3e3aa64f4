"""Words in batch results: ``batch_results.text`` (the words heard in the window when the batch
made transcripts, ``emoscore batch --transcript``; null otherwise).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batch_results") as batch:
        batch.add_column(sa.Column("text", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batch_results") as batch:
        batch.drop_column("text")
