"""The result store: analyses (jobs and their timelines), compositions and artifacts' metadata
of the web app, and the results of ``emoscore batch --out DATABASE_URL``, in one database.

SQLite (WAL mode, so workers write progress while the server reads) by default; any
SQLAlchemy URL (``postgresql+psycopg://…``) works unchanged. Opening a store upgrades its
schema with the Alembic migrations shipped in :mod:`emoscore.store.migrations`, so a newer
emoscore opens an older database, and the web app and a batch can share one database file.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from emoscore.errors import ConfigError
from emoscore.store.schema import (
    BATCH_ERROR_COLUMNS,
    BATCH_SCHEMA,
    BATCH_TABLES,
    analyses,
    artifacts,
    batch_errors,
    batch_files,
    batch_results,
    compositions,
    metadata,
)
from emoscore.timeline import ROW_INDEX

if TYPE_CHECKING:  # pandas is imported where a frame is made: `import emoscore.store` stays light
    import pandas as pd

STATUSES = ("queued", "running", "done", "failed")
MIGRATIONS = "emoscore.store:migrations"
#: the revision that creates the ``batch_*`` tables (an earlier emoscore made them without one)
BATCH_REVISION = "0003"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso_now() -> str:
    return _now().isoformat(timespec="seconds")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _utc(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we write is UTC.
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class AnalysisRecord:
    """One uploaded input and its recognition job; ``result`` is ``Timeline.to_dict()`` when done."""

    id: str
    status: str
    progress: float
    error: str | None
    filename: str
    sha256: str
    size: int
    duration: float | None
    options: Mapping[str, Any]
    created: datetime
    updated: datetime
    result: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ArtifactRecord:
    """A file written for a composition; ``path`` is relative to the server's data folder."""

    id: str
    composition_id: str
    kind: str
    method: str | None
    path: str
    media_type: str
    size: int
    created: datetime


@dataclass(frozen=True)
class CompositionRecord:
    """Interval sequences of one compose request and the files rendered from them."""

    id: str
    analysis_id: str
    method: str
    root: int
    program: int
    document: Mapping[str, Any]
    created: datetime
    artifacts: tuple[ArtifactRecord, ...] = field(default_factory=tuple)


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def make_engine(url: str, *, option: str = "--db") -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a generous busy timeout.
    ``option`` is where the URL came from, for the one-line errors."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise ConfigError(
            f"{option} {url!r}: not a database URL (e.g. sqlite:///path.db, postgresql://…)"
        ) from None
    where = f"{option} {parsed.render_as_string()}"
    if parsed.get_backend_name() != "sqlite":
        try:
            return sa.create_engine(parsed, pool_pre_ping=True)
        except (ImportError, sa.exc.NoSuchModuleError) as exc:
            raise ConfigError(f"{where}: database driver missing ({_first_line(exc)})") from None
    if parsed.database and parsed.database != ":memory:":
        try:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"{where}: cannot create the database's folder ({exc.strerror})") from None
    engine = sa.create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


class Store:
    """Analyses, compositions and artifacts of the web app, and batch results, in one database.

    ``option`` names where ``url`` came from (``--db``, ``--out``) in the one-line errors of
    opening: an unusable URL or database, tables an earlier emoscore made without migrations.

    >>> store = Store("sqlite://")
    >>> rec = store.create_analysis(filename="a.wav", sha256="0" * 64, size=10, duration=1.0, options={})
    >>> store.get_analysis(rec.id).status
    'queued'
    """

    def __init__(self, url: str, *, migrate: bool = True, option: str = "--db"):
        self.url = url
        self.engine = make_engine(url, option=option)
        #: the URL without its password, for messages
        self.location = self.engine.url.render_as_string(hide_password=True)
        self._where = f"{option} {self.location}"
        if migrate:
            try:
                self.upgrade()
            except sa.exc.DBAPIError as exc:
                self.close()
                reason = _first_line(exc.orig or exc)
                raise ConfigError(f"{self._where}: cannot open the database ({reason})") from None
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        self.engine.dispose()

    # -- schema -------------------------------------------------------------------------------
    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` (the newest by default), after checking that no
        table it would create is already there."""
        try:
            from alembic import command
        except ImportError:
            raise ConfigError(f"{self._where}: the SQL store needs alembic (pip install alembic)") from None

        with self.engine.begin() as conn:
            self._refuse_unmigrated_tables(conn)
            command.upgrade(alembic_config(conn), revision)

    def _refuse_unmigrated_tables(self, conn: Connection) -> None:
        # An earlier emoscore's batch created batch_* with create_all, into a database that had
        # no schema version or one before BATCH_REVISION; migrating would stop at "table exists".
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory
        from alembic.script.revision import RevisionError

        current = MigrationContext.configure(conn).get_current_revision()
        present = set(sa.inspect(conn).get_table_names())
        if current is None:
            stray = present & set(metadata.tables)
        else:
            script = ScriptDirectory.from_config(alembic_config())
            try:
                applied = {s.revision for s in script.iterate_revisions(current, "base")}
            except RevisionError:
                raise ConfigError(
                    f"{self._where}: schema revision {current} is newer than this emoscore; "
                    "upgrade emoscore to open it"
                ) from None
            stray = set() if BATCH_REVISION in applied else present & set(BATCH_TABLES)
        if stray:
            again = " (run the batch again to recompute their results)" if stray <= set(BATCH_TABLES) else ""
            raise ConfigError(
                f"{self._where}: tables {', '.join(sorted(stray))} were created by an earlier emoscore "
                f"without migrations; drop or rename them{again}, or use another database"
            )

    def revision(self) -> str | None:
        """The schema revision the database is at."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # -- analyses -----------------------------------------------------------------------------
    def create_analysis(
        self, *, filename: str, sha256: str, size: int, duration: float | None, options: Mapping[str, Any]
    ) -> AnalysisRecord:
        now = _now()
        row = {
            "id": new_id(),
            "status": "queued",
            "progress": 0.0,
            "error": None,
            "filename": filename,
            "sha256": sha256,
            "size": int(size),
            "duration": duration,
            "options": dict(options),
            "result": None,
            "created": now,
            "updated": now,
        }
        with self._tx() as conn:
            conn.execute(analyses.insert().values(**row))
        return _analysis(row)

    def get_analysis(self, analysis_id: str, *, with_result: bool = True) -> AnalysisRecord | None:
        cols = _analysis_columns(with_result)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*cols).where(analyses.c.id == analysis_id)).mappings().first()
        return _analysis(row) if row else None

    def list_analyses(self, *, limit: int = 20, offset: int = 0) -> tuple[list[AnalysisRecord], int]:
        """Newest first, without results (they can be large); and the total count."""
        q = sa.select(*_analysis_columns(False)).order_by(analyses.c.created.desc(), analyses.c.id)
        with self.engine.connect() as conn:
            rows = conn.execute(q.limit(limit).offset(offset)).mappings().all()
            total = conn.execute(sa.select(sa.func.count()).select_from(analyses)).scalar_one()
        return [_analysis(r) for r in rows], int(total)

    def _update(self, analysis_id: str, *, only_active: bool = False, **values: Any) -> bool:
        q = analyses.update().where(analyses.c.id == analysis_id)
        if only_active:
            q = q.where(analyses.c.status.in_(("queued", "running")))
        with self._tx() as conn:
            return conn.execute(q.values(updated=_now(), **values)).rowcount > 0

    def set_progress(self, analysis_id: str, progress: float) -> bool:
        """Mark the job running with ``progress`` in [0, 1]; False when it is no longer queued
        or running (deleted, failed meanwhile): its worker should stop."""
        p = min(1.0, max(0.0, float(progress)))
        return self._update(analysis_id, only_active=True, status="running", progress=p)

    def finish(
        self, analysis_id: str, result: Mapping[str, Any], *, waveform: Sequence[float] | None = None
    ) -> bool:
        """Store the result of a queued or running job; a job that was failed (by a restarted
        server) or deleted meanwhile is left as it is (False)."""
        return self._update(
            analysis_id,
            only_active=True,
            status="done",
            progress=1.0,
            error=None,
            result=dict(result),
            waveform=list(waveform) if waveform is not None else None,
        )

    def fail(self, analysis_id: str, message: str) -> bool:
        """Mark a queued or running job failed; a finished one is left as it is."""
        return self._update(analysis_id, only_active=True, status="failed", error=message)

    def waveform(self, analysis_id: str) -> list[float] | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(analyses.c.waveform).where(analyses.c.id == analysis_id)).scalar()

    def count_active(self) -> int:
        q = (
            sa.select(sa.func.count())
            .select_from(analyses)
            .where(analyses.c.status.in_(("queued", "running")))
        )
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def count_uses(self, sha256: str) -> int:
        """How many analyses hold the upload with this content hash."""
        q = sa.select(sa.func.count()).select_from(analyses).where(analyses.c.sha256 == sha256)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def recover(self, message: str) -> list[str]:
        """After a restart: fail the jobs that were running (their worker is gone) and return the
        ids of queued ones, oldest first, so they can be queued again."""
        with self._tx() as conn:
            conn.execute(
                analyses.update()
                .where(analyses.c.status == "running")
                .values(status="failed", error=message, updated=_now())
            )
            q = sa.select(analyses.c.id).where(analyses.c.status == "queued").order_by(analyses.c.created)
            return list(conn.execute(q).scalars())

    def delete_analysis(self, analysis_id: str) -> list[str] | None:
        """Delete an analysis with its compositions; the artifact paths to remove, or None if unknown."""
        with self._tx() as conn:
            comp_ids = sa.select(compositions.c.id).where(compositions.c.analysis_id == analysis_id)
            paths = list(
                conn.execute(
                    sa.select(artifacts.c.path).where(artifacts.c.composition_id.in_(comp_ids))
                ).scalars()
            )
            conn.execute(artifacts.delete().where(artifacts.c.composition_id.in_(comp_ids)))
            conn.execute(compositions.delete().where(compositions.c.analysis_id == analysis_id))
            if conn.execute(analyses.delete().where(analyses.c.id == analysis_id)).rowcount == 0:
                return None
        return paths

    # -- compositions and artifacts -----------------------------------------------------------
    def add_composition(
        self,
        analysis_id: str,
        *,
        method: str,
        root: int,
        program: int,
        document: Mapping[str, Any],
        files: Sequence[Mapping[str, Any]],
        composition_id: str | None = None,
    ) -> CompositionRecord:
        """Record a composition and its files (each: kind, method, path, media_type, size)."""
        now = _now()
        comp: dict[str, Any] = {
            "id": composition_id or new_id(),
            "analysis_id": analysis_id,
            "method": method,
            "root": int(root),
            "program": int(program),
            "document": dict(document),
            "created": now,
        }
        arts = [
            {
                "id": new_id(),
                "composition_id": comp["id"],
                "kind": f["kind"],
                "method": f.get("method"),
                "path": str(f["path"]),
                "media_type": f["media_type"],
                "size": int(f["size"]),
                "created": now,
            }
            for f in files
        ]
        with self._tx() as conn:
            conn.execute(compositions.insert().values(**comp))
            if arts:
                conn.execute(artifacts.insert(), arts)
        return CompositionRecord(
            **{**comp, "created": now}, artifacts=tuple(ArtifactRecord(**a) for a in arts)
        )

    def compositions_for(self, analysis_id: str) -> list[CompositionRecord]:
        """Oldest first, each with its artifacts."""
        with self.engine.connect() as conn:
            comps = (
                conn.execute(
                    sa.select(compositions)
                    .where(compositions.c.analysis_id == analysis_id)
                    .order_by(compositions.c.created, compositions.c.id)
                )
                .mappings()
                .all()
            )
            ids = [c["id"] for c in comps]
            arts = (
                conn.execute(
                    sa.select(artifacts).where(artifacts.c.composition_id.in_(ids)).order_by(artifacts.c.kind)
                )
                .mappings()
                .all()
                if ids
                else []
            )
        by_comp: dict[str, list[ArtifactRecord]] = {}
        for a in arts:
            by_comp.setdefault(a["composition_id"], []).append(_artifact(a))
        return [
            CompositionRecord(
                **{**dict(c), "created": _utc(c["created"])}, artifacts=tuple(by_comp.get(c["id"], []))
            )
            for c in comps
        ]

    def analysis_of(self, composition_id: str) -> str | None:
        """The id of the analysis a composition belongs to."""
        q = sa.select(compositions.c.analysis_id).where(compositions.c.id == composition_id)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar()

    def get_artifact(self, artifact_id: str) -> ArtifactRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(artifacts).where(artifacts.c.id == artifact_id)).mappings().first()
        return _artifact(row) if row else None

    # -- batch results ------------------------------------------------------------------------
    def batch_done_keys(self) -> dict[str, tuple[str, str]]:
        """Every finished batch file: file → (content hash, settings key), what resume compares."""
        q = sa.select(batch_files.c.file, batch_files.c.content_hash, batch_files.c.settings_key)
        with self.engine.connect() as conn:
            return {r.file: (r.content_hash, r.settings_key) for r in conn.execute(q)}

    def commit_batch_file(
        self,
        file: str,
        *,
        content_hash: str,
        settings_key: str,
        model_name: str,
        model_version: str,
        duration: float,
        rows: Sequence[Mapping[str, Any]],
    ) -> None:
        """Replace the file's windows (:data:`~emoscore.store.schema.BATCH_SCHEMA` rows), its
        finished-file row and its error in one transaction: readers see all of it or none."""
        if any(r["file"] != file for r in rows):
            raise ValueError(f"{file}: rows of another file given to commit_batch_file")
        with self._tx() as conn:
            for table in (batch_results, batch_files, batch_errors):
                conn.execute(table.delete().where(table.c.file == file))
            if rows:
                conn.execute(batch_results.insert(), [{c: r.get(c) for c in BATCH_SCHEMA} for r in rows])
            conn.execute(
                batch_files.insert().values(
                    file=file,
                    content_hash=content_hash,
                    model_name=model_name,
                    model_version=model_version,
                    settings_key=settings_key,
                    duration=float(duration),
                    windows=len(rows),
                    finished_at=_iso_now(),
                )
            )

    def record_batch_error(
        self,
        file: str,
        message: str,
        *,
        content_hash: str | None = None,
        model_name: str = "",
        model_version: str = "",
    ) -> None:
        """Record why ``file`` failed, replacing an earlier failure (its results, if any, stay)."""
        with self._tx() as conn:
            conn.execute(batch_errors.delete().where(batch_errors.c.file == file))
            conn.execute(
                batch_errors.insert().values(
                    file=file,
                    content_hash=content_hash,
                    model_name=model_name,
                    model_version=model_version,
                    message=message,
                    failed_at=_iso_now(),
                )
            )

    def read_batch_results(self) -> pd.DataFrame:
        """Every committed batch window, as :func:`batch_results_frame` gives it."""
        import pandas as pd

        q = sa.select(*(batch_results.c[c] for c in BATCH_SCHEMA)).order_by(batch_results.c.id)
        with self.engine.connect() as conn:
            return batch_results_frame(pd.read_sql(q, conn))

    def read_batch_errors(self) -> pd.DataFrame:
        """Every recorded batch failure, as :func:`batch_errors_frame` gives it."""
        import pandas as pd

        with self.engine.connect() as conn:
            return batch_errors_frame(pd.read_sql(sa.select(batch_errors), conn))


def batch_results_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Batch rows as read from SQL or Parquet, made alike: the columns of
    :data:`~emoscore.store.schema.BATCH_SCHEMA` (floats as float64, text as objects with
    ``None``), indexed by (file, start, end) and sorted by it."""
    return _typed(frame, BATCH_SCHEMA).set_index(list(ROW_INDEX)).sort_index()


def batch_errors_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Batch failures as read from SQL or Parquet, made alike: the columns
    :data:`~emoscore.store.schema.BATCH_ERROR_COLUMNS` as text, sorted by file."""
    typed = _typed(frame, dict.fromkeys(BATCH_ERROR_COLUMNS, str))
    return typed.sort_values("file", kind="stable").reset_index(drop=True)


def _typed(frame: pd.DataFrame, schema: Mapping[str, type]) -> pd.DataFrame:
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    for col, kind in schema.items():
        if kind is float:
            out[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        else:
            values = frame[col].astype("object")
            out[col] = values.where(values.notna(), None)
    return out


def _analysis_columns(with_result: bool) -> list[sa.Column]:
    cols = [c for c in analyses.c if c.name not in ("result", "waveform")]
    return [*cols, analyses.c.result] if with_result else cols


def _analysis(row: Mapping[str, Any] | RowMapping) -> AnalysisRecord:
    d = {k: row[k] for k in AnalysisRecord.__dataclass_fields__ if k in row}
    d["created"], d["updated"] = _utc(row["created"]), _utc(row["updated"])
    d.setdefault("result", None)
    return AnalysisRecord(**d)


def _artifact(row: Mapping[str, Any] | RowMapping) -> ArtifactRecord:
    return ArtifactRecord(**{**dict(row), "created": _utc(row["created"])})
