"""``run_batch``: discover inputs, skip what is already done, analyse the rest on an engine and
commit each file's windows to the output as soon as it finishes.

The driver checks the model and the output before any work, records inputs that cannot be
queued, hashes files that already have results (to skip those done with the same content and
model), and queues the rest longest first so workers finish together. Ctrl-C or SIGTERM stops the
workers, keeps every file committed so far and raises :class:`BatchInterrupted`.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from emoscore.engine.discovery import discover
from emoscore.engine.progress import BatchProgress
from emoscore.engine.sinks import ResultSink, is_database_url, open_sink, path_key
from emoscore.engine.task import BatchSettings, FileTask
from emoscore.errors import ConfigError
from emoscore.recognize.settings import AnalysisSettings
from emoscore.vocabulary import AsrModel, ComposeMethod, ComposeStyle, DomainMode, Smoothing, parse_compose

ENGINES = ("local", "dask")


class BatchInterrupted(KeyboardInterrupt):
    """A batch stopped by Ctrl-C (``signum`` SIGINT) or SIGTERM; the message says what is kept."""

    def __init__(self, message: str, signum: int = signal.SIGINT):
        super().__init__(message)
        self.signum = signum


class _Terminated(KeyboardInterrupt):
    signum = signal.SIGTERM


@contextmanager
def _sigterm_stops_like_ctrl_c() -> Iterator[None]:
    """SIGTERM (``kill``, a service manager) raises in the driver like Ctrl-C, so the worker pool
    is shut down and its queues' semaphores released; dying on the default handler left them
    registered and the resource tracker warned about "leaked semaphore objects"."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


@dataclass(frozen=True)
class BatchSummary:
    """What a batch did: counts, analysed audio, where results and failures are."""

    out: str
    errors: str
    inputs: int
    analysed: int
    skipped: int
    failed: int
    windows: int
    audio_seconds: float
    wall_seconds: float
    model_name: str
    model_version: str
    model_loads: int = 0  # over all workers: one per worker process when the model is shared properly

    @property
    def speed(self) -> float:
        """Audio hours analysed per wall-clock hour."""
        return self.audio_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0


def default_midi_dir(out: str) -> Path:
    """``RESULTS_midi/`` beside a Parquet output, ``./batch_midi`` for a database."""
    if is_database_url(out):
        return Path("batch_midi")
    p = Path(out)
    return p.with_name(f"{p.stem}_midi")


def _midi_base(file: str, root: str, midi_dir: Path) -> str:
    rel = os.path.relpath(file, root)
    if rel.startswith(".."):  # outside the input folder (a manifest may point anywhere)
        rel = f"{path_key(file)[:12]}-{os.path.basename(file)}"
    return str(midi_dir / rel)


def _duration(path: str) -> float:
    from emoscore.audio import probe_audio
    from emoscore.errors import EmoscoreError

    try:
        return float(probe_audio(path).duration or 0.0)
    except EmoscoreError:
        return 0.0  # the worker records the real problem


def run_batch(
    source: str | Path,
    out: str | Path,
    *,
    model: str = "default",
    window: float = 4.0,
    hop: float | None = None,
    domain: str = DomainMode.AUTO,
    smooth: str = Smoothing.OFF,
    transcript: bool = False,
    asr_model: str = AsrModel.BASE,
    compose: str | Sequence[str] | None = None,
    midi_dir: str | Path | None = None,
    workers: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    resume: bool = True,
    progress: bool | None = None,
    progress_stream: IO[str] | None = None,
    progress_every: float = 10.0,
) -> BatchSummary:
    """Analyse every audio/video file of a folder or manifest into ``out`` (``.parquet`` or a DB URL).

    With ``resume`` (the default), files whose committed result has the same content hash, the
    same analysis settings (window, hop, domain mode, smoothing, transcript) and the same model versions are
    skipped; changed settings or models recompute; failed files are retried. Per-file failures are
    recorded in the output's errors table and counted, never raised.
    """
    started = time.monotonic()
    analysis = AnalysisSettings(
        model=_worker_model(model),
        window=window,
        hop=hop,
        domain=domain or DomainMode.AUTO,
        smooth=smooth,
        transcript=transcript,
        asr_model=asr_model,
    )
    methods, styles = parse_compose(compose, option="--compose")
    if engine not in ENGINES:
        raise ConfigError(f"--engine {engine}: use local or dask")
    if scheduler and engine != "dask":
        raise ConfigError("--scheduler needs --engine dask")
    if workers < 1:
        raise ConfigError(f"--workers {workers}: need at least 1")
    versions = analysis.model_versions()  # checks every model (kind included) before any work
    model_name, _, model_version = versions["emotion"].rpartition(" ")
    settings_key = analysis.key(versions)
    settings = BatchSettings(analysis, methods, styles or (ComposeStyle.INTERVALS,))
    engine_obj = _engine(engine, settings, workers, scheduler)  # checks the scheduler address format
    midi_root = Path(midi_dir) if midi_dir is not None else default_midi_dir(str(out))
    inputs = discover(source)  # a missing, empty or malformed input is refused before the output exists
    sink = open_sink(out)
    done = _Counts()
    try:
        with _sigterm_stops_like_ctrl_c(), ExitStack() as stack:
            stack.callback(sink.close)
            if scheduler:  # join a remote cluster before any work, so a dead address fails in seconds
                stack.enter_context(engine_obj)
            for problem in inputs.problems:
                sink.record_error(
                    problem.file, problem.message, model_name=model_name, model_version=model_version
                )
            tasks = []
            for file in inputs.files:
                task = FileTask(file, _midi_base(file, inputs.root, midi_root) if methods else None)
                if resume and _already_done(sink, task, settings_key, methods, styles):
                    done.skipped += 1
                else:
                    tasks.append(task)
            expected = {t.path: _duration(t.path) for t in tasks}
            tasks.sort(key=lambda t: -expected[t.path])
            if tasks:
                if not scheduler:
                    stack.enter_context(engine_obj)
                _run(engine_obj, tasks, sink, expected, progress, progress_stream, progress_every, done)
    except KeyboardInterrupt as exc:  # the workers are stopped and the output closed by now
        signum = getattr(exc, "signum", signal.SIGINT)
        how = "terminated (SIGTERM)" if signum == signal.SIGTERM else "interrupted"
        raise BatchInterrupted(
            f"{sink.location}: batch {how} after {done.analysed + done.failed} file(s); what finished "
            "is kept: run the same command again to continue",
            signum,
        ) from None
    return BatchSummary(
        sink.location,
        sink.errors_location,
        len(inputs.files) + len(inputs.problems),
        done.analysed,
        done.skipped,
        done.failed + len(inputs.problems),
        done.windows,
        done.audio,
        time.monotonic() - started,
        model_name,
        model_version,
        done.loads,
    )


@dataclass
class _Counts:
    """What the batch has done so far (also what an interrupted batch reports)."""

    analysed: int = 0
    skipped: int = 0
    failed: int = 0
    windows: int = 0
    audio: float = 0.0
    loads: int = 0


def _worker_model(model: str) -> str:
    """What workers load: a shipped name as it is, a bundle path made absolute (workers may run
    elsewhere on the same file system)."""
    from emoscore.models.registry import resolve_model, shipped_models_dir

    path = resolve_model(model)
    return path.stem if path.parent == shipped_models_dir() else str(path.resolve())


def _already_done(
    sink: ResultSink,
    task: FileTask,
    settings_key: str,
    methods: tuple[ComposeMethod, ...],
    styles: tuple[ComposeStyle, ...] = (),
) -> bool:
    from emoscore.features.cache import file_digest

    if not sink.has_result(task.path):
        return False
    try:
        digest = file_digest(task.path)
    except OSError:
        return False  # let the worker record why it cannot be read
    if not sink.is_done(task.path, digest, settings_key):
        return False
    wanted = [m.value for m in methods] if ComposeStyle.INTERVALS in styles else []
    wanted += [ComposeStyle.SKETCH.value] if ComposeStyle.SKETCH in styles else []
    return all(Path(f"{task.midi_base}.{m}.mid").exists() for m in wanted)


def _engine(kind: str, settings: BatchSettings, workers: int, scheduler: str | None):
    if kind == "dask":
        from emoscore.engine.distributed import DaskEngine

        return DaskEngine(settings, workers=workers, scheduler=scheduler)
    from emoscore.engine.local import LocalEngine

    return LocalEngine(settings, workers=workers)


def _run(
    engine,
    tasks: list[FileTask],
    sink: ResultSink,
    expected: dict[str, float],
    progress: bool | None,
    stream: IO[str] | None,
    every: float,
    done: _Counts,
) -> None:
    loads: dict[str, int] = {}
    bar = BatchProgress(expected, stream=stream, bar=progress, every=every)
    try:
        for result in engine.results(tasks):
            if result.ok:
                sink.commit(result)
                done.analysed += 1
                done.windows += len(result.segments)
                done.audio += result.duration
            else:
                sink.record_error(
                    result.file,
                    result.error or "failed",
                    content_hash=result.content_hash,
                    model_name=result.model_name,
                    model_version=result.model_version,
                )
                done.failed += 1
            if result.worker:
                loads[result.worker] = max(loads.get(result.worker, 0), result.model_loads)
                done.loads = sum(loads.values())
            bar.advance(result)
    finally:
        bar.close()
