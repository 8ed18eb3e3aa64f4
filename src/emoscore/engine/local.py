"""``--engine local``: a pool of worker processes on this machine.

Workers are forked from a ``forkserver`` that has imported the recogniser once (no threads or
locks inherited from the driver, and a new pool starts in milliseconds instead of re-importing
librosa and scikit-learn per worker). They ignore Ctrl-C (the driver decides what to stop),
limit themselves to one BLAS thread, and exit when the driver dies. If a
worker process dies (out of memory, a crash in a decoder), the pool is rebuilt and the files
that were in flight are retried one at a time, so only the file that kills a worker is lost.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

import psutil

from emoscore.engine.task import BatchSettings, FileResult, FileTask, failed_result, run_task

WORKER_DIED = "the worker process died while analysing this file (out of memory or a crash in a decoder)"


PRELOAD = ["emoscore.engine.task", "emoscore.recognize", "emoscore.models.registry"]


def _watch_driver(driver: psutil.Process) -> None:
    while True:
        try:
            gone = not driver.is_running() or driver.status() == psutil.STATUS_ZOMBIE
        except psutil.Error:
            gone = True
        if gone:
            os._exit(1)
        time.sleep(0.5)


def _init_worker(driver_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A forkserver child's parent is the forkserver, which outlives a killed driver, so watch the
    # driver itself (psutil also tells a dead driver from a reused pid and from a zombie).
    threading.Thread(target=_watch_driver, args=(psutil.Process(driver_pid),), daemon=True).start()


class LocalEngine:
    """Run :func:`~emoscore.engine.task.run_task` over files in ``workers`` processes."""

    name = "local"

    def __init__(self, settings: BatchSettings, *, workers: int = 1):
        self.settings = settings
        self.workers = max(1, int(workers))
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=_init_worker, initargs=(os.getpid(),)
        )

    def __enter__(self) -> LocalEngine:
        self._pool = self._new_pool()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is None:
            return
        if exc_type is not None:  # interrupted: stop now, in-flight files are simply not committed
            self._terminate()
        else:
            try:
                self._pool.shutdown(wait=True)
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM while the finished pool winds down
                self._terminate()
                raise
        self._pool = None

    def _terminate(self) -> None:
        assert self._pool is not None
        # the executor has no public way to stop running tasks before Python 3.14
        for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
            proc.terminate()
        manager = getattr(self._pool, "_executor_manager_thread", None)
        self._pool.shutdown(wait=False, cancel_futures=True)
        if manager is not None:
            # Python 3.11's exit hook writes to the manager thread's wake-up pipe without its lock:
            # exiting while the thread closes that pipe printed an "Exception ignored" traceback
            manager.join(timeout=10)

    def results(self, tasks: Iterable[FileTask]) -> Iterator[FileResult]:
        """Results in completion order; at most two files per worker are queued at a time."""
        assert self._pool is not None, "use LocalEngine as a context manager"
        pending = deque(tasks)
        suspects: deque[FileTask] = deque()  # in flight when a worker died: rerun alone
        inflight: dict[Future[FileResult], FileTask] = {}
        solo: FileTask | None = None
        while pending or suspects or inflight:
            if suspects:
                if not inflight:
                    solo = suspects.popleft()
                    inflight[self._pool.submit(run_task, solo, self.settings)] = solo
            else:
                while pending and len(inflight) < 2 * self.workers:
                    task = pending.popleft()
                    inflight[self._pool.submit(run_task, task, self.settings)] = task
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                task = inflight.pop(fut)
                try:
                    yield fut.result()
                except BrokenProcessPool:
                    broken = True
                    if task is solo:
                        yield failed_result(task, WORKER_DIED)
                    else:
                        suspects.append(task)
                except Exception as exc:  # e.g. a result that cannot be sent back
                    yield failed_result(task, f"{type(exc).__name__}: {exc}")
            if broken:
                for fut in list(inflight):  # the whole pool is gone; finished ones still count
                    task = inflight.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        suspects.append(task)
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
            if not inflight:
                solo = None
