"""The store's tables at the newest migration: queries use these; migrations never do, so an
old revision stays exactly what it was (tests/store/test_migrations.py checks that the
migrations build exactly these tables)."""

from __future__ import annotations

import sqlalchemy as sa

from emoscore.timeline import ROW_INDEX, ROW_SCHEMA

#: a batch result row, in Parquet and SQL alike: the one segment row schema
#: (:data:`~emoscore.timeline.ROW_SCHEMA`) plus the identity of the analysis (content hash of
#: the input; key of the analysis settings and model versions)
BATCH_SCHEMA: dict[str, type] = {**ROW_SCHEMA, "content_hash": str, "settings_key": str}
_SQL_TYPES: dict[type, type[sa.types.TypeEngine]] = {float: sa.Float, str: sa.Text}

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
    sa.Index("ix_analyses_created", "created"),
    sa.Index("ix_analyses_status", "status"),
    sa.Index("ix_analyses_sha256", "sha256"),
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
    sa.Index("ix_compositions_analysis", "analysis_id"),
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
    sa.Index("ix_artifacts_composition", "composition_id"),
)

# -- batch results (revision 0003) ------------------------------------------------------------
# `emoscore batch --out DATABASE_URL`: one row per analysis window, one per finished file (what
# resume reads), one per failed file. Times are ISO-8601 UTC text, as in the Parquet output.

batch_results = sa.Table(
    "batch_results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    *(sa.Column(col, _SQL_TYPES[kind], nullable=col not in ROW_INDEX) for col, kind in BATCH_SCHEMA.items()),
    sa.Index("ix_batch_results_file", "file"),
)

batch_files = sa.Table(
    "batch_files",
    metadata,
    sa.Column("file", sa.String(1024), primary_key=True),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("model_name", sa.String(128), nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False),
    sa.Column("settings_key", sa.String(32), nullable=False),
    sa.Column("duration", sa.Float, nullable=False),
    sa.Column("windows", sa.Integer, nullable=False),
    sa.Column("finished_at", sa.String(32), nullable=False),
)

batch_errors = sa.Table(
    "batch_errors",
    metadata,
    sa.Column("file", sa.String(1024), primary_key=True),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("model_name", sa.String(128), nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("failed_at", sa.String(32), nullable=False),
)

#: the columns of a recorded batch failure (``batch_errors``, and the Parquet ``_errors/`` parts)
BATCH_ERROR_COLUMNS: tuple[str, ...] = tuple(batch_errors.c.keys())
BATCH_TABLES: tuple[str, ...] = ("batch_results", "batch_files", "batch_errors")
