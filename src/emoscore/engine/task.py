"""The unit of batch work: one file in, one :class:`FileResult` out, in any worker process.

Every engine ships :func:`run_task` to its workers. Each worker process keeps the loaded model
(a :class:`~emoscore.recognize.Recognizer`) in a small per-process cache keyed by the settings,
so the model and its feature extractor are loaded once per worker, not once per file. Problems
with a file never raise: they come back as a result with ``error`` set.
"""

from __future__ import annotations

import os
import socket
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from emoscore.errors import EmoscoreError
from emoscore.timeline import Segment, Timeline

COMPOSE_METHODS = ("A", "B")
DOMAINS = ("auto", "speech", "music")


@dataclass(frozen=True)
class BatchSettings:
    """What every file of a batch is analysed with (hashable: it keys the per-worker model cache).

    ``model`` is a shipped model name or a bundle path that workers can open. ``domain``
    (auto/speech/music) adds the committed valence/arousal/quadrant/domain models to every
    window, as ``analyze --domain`` does; ``None`` is the emotion model alone.
    """

    model: str = "default"
    window: float = 4.0
    hop: float | None = None
    domain: str | None = None
    compose: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileTask:
    """One input file; ``midi_base`` is where ``<midi_base>.<method>.mid`` go when composing."""

    path: str
    midi_base: str | None = None


@dataclass(frozen=True)
class FileResult:
    """The windows of one file, or why it failed; ``worker`` and ``model_loads`` say where it ran."""

    file: str
    content_hash: str | None
    model_name: str
    model_version: str
    duration: float = 0.0
    segments: tuple[Segment, ...] = ()
    midi: tuple[str, ...] = ()
    error: str | None = None
    worker: str = ""
    model_loads: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


class _WorkerState:
    """The loaded recognisers of this process (one per settings) and how often one was loaded."""

    def __init__(self) -> None:
        self.recognizers: dict[BatchSettings, object] = {}
        self.loads = 0


# Per-process by design: this is what makes "load the model once per worker" work in a process
# pool and on Dask workers alike. Nothing else is kept here.
_STATE = _WorkerState()


def limit_threads() -> None:
    """One BLAS/torch thread per worker: workers are the parallelism, oversubscription only slows."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    torch = sys.modules.get("torch")  # only if the model needed it: importing torch costs seconds
    if torch is not None:
        torch.set_num_threads(1)


def recognizer_for(settings: BatchSettings):
    """This process's recogniser for ``settings``, loading the model on first use."""
    rec = _STATE.recognizers.get(settings)
    if rec is None:
        from emoscore.domains.annotate import SoundAnnotator
        from emoscore.models.registry import load_model
        from emoscore.recognize import Recognizer

        annotator = SoundAnnotator.from_names(settings.domain) if settings.domain else None
        rec = Recognizer(
            load_model(settings.model), window=settings.window, hop=settings.hop, annotator=annotator
        )
        limit_threads()
        _STATE.recognizers[settings] = rec
        _STATE.loads += 1
    return rec


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return first if isinstance(exc, EmoscoreError) else f"{type(exc).__name__}: {first}".rstrip(": ")


def run_task(task: FileTask, settings: BatchSettings) -> FileResult:
    """Analyse one file (and compose MIDI when asked); any failure is returned, never raised."""
    from emoscore.features.cache import file_digest

    rec = None
    digest = None
    try:
        rec = recognizer_for(settings)
        digest = file_digest(task.path)
        with warnings.catch_warnings():
            # short last windows are padded with a warning per window; in a batch that is noise
            warnings.simplefilter("ignore")
            # analyze(), not iter_segments(): rows must equal `emoscore analyze` of the same file,
            # also for models that normalise features over the whole input
            timeline = rec.analyze(task.path)
        segments = timeline.segments
        if not segments:
            raise EmoscoreError(f"{task.path}: no analysis windows (no usable audio)")
        midi = _compose(task, timeline, settings) if settings.compose else ()
        return FileResult(
            task.path,
            digest,
            rec.bundle.name,
            rec.bundle.version,
            segments[-1].end,
            segments,
            midi,
            worker=worker_name(),
            model_loads=_STATE.loads,
        )
    except FileNotFoundError:
        message = f"{task.path}: file not found"
    except PermissionError:
        message = f"{task.path}: permission denied"
    except Exception as exc:  # a batch never stops for one file: record whatever went wrong
        message = _one_line(exc)
        if task.path not in message:
            message = f"{task.path}: {message}"
    name, version = (rec.bundle.name, rec.bundle.version) if rec is not None else ("", "")
    return FileResult(
        task.path, digest, name, version, error=message, worker=worker_name(), model_loads=_STATE.loads
    )


def failed_result(task: FileTask, message: str) -> FileResult:
    """A failure decided outside the worker (the worker died, the cluster lost the task)."""
    return FileResult(
        task.path, None, "", "", error=message if task.path in message else f"{task.path}: {message}"
    )


def _compose(task: FileTask, timeline: Timeline, settings: BatchSettings) -> tuple[str, ...]:
    from emoscore.music import compose, write_midi

    if task.midi_base is None:
        raise EmoscoreError(f"{task.path}: no MIDI folder given for --compose")
    out = []
    for method in settings.compose:
        path = Path(f"{task.midi_base}.{method}.mid")
        path.parent.mkdir(parents=True, exist_ok=True)
        out.append(str(write_midi(compose(timeline, method), path)))
    return tuple(out)
