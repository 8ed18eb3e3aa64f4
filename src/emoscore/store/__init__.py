"""Persistent store of analyses (jobs and timelines), compositions and artifacts (SQLAlchemy +
Alembic migrations; SQLite in WAL mode by default)."""

from emoscore.store.store import (
    STATUSES,
    AnalysisRecord,
    ArtifactRecord,
    CompositionRecord,
    Store,
    alembic_config,
    make_engine,
    sqlite_url,
)

__all__ = [
    "STATUSES",
    "AnalysisRecord",
    "ArtifactRecord",
    "CompositionRecord",
    "Store",
    "alembic_config",
    "make_engine",
    "sqlite_url",
]
