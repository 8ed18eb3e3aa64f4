"""Persistent store of analyses (jobs and timelines), compositions and artifacts, and batch
results (SQLAlchemy + Alembic migrations; SQLite in WAL mode by default)."""

from emoscore.store.schema import BATCH_ERROR_COLUMNS, BATCH_SCHEMA
from emoscore.store.store import (
    STATUSES,
    AnalysisRecord,
    ArtifactRecord,
    CompositionRecord,
    Store,
    alembic_config,
    batch_errors_frame,
    batch_results_frame,
    make_engine,
    sqlite_url,
)

__all__ = [
    "BATCH_ERROR_COLUMNS",
    "BATCH_SCHEMA",
    "STATUSES",
    "AnalysisRecord",
    "ArtifactRecord",
    "CompositionRecord",
    "Store",
    "alembic_config",
    "batch_errors_frame",
    "batch_results_frame",
    "make_engine",
    "sqlite_url",
]
