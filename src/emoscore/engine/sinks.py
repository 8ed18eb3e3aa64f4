"""Where batch results go: a Parquet dataset folder or SQL tables, committed one file at a time.

Both sinks hold one row per analysis window (:data:`RESULT_COLUMNS`) and one row per failed
input (:data:`ERROR_COLUMNS`). A file's rows appear all at once or not at all, so a crash or
Ctrl-C loses at most the files in flight and a resumed run finds a consistent output:

* **Parquet** (``RESULTS.parquet`` is a folder, which pandas/pyarrow read as one table): each
  file's windows are one part file ``part-<path key>-<result key>.parquet``, written under a
  hidden temporary name and renamed into place. Failures are part files under ``_errors/``;
  readers skip names starting with ``_`` or ``.``. A lock file stops two runs writing at once.
* **SQL** (any SQLAlchemy URL, e.g. the web app's database): the ``batch_results``,
  ``batch_files`` and ``batch_errors`` tables of the one :class:`~emoscore.store.Store`, whose
  migrations create them; each file is one transaction.

Only the batch driver writes; workers return results to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from emoscore.engine.task import FileResult
from emoscore.errors import ConfigError
from emoscore.store import (
    BATCH_ERROR_COLUMNS,
    BATCH_SCHEMA,
    Store,
    batch_errors_frame,
    batch_results_frame,
)

#: the columns of a batch row (:data:`~emoscore.store.schema.BATCH_SCHEMA`: the one segment row
#: schema plus ``content_hash`` and ``settings_key``)
RESULT_COLUMNS: tuple[str, ...] = tuple(BATCH_SCHEMA)
ERROR_COLUMNS: tuple[str, ...] = BATCH_ERROR_COLUMNS
MARKER = "_emoscore_batch.json"
FORMAT = 2


def path_key(file: str) -> str:
    return hashlib.sha256(file.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def result_key(content_hash: str, settings_key: str) -> str:
    """Identity of one analysis: the same bytes with the same settings and model versions.

    >>> result_key("ab", "k1") == result_key("ab", "k1") != result_key("ab", "k2")
    True
    """
    return hashlib.sha256(f"{content_hash}\0{settings_key}".encode()).hexdigest()[:20]


def result_rows(result: FileResult) -> list[dict[str, Any]]:
    """The file's timeline rows (:data:`BATCH_SCHEMA`), one per window."""
    assert result.timeline is not None
    return [
        {**row, "content_hash": result.content_hash, "settings_key": result.settings_key}
        for row in result.timeline.to_rows()
    ]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ResultSink(Protocol):
    """What the batch driver needs from an output."""

    location: str
    errors_location: str

    def has_result(self, file: str) -> bool: ...

    def is_done(self, file: str, content_hash: str, settings_key: str) -> bool: ...

    def commit(self, result: FileResult) -> None: ...

    def record_error(
        self,
        file: str,
        message: str,
        *,
        content_hash: str | None = None,
        model_name: str = "",
        model_version: str = "",
    ) -> None: ...

    def close(self) -> None: ...


def is_database_url(out: str) -> bool:
    """``dialect[+driver]://…`` is a database; anything else is a path.

    >>> is_database_url("sqlite:///x.db"), is_database_url("res.parquet")
    (True, False)
    """
    head, sep, _ = str(out).partition("://")
    return bool(sep) and head.replace("+", "").replace("_", "").isalnum()


def open_sink(out: str | Path) -> ResultSink:
    """Open (creating if needed) the output and check it is writable, before any work starts."""
    text = str(out)
    if is_database_url(text):
        return SqlSink(text)
    if not text.lower().endswith(".parquet"):
        raise ConfigError(
            f"{text}: --out must be a .parquet path or a database URL (e.g. sqlite:///results.db)"
        )
    return ParquetSink(text)


class ParquetSink:
    """A folder of Parquet part files, one per input file, plus ``_errors/``."""

    def __init__(self, path: str | Path):
        import fcntl

        self.root = Path(path)
        self.location = str(self.root)
        self.errors_dir = self.root / "_errors"
        self.errors_location = str(self.errors_dir)
        if self.root.exists() and not self.root.is_dir():
            raise ConfigError(
                f"{self.root}: exists and is a file; batch Parquet output is a folder "
                "(pandas.read_parquet reads it as one table); choose a new path"
            )
        if self.root.is_dir() and any(self.root.iterdir()) and not (self.root / MARKER).exists():
            raise ConfigError(f"{self.root}: exists and is not an emoscore batch output; choose a new path")
        try:
            self.errors_dir.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.root / "_lock", "a+")  # held until close()
        except OSError as exc:
            raise ConfigError(f"{self.root}: cannot write results ({exc.strerror})") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise ConfigError(f"{self.root}: another batch is writing to this output") from None
        try:
            marker = self.root / MARKER
            if marker.exists() and json.loads(marker.read_text() or "{}").get("format") != FORMAT:
                self.close()
                raise ConfigError(
                    f"{self.root}: written by an older emoscore (batch format "
                    f"{json.loads(marker.read_text()).get('format')}); choose a new path"
                )
            if not (self.root / MARKER).exists():
                self._write_atomic(
                    self.root / MARKER, json.dumps({"format": FORMAT, "created": _now()}).encode()
                )
            else:
                self._probe_writable()
        except OSError as exc:
            self.close()
            raise ConfigError(f"{self.root}: cannot write results ({exc.strerror})") from None
        for stale in [*self.root.glob(".*.tmp"), *self.errors_dir.glob(".*.tmp")]:
            stale.unlink(missing_ok=True)  # left by a killed run; we hold the lock, so nobody is writing them
        self._parts: dict[str, set[str]] = {}
        for part in self.root.glob("part-*.parquet"):
            pk, _, rk = part.stem.removeprefix("part-").partition("-")
            self._parts.setdefault(pk, set()).add(rk)

    def _probe_writable(self) -> None:
        probe = self.root / f".probe-{uuid.uuid4().hex}.tmp"
        probe.write_bytes(b"")
        probe.unlink()

    def _write_atomic(self, path: Path, data: bytes | None = None, table: Any = None) -> None:
        tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
        try:
            if table is not None:
                import pyarrow.parquet as pq

                pq.write_table(table, tmp)
            else:
                tmp.write_bytes(data or b"")
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def has_result(self, file: str) -> bool:
        return path_key(file) in self._parts

    def is_done(self, file: str, content_hash: str, settings_key: str) -> bool:
        pk, rk = path_key(file), result_key(content_hash, settings_key)
        if rk not in self._parts.get(pk, ()):
            return False
        self._prune(pk, rk)  # a crash between commit and prune may have left an older part
        return True

    def _prune(self, pk: str, keep: str) -> None:
        for rk in self._parts.get(pk, set()) - {keep}:
            (self.root / f"part-{pk}-{rk}.parquet").unlink(missing_ok=True)
        self._parts[pk] = {keep}

    def commit(self, result: FileResult) -> None:
        """Write the file's windows as one part, then drop older results and errors for the same file."""
        import pyarrow as pa

        assert result.ok and result.content_hash is not None
        pk, rk = path_key(result.file), result_key(result.content_hash, result.settings_key)
        table = pa.Table.from_pylist(result_rows(result), schema=result_schema())
        self._write_atomic(self.root / f"part-{pk}-{rk}.parquet", table=table)
        self._parts.setdefault(pk, set()).add(rk)
        self._prune(pk, rk)
        (self.errors_dir / f"{pk}.parquet").unlink(missing_ok=True)

    def record_error(
        self,
        file: str,
        message: str,
        *,
        content_hash: str | None = None,
        model_name: str = "",
        model_version: str = "",
    ) -> None:
        import pyarrow as pa

        row = {
            "file": file,
            "content_hash": content_hash,
            "model_name": model_name,
            "model_version": model_version,
            "message": message,
            "failed_at": _now(),
        }
        table = pa.Table.from_pylist([row], schema=error_schema())
        self._write_atomic(self.errors_dir / f"{path_key(file)}.parquet", table=table)

    def close(self) -> None:
        if not self._lock.closed:
            self._lock.close()  # closing releases the flock


def result_schema():  # noqa: ANN201 - pyarrow imported lazily so importing this module stays light
    import pyarrow as pa

    kinds = {float: pa.float64(), str: pa.string()}
    return pa.schema([(col, kinds[kind]) for col, kind in BATCH_SCHEMA.items()])


def error_schema():
    import pyarrow as pa

    return pa.schema([(c, pa.string()) for c in ERROR_COLUMNS])


class SqlSink:
    """The batch tables of the :class:`~emoscore.store.Store` at ``url`` (opening it migrates the
    schema, so this can be the web app's database)."""

    def __init__(self, url: str):
        self.store = Store(url, option="--out")
        self.location = self.store.location
        self.errors_location = f"{self.location} table batch_errors"
        self._done = {file: result_key(*key) for file, key in self.store.batch_done_keys().items()}

    def has_result(self, file: str) -> bool:
        return file in self._done

    def is_done(self, file: str, content_hash: str, settings_key: str) -> bool:
        return self._done.get(file) == result_key(content_hash, settings_key)

    def commit(self, result: FileResult) -> None:
        """Replace the file's windows, finished-file row and error row in one transaction."""
        assert result.ok and result.content_hash is not None
        self.store.commit_batch_file(
            result.file,
            content_hash=result.content_hash,
            settings_key=result.settings_key,
            model_name=result.model_name,
            model_version=result.model_version,
            duration=result.duration,
            rows=result_rows(result),
        )
        self._done[result.file] = result_key(result.content_hash, result.settings_key)

    def record_error(
        self,
        file: str,
        message: str,
        *,
        content_hash: str | None = None,
        model_name: str = "",
        model_version: str = "",
    ) -> None:
        self.store.record_batch_error(
            file, message, content_hash=content_hash, model_name=model_name, model_version=model_version
        )

    def close(self) -> None:
        self.store.close()


def read_results(out: str | Path) -> pd.DataFrame:
    """All committed windows of a batch output (Parquet folder or database URL): the frame
    :meth:`Timeline.to_frame() <emoscore.timeline.Timeline.to_frame>` gives, indexed by
    (file, start, end), plus ``content_hash`` and ``settings_key``; the same for both outputs."""
    text = str(out)
    if is_database_url(text):
        return _read_store(text, Store.read_batch_results)
    return batch_results_frame(_read_parquet(Path(text), RESULT_COLUMNS))


def read_errors(out: str | Path) -> pd.DataFrame:
    """The recorded failures of a batch output, columns :data:`ERROR_COLUMNS`, sorted by file."""
    text = str(out)
    if is_database_url(text):
        return _read_store(text, Store.read_batch_errors)
    return batch_errors_frame(_read_parquet(Path(text) / "_errors", ERROR_COLUMNS))


def _read_store(url: str, read: Callable[[Store], pd.DataFrame]) -> pd.DataFrame:
    store = Store(url, option="--out")
    try:
        return read(store)
    finally:
        store.close()


def _read_parquet(folder: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not any(folder.glob("*.parquet")):
        return pd.DataFrame(columns=list(columns))
    return pd.read_parquet(folder)
