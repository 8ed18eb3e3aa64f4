"""Recognition jobs in a pool of worker processes, so the server answers while files are analysed.

Each worker process loads a model once and keeps it for the jobs after; it writes progress,
the result or the failure straight into the store, so a job's state survives the server and
the page can poll it. A worker that dies takes only its own job down (marked failed).

Workers exit within half a second when the server process is gone (killed, out of memory), and
the store takes a worker's progress, result or failure only while the job is still queued or
running: a job the restarted server marked failed, or one deleted meanwhile, stays as it is and
its worker stops at its next progress write. The duration limit is enforced as the audio is
decoded, so a container that states no duration (or a false one) cannot hold a worker longer.
Compositions run in a second, one-process pool of their own, at most ``max_compose`` waiting,
and identical requests in flight share one job.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from emoscore.errors import AudioError, EmoscoreError
from emoscore.recognize.settings import AnalysisSettings
from emoscore.store import CompositionRecord, Store
from emoscore.web.config import ServerConfig

if TYPE_CHECKING:
    from emoscore.recognize import RecognizerCache

log = logging.getLogger("emoscore.web")

WAVEFORM_BINS = 1200
WAVEFORM_RATE = 8_000
PROGRESS_EVERY = 0.25  # seconds between progress writes


@dataclass(frozen=True)
class AnalysisTask:
    """Everything a worker needs; plain data so it pickles into another process."""

    db_url: str
    analysis_id: str
    audio_path: str
    filename: str
    settings: AnalysisSettings
    duration: float | None
    max_duration: float | None = None


class JobGone(Exception):
    """The job is no longer queued or running (deleted, or failed by a restarted server)."""


class ServerBusy(EmoscoreError):
    """Too many jobs of one kind are waiting."""


@dataclass(frozen=True)
class ComposeTask:
    """One composition request, as plain data for a worker."""

    config: ServerConfig
    analysis_id: str
    options: Mapping[str, Any] = field(default_factory=dict)


@functools.lru_cache(maxsize=1)
def _recognizers() -> RecognizerCache:
    # one per worker process: each model is loaded once and reused by every later job
    from emoscore.recognize import RecognizerCache

    return RecognizerCache()


@functools.lru_cache(maxsize=2)
def _store(db_url: str) -> Store:
    return Store(db_url, migrate=False)


def waveform_peaks(path: str | Path, bins: int = WAVEFORM_BINS) -> list[float]:
    """Peak level per bin of the whole input, for drawing its waveform.

    >>> import soundfile as sf, tempfile, os
    >>> tmp = os.path.join(tempfile.mkdtemp(), "t.wav")
    >>> sf.write(tmp, np.r_[np.zeros(16000), 0.5 * np.sin(np.arange(16000) / 5)], 16000)
    >>> p = waveform_peaks(tmp, bins=4)
    >>> p[0], 0.45 < p[-1] < 0.55
    (0.0, True)
    """
    from emoscore.audio import load_audio

    y = np.abs(load_audio(path, sample_rate=WAVEFORM_RATE).samples)
    if len(y) == 0:
        return []
    edges = np.linspace(0, len(y), min(bins, len(y)) + 1).astype(int)
    return [round(float(y[a:b].max()), 4) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _message(exc: BaseException, task: AnalysisTask) -> str:
    # the client knows its file by its own name, not by our content-hash path
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text.replace(task.audio_path, task.filename)
    if isinstance(exc, EmoscoreError):
        return text
    return f"internal error: {type(exc).__name__}: {text}".rstrip(": ")


def run_analysis(task: AnalysisTask) -> str:
    """Analyse one upload (in a worker process) with the library's one analysis call and record
    the outcome; returns the status."""
    from emoscore.recognize import analyze

    store = _store(task.db_url)
    try:
        if not store.set_progress(task.analysis_id, 0.0):
            raise JobGone(task.analysis_id)
        last = time.monotonic()

        def progress(seconds_done: float) -> None:
            nonlocal last
            if task.max_duration is not None and seconds_done > task.max_duration + task.settings.window:
                raise AudioError(
                    f"{task.filename}: longer than this server's limit of {task.max_duration:g} s "
                    "(found while decoding: its header states no or a false duration)"
                )
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY:
                done = 0.95 * seconds_done / task.duration if task.duration else 0.0
                if not store.set_progress(task.analysis_id, done):
                    raise JobGone(task.analysis_id)
                last = now

        timeline = analyze(task.audio_path, task.settings, progress=progress, cache=_recognizers())
        if not timeline.segments:
            raise EmoscoreError(f"{task.filename}: no audio to analyse (no analysis windows)")
        result = timeline.to_dict()
        result["input"] = task.filename
        kept = store.finish(task.analysis_id, result, waveform=waveform_peaks(task.audio_path))
        return "done" if kept else "gone"
    except JobGone:
        return "gone"
    except Exception as exc:  # every failure becomes the job's message; the worker lives on
        store.fail(task.analysis_id, _message(exc, task))
        return "failed"


def run_compose(task: ComposeTask) -> CompositionRecord:
    """Compose from a finished analysis (in a worker process); the stored composition."""
    from emoscore.web.compose import compose_analysis

    store = _store(task.config.database_url)
    rec = store.get_analysis(task.analysis_id)
    if rec is None or rec.status != "done":
        raise EmoscoreError(f"analysis {task.analysis_id} is gone or has no result to use")
    return compose_analysis(store, task.config, rec, **dict(task.options))


WORKER_NICENESS = 5
PARENT_POLL = 0.5  # seconds between checks that the server process is still there


def _exit_with_parent(parent: int) -> None:
    # a spawned worker's parent is the server; once it is gone the worker is reparented
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(1)


def _worker_init(parent: int | None = None) -> None:
    # analysis is batch work: on a busy machine the server process answering requests goes first
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):
        pass
    if parent is not None:
        if os.getppid() != parent:  # the server died before this worker started
            os._exit(1)
        threading.Thread(
            target=_exit_with_parent, args=(parent,), daemon=True, name="exit-with-server"
        ).start()


def warm_up() -> None:
    """Import the recogniser in a fresh worker so the first job does not pay for it."""
    import emoscore.recognize  # noqa: F401


class JobRunner:
    """A process pool for :func:`run_analysis` that recreates itself if a worker dies, and a
    one-process pool for :func:`run_compose`."""

    def __init__(self, store: Store, workers: int = 2, *, max_compose: int = 8):
        self.store = store
        self.workers = workers
        self.max_compose = max_compose
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._compose_pool: ProcessPoolExecutor | None = None
        self._pending: dict[str, Future] = {}
        self._composing: dict[tuple[str, str], Future] = {}
        self._closing = False

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        # spawn, not fork: the server process has threads (event loop, thread pool)
        return ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = self._new_pool(self.workers)
        return self._pool

    def start(self) -> None:
        """Start the worker processes now (in the background) rather than at the first upload."""
        with self._lock:
            pool = self._executor()
            for _ in range(self.workers):
                pool.submit(warm_up)

    @property
    def active(self) -> int:
        """Jobs submitted and not finished (from memory: never waits on the database)."""
        return len(self._pending)

    def submit(self, task: AnalysisTask) -> None:
        with self._lock:
            try:
                fut = self._executor().submit(run_analysis, task)
            except BrokenProcessPool:
                self._pool = None
                fut = self._executor().submit(run_analysis, task)
            self._pending[task.analysis_id] = fut
        fut.add_done_callback(functools.partial(self._done, task.analysis_id))

    def cancel(self, analysis_id: str) -> None:
        """Stop ``analysis_id``: a queued job is dropped; a running one stops at its next progress
        write, once the store no longer holds it as active (see :func:`run_analysis`)."""
        with self._lock:
            fut = self._pending.get(analysis_id)
        if fut is not None:
            fut.cancel()

    def compose(self, task: ComposeTask) -> Future:
        """A future of :func:`run_compose`; an identical request in flight shares its future.
        Raises :class:`ServerBusy` when ``max_compose`` compositions are waiting."""
        import json

        key = (task.analysis_id, json.dumps(dict(task.options), sort_keys=True, default=str))
        with self._lock:
            fut = self._composing.get(key)
            if fut is not None:
                return fut
            if len(self._composing) >= self.max_compose:
                raise ServerBusy(
                    f"the server is busy composing ({len(self._composing)} waiting); try again later"
                )
            if self._compose_pool is None:
                self._compose_pool = self._new_pool(1)
            try:
                fut = self._compose_pool.submit(run_compose, task)
            except BrokenProcessPool:
                self._compose_pool = self._new_pool(1)
                fut = self._compose_pool.submit(run_compose, task)
            self._composing[key] = fut
        fut.add_done_callback(functools.partial(self._composed, key))
        return fut

    def _composed(self, key: tuple[str, str], fut: Future) -> None:
        with self._lock:
            self._composing.pop(key, None)
            if not fut.cancelled() and isinstance(fut.exception(), BrokenProcessPool):
                self._compose_pool = None

    def _done(self, analysis_id: str, fut: Future) -> None:
        with self._lock:
            self._pending.pop(analysis_id, None)
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is None:
            return
        if self._closing:
            msg = "the server stopped while this job was running; upload the file again"
        elif isinstance(exc, BrokenProcessPool):
            msg = "the worker process stopped unexpectedly (out of memory?)"
        else:
            msg = f"internal error: {type(exc).__name__}: {exc}"
        log.error("analysis %s: %s", analysis_id, msg)
        try:
            self.store.fail(analysis_id, msg)
        except Exception:  # the store may already be closed at shutdown
            log.exception("could not record the failure of analysis %s", analysis_id)
        if isinstance(exc, BrokenProcessPool):
            with self._lock:
                self._pool = None

    def shutdown(self) -> None:
        """Stop now: queued jobs stay queued in the store (re-queued at the next start), the
        running ones are stopped and will be marked failed then."""
        with self._lock:
            pools = [p for p in (self._pool, self._compose_pool) if p is not None]
            self._pool = self._compose_pool = None
            self._closing = True
        procs = [p for pool in pools for p in (getattr(pool, "_processes", None) or {}).values()]
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(5)
