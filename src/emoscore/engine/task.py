"""The unit of batch work: one file in, one :class:`FileResult` out, in any worker process.

Every engine ships :func:`run_task` to its workers. Each worker process keeps the loaded models
(a :class:`~emoscore.recognize.RecognizerCache`) keyed by the analysis settings, so models and
feature extractors are loaded once per worker, not once per file. The analysis is the library's
one analysis call and the MIDI its one scoring call, so batch rows equal ``emoscore analyze``. Problems
with a file never raise: they come back as a result with ``error`` set.
"""

from __future__ import annotations

import os
import socket
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from emoscore.errors import EmoscoreError
from emoscore.recognize.settings import AnalysisSettings
from emoscore.timeline import Segment, Timeline
from emoscore.vocabulary import ComposeMethod, ComposeStyle

if TYPE_CHECKING:
    from emoscore.recognize import RecognizerCache


@dataclass(frozen=True)
class BatchSettings:
    """What every file of a batch is analysed with (hashable: it keys the per-worker model cache),
    the methods composed for each file (none: no MIDI) and the styles (the paper's intervals
    and/or the score sketch, whose intervals come from the one method or A)."""

    analysis: AnalysisSettings = AnalysisSettings()
    compose: tuple[ComposeMethod, ...] = ()
    styles: tuple[ComposeStyle, ...] = (ComposeStyle.INTERVALS,)


@dataclass(frozen=True)
class FileTask:
    """One input file; ``midi_base`` is where ``<midi_base>.<method>.mid`` (and the sketch's
    ``<midi_base>.sketch.mid`` and ``<midi_base>.cues.csv``) go when composing."""

    path: str
    midi_base: str | None = None


@dataclass(frozen=True)
class FileResult:
    """The timeline of one file, or why it failed; ``settings_key`` identifies the analysis
    settings and model versions, ``worker`` and ``model_loads`` say where it ran."""

    file: str
    content_hash: str | None
    model_name: str
    model_version: str
    duration: float = 0.0
    timeline: Timeline | None = None
    midi: tuple[str, ...] = ()
    error: str | None = None
    worker: str = ""
    model_loads: int = 0
    settings_key: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def segments(self) -> tuple[Segment, ...]:
        return self.timeline.segments if self.timeline is not None else ()


_CACHE: RecognizerCache | None = None


def _recognizers() -> RecognizerCache:
    # Per-process by design: this is what makes "load the model once per worker" work in a
    # process pool and on Dask workers alike. Nothing else is kept here.
    global _CACHE
    if _CACHE is None:
        from emoscore.recognize import RecognizerCache

        _CACHE = RecognizerCache()
    return _CACHE


def limit_threads() -> None:
    """One BLAS/torch thread per worker: workers are the parallelism, oversubscription only slows."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    torch = sys.modules.get("torch")  # only if the model needed it: importing torch costs seconds
    if torch is not None:
        torch.set_num_threads(1)


def recognizer_for(settings: BatchSettings):  # noqa: ANN201 - a Recognizer (imported lazily)
    """This process's recogniser for ``settings``, loading the models on first use."""
    cache = _recognizers()
    loads = cache.loads
    rec = cache.get(settings.analysis)
    if cache.loads != loads:
        limit_threads()
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
            timeline,
            midi,
            worker=worker_name(),
            model_loads=_recognizers().loads,
            settings_key=settings.analysis.key(rec.model_versions),
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
        task.path,
        digest,
        name,
        version,
        error=message,
        worker=worker_name(),
        model_loads=_recognizers().loads,
    )


def failed_result(task: FileTask, message: str) -> FileResult:
    """A failure decided outside the worker (the worker died, the cluster lost the task)."""
    return FileResult(
        task.path, None, "", "", error=message if task.path in message else f"{task.path}: {message}"
    )


def _compose(task: FileTask, timeline: Timeline, settings: BatchSettings) -> tuple[str, ...]:
    from emoscore.music.scoring import ScoreSettings, score_timeline

    if task.midi_base is None:
        raise EmoscoreError(f"{task.path}: no MIDI folder given for --compose")
    base = Path(task.midi_base)
    base.parent.mkdir(parents=True, exist_ok=True)
    result = score_timeline(
        timeline, ScoreSettings(methods=settings.compose, style=settings.styles), base.parent, name=base.name
    )
    return tuple(str(a.path) for a in result.artefacts if a.kind == "midi")
