"""``--engine dask``: run the batch on a Dask distributed cluster.

With ``scheduler`` the driver joins an existing cluster (workers must see the input files and
the model at the same paths, e.g. on a shared file system, and have emoscore installed);
without it a :class:`distributed.LocalCluster` of single-threaded worker processes is started
here. Each worker process loads the model once (see :mod:`emoscore.engine.task`). Results come
back to the driver, which alone writes the output.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from itertools import islice
from types import TracebackType
from typing import Any

from emoscore.engine.task import BatchSettings, FileResult, FileTask, failed_result, run_task
from emoscore.errors import ConfigError

CONNECT_TIMEOUT = 5.0
SCHEMES = ("tcp://", "tls://", "ws://", "wss://", "ucx://")


def check_scheduler_address(address: str) -> str:
    """``tcp://HOST:PORT`` (or tls/ws/wss/ucx); anything else is a one-line :class:`ConfigError`.

    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    text = address.strip()
    host, _, port = text.partition("://")[2].rpartition(":")
    if not text.startswith(SCHEMES) or not host or not port.isdigit():
        raise ConfigError(f"--scheduler {address!r}: expected an address like tcp://HOST:PORT")
    return text


class DaskEngine:
    """Run :func:`~emoscore.engine.task.run_task` over files on a Dask cluster."""

    name = "dask"

    def __init__(
        self,
        settings: BatchSettings,
        *,
        workers: int = 2,
        scheduler: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
    ):
        self.settings = settings
        self.workers = max(1, int(workers))
        self.scheduler = check_scheduler_address(scheduler) if scheduler else None
        self.connect_timeout = connect_timeout
        self._cluster: Any = None
        self._client: Any = None

    def __enter__(self) -> DaskEngine:
        from distributed import Client, LocalCluster

        if self.scheduler:
            try:
                self._client = Client(
                    self.scheduler, timeout=f"{self.connect_timeout}s", set_as_default=False
                )
            except (OSError, TimeoutError) as exc:
                raise ConfigError(
                    f"{self.scheduler}: no Dask scheduler answered within "
                    f"{self.connect_timeout:g} s ({type(exc).__name__})"
                ) from None
        else:
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster, set_as_default=False)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    @property
    def slots(self) -> int:
        """Tasks the cluster can run at once (its worker threads), at least ``workers``."""
        info = self._client.scheduler_info(n_workers=-1) if self._client is not None else {}
        threads = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
        return max(self.workers, threads)

    def results(self, tasks: Iterable[FileTask]) -> Iterator[FileResult]:
        """Results in completion order; at most two files per worker thread are queued at a time."""
        from distributed import as_completed

        assert self._client is not None, "use DaskEngine as a context manager"
        todo = iter(tasks)
        submitted: dict[Any, FileTask] = {}
        done = as_completed(loop=self._client.loop)

        def submit(task: FileTask) -> None:
            fut = self._client.submit(run_task, task, self.settings, pure=False)
            submitted[fut] = task
            done.add(fut)

        for task in islice(todo, 2 * self.slots):
            submit(task)
        for fut in done:
            task = submitted.pop(fut)
            try:
                result = fut.result()
            except Exception as exc:  # a lost or killed worker: this file fails, the batch goes on
                result = failed_result(task, f"Dask task failed ({type(exc).__name__}: {exc})")
            fut.release()
            yield result
            nxt = next(todo, None)
            if nxt is not None:
                submit(nxt)
