"""Recognition jobs in a pool of worker processes, so the server answers while files are analysed.

Each worker process loads a model once and keeps it for the jobs after; it writes progress,
the result or the failure straight into the store, so a job's state survives the server and
the page can poll it. A worker that dies takes only its own job down (marked failed).
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from emoscore.errors import EmoscoreError
from emoscore.recognize.settings import AnalysisSettings
from emoscore.store import Store

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
        store.set_progress(task.analysis_id, 0.0)
        last = time.monotonic()

        def progress(seconds_done: float) -> None:
            nonlocal last
            now = time.monotonic()
            if task.duration and now - last >= PROGRESS_EVERY:
                store.set_progress(task.analysis_id, 0.95 * seconds_done / task.duration)
                last = now

        timeline = analyze(task.audio_path, task.settings, progress=progress, cache=_recognizers())
        if not timeline.segments:
            raise EmoscoreError(f"{task.filename}: no audio to analyse (no analysis windows)")
        result = timeline.to_dict()
        result["input"] = task.filename
        store.finish(task.analysis_id, result, waveform=waveform_peaks(task.audio_path))
        return "done"
    except Exception as exc:  # every failure becomes the job's message; the worker lives on
        store.fail(task.analysis_id, _message(exc, task))
        return "failed"


WORKER_NICENESS = 5


def _worker_init() -> None:
    # analysis is batch work: on a busy machine the server process answering requests goes first
    import os

    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):
        pass


def warm_up() -> None:
    """Import the recogniser in a fresh worker so the first job does not pay for it."""
    import emoscore.recognize  # noqa: F401


class JobRunner:
    """A process pool for :func:`run_analysis` that recreates itself if a worker dies."""

    def __init__(self, store: Store, workers: int = 2):
        self.store = store
        self.workers = workers
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._pending: dict[str, Future] = {}
        self._closing = False

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the server process has threads (event loop, thread pool)
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init
            )
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
            pool, self._pool = self._pool, None
            self._closing = True
        if pool is None:
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(5)
