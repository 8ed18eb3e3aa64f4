"""The one result type: per-window emotion predictions over the duration of an input.

Everything downstream (JSON/CSV output, plots, music, web, batch) consumes a
:class:`Timeline`, so its dictionary form *is* the ``analyze --format json`` contract.
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emoscore.errors import DataError

if TYPE_CHECKING:  # pandas is imported where a frame is made: `import emoscore` stays light
    import pandas as pd


@dataclass(frozen=True)
class ModelInfo:
    """Which model produced a timeline."""

    name: str
    version: str
    labels: tuple[str, ...]


#: the flat row of one window, shared by CSV, Parquet, SQL, REST and ``Timeline.to_frame()``:
#: column → Python type (``probabilities`` is a JSON object ``{label: p}`` as text, since label
#: sets differ between models; CSV spreads it into ``p_<label>`` columns). ``None`` / null where a
#: value does not apply (no domain detection, no quadrant on a speech window …); ``text`` is the
#: words heard in the window (``""`` if none) when the analysis made a transcript, else null.
ROW_SCHEMA: dict[str, type] = {
    "file": str,
    "start": float,
    "end": float,
    "domain": str,
    "emotion": str,
    "confidence": float,
    "valence": float,
    "arousal": float,
    "dominance": float,
    "voiced": float,
    "quadrant": str,
    "va_model": str,
    "model_name": str,
    "model_version": str,
    "probabilities": str,
    "text": str,
}
ROW_COLUMNS: tuple[str, ...] = tuple(ROW_SCHEMA)
#: the index of ``Timeline.to_frame()`` (the audinterface/opensmile convention)
ROW_INDEX: tuple[str, ...] = ("file", "start", "end")

_SEGMENT_KEYS = frozenset(
    {"start", "end", "emotion", "confidence", "probabilities", "valence", "arousal", "dominance"}
    | {"domain", "voiced", "quadrant", "va_model", "text"}
)


def _round(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(float(x), digits)


def _opt_float(x: Any) -> float | None:
    return None if x is None else float(x)


@dataclass(frozen=True)
class Segment:
    """One analysis window: class probabilities, the top class and V/A/D in [0, 1].

    ``domain`` is what the window holds (speech, music, other, silence; ``None`` without domain
    detection), ``voiced`` the share of it with voice activity, ``quadrant`` the music quadrant
    probabilities on music windows, ``va_model`` the model that gave valence/arousal, ``text``
    the words overlapping the window when there is a transcript (``None`` without one).
    """

    start: float
    end: float
    probabilities: Mapping[str, float]
    valence: float | None
    arousal: float | None
    dominance: float | None
    extra: Mapping[str, Any] = field(default_factory=dict)
    domain: str | None = field(default=None, kw_only=True)
    voiced: float | None = field(default=None, kw_only=True)
    quadrant: Mapping[str, float] = field(default_factory=dict, kw_only=True)
    va_model: str | None = field(default=None, kw_only=True)
    text: str | None = field(default=None, kw_only=True)

    @property
    def emotion(self) -> str | None:
        """The most probable class (ties go to the first label); ``None`` without probabilities."""
        if not self.probabilities:
            return None
        return max(self.probabilities, key=lambda k: self.probabilities[k])

    @property
    def confidence(self) -> float | None:
        emotion = self.emotion
        return None if emotion is None else float(self.probabilities[emotion])

    @property
    def top_quadrant(self) -> str | None:
        return max(self.quadrant, key=lambda k: self.quadrant[k]) if self.quadrant else None

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "start": round(self.start, 4),
            "end": round(self.end, 4),
            "domain": self.domain,
            "emotion": self.emotion,
            "confidence": _round(self.confidence),
            "probabilities": {k: round(float(v), 6) for k, v in self.probabilities.items()},
            "valence": _round(self.valence),
            "arousal": _round(self.arousal),
            "dominance": _round(self.dominance),
            "voiced": _round(self.voiced, 4),
            "quadrant": {k: round(float(v), 6) for k, v in self.quadrant.items()},
            "va_model": self.va_model,
        }
        if self.text is not None:
            d["text"] = self.text
        d.update(self.extra)
        return d

    def to_row(self, file: str, model: ModelInfo) -> dict[str, Any]:
        """This window as a :data:`ROW_SCHEMA` row."""
        return {
            "file": file,
            "start": round(self.start, 4),
            "end": round(self.end, 4),
            "domain": self.domain,
            "emotion": self.emotion,
            "confidence": _round(self.confidence),
            "valence": _round(self.valence),
            "arousal": _round(self.arousal),
            "dominance": _round(self.dominance),
            "voiced": _round(self.voiced, 4),
            "quadrant": self.top_quadrant,
            "va_model": self.va_model,
            "model_name": model.name,
            "model_version": model.version,
            "probabilities": json.dumps({k: round(float(v), 6) for k, v in self.probabilities.items()}),
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Segment:
        return cls(
            start=float(d["start"]),
            end=float(d["end"]),
            probabilities={str(k): float(v) for k, v in (d.get("probabilities") or {}).items()},
            valence=_opt_float(d.get("valence")),
            arousal=_opt_float(d.get("arousal")),
            dominance=_opt_float(d.get("dominance")),
            extra={k: v for k, v in d.items() if k not in _SEGMENT_KEYS},
            domain=None if d.get("domain") is None else str(d["domain"]),
            voiced=_opt_float(d.get("voiced")),
            quadrant={str(k): float(v) for k, v in (d.get("quadrant") or {}).items()},
            va_model=None if d.get("va_model") is None else str(d["va_model"]),
            text=None if d.get("text") is None else str(d["text"]),
        )


@dataclass(frozen=True)
class Timeline:
    """Emotion over time for one input.

    ``audio`` is where the analysed audio is when that is not ``input`` as given: in a timeline
    file it is relative to the file's folder (:meth:`with_audio_relative_to`, :func:`read_timeline`),
    so a timeline moved together with its audio still finds it.

    >>> seg = Segment(0.0, 4.0, {"happy": 0.75, "sad": 0.25}, 0.8, 0.6, 0.6)
    >>> tl = Timeline("scene.wav", 4.0, ModelInfo("demo", "1", ("happy", "sad")), 4.0, 4.0, (seg,))
    >>> tl.to_dict()["segments"][0]["emotion"]
    'happy'
    >>> tl.to_frame().loc[("scene.wav", 0.0, 4.0), "emotion"]
    'happy'
    """

    input: str
    duration: float
    model: ModelInfo
    window: float
    hop: float
    segments: tuple[Segment, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)
    audio: str | None = field(default=None, kw_only=True)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.labels

    @property
    def transcript(self) -> list[dict[str, Any]] | None:
        """The utterances ``{start, end, text, language}`` heard in the input, when the analysis
        made a transcript (top-level ``transcript`` of the JSON), else ``None``."""
        found = self.extra.get("transcript")
        return None if found is None else list(found)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "input": self.input,
            "duration": round(self.duration, 4),
            "model": {
                "name": self.model.name,
                "version": self.model.version,
                "labels": list(self.model.labels),
            },
            "window": self.window,
            "hop": self.hop,
            "segments": [s.to_dict() for s in self.segments],
        }
        if self.audio is not None:
            d["audio"] = self.audio
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Timeline:
        known = {"input", "duration", "model", "window", "hop", "segments", "audio"}
        m = d["model"]
        return cls(
            input=str(d["input"]),
            duration=float(d["duration"]),
            model=ModelInfo(str(m["name"]), str(m["version"]), tuple(m["labels"])),
            window=float(d["window"]),
            hop=float(d["hop"]),
            segments=check_segments(tuple(Segment.from_dict(s) for s in d["segments"])),
            extra={k: v for k, v in d.items() if k not in known},
            audio=None if d.get("audio") is None else str(d["audio"]),
        )

    @property
    def source_path(self) -> Path:
        """The analysed audio as a path usable from here (``audio`` when known, else ``input``)."""
        return Path(self.audio if self.audio is not None else self.input)

    def with_audio_relative_to(self, folder: str | Path) -> Timeline:
        """This timeline as written into ``folder``: ``audio`` points to the input from there."""
        src = self.source_path.absolute()
        try:
            rel = os.path.relpath(src, Path(folder).absolute())
        except ValueError:  # another drive (Windows)
            rel = str(src)
        return replace(self, audio=rel)

    def to_rows(self) -> list[dict[str, Any]]:
        """One :data:`ROW_SCHEMA` row per window."""
        return [s.to_row(self.input, self.model) for s in self.segments]

    def to_frame(self) -> pd.DataFrame:
        """The rows as a DataFrame indexed by (file, start, end)."""
        return rows_frame(self.to_rows())

    def to_csv(self) -> str:
        """The rows as CSV, ``probabilities`` spread into one ``p_<label>`` column per class."""
        frame = expand_probabilities(self.to_frame().reset_index(), self.labels).drop(columns="probabilities")
        buf = io.StringIO()
        frame.to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()


def check_segments(segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
    """``segments`` if every window has finite times with ``end > start >= 0``, finite
    probabilities in [0, 1] and, on a speech window, some probabilities; else a ``ValueError``
    naming the first bad window (a timeline file read from disk may be anything).

    >>> check_segments((Segment(2.0, 1.0, {}, None, None, None),))
    Traceback (most recent call last):
    ...
    ValueError: segments[0]: end 1 is not after start 2
    """
    for i, s in enumerate(segments):
        if not (math.isfinite(s.start) and math.isfinite(s.end)):
            raise ValueError(f"segments[{i}]: start/end must be finite numbers (got {s.start}, {s.end})")
        if s.start < 0 or s.end <= s.start:
            raise ValueError(f"segments[{i}]: end {s.end:g} is not after start {s.start:g}")
        probs = [*s.probabilities.values(), *s.quadrant.values()]
        if any(not (math.isfinite(p) and 0.0 <= p <= 1.0) for p in probs):
            raise ValueError(f"segments[{i}]: probabilities must be numbers in [0, 1]")
        for name in ("valence", "arousal", "dominance"):
            v = getattr(s, name)
            if v is not None and not math.isfinite(v):
                raise ValueError(f"segments[{i}]: {name} must be a finite number")
        if s.domain == "speech" and not s.probabilities:
            raise ValueError(f"segments[{i}]: a speech window needs its emotion probabilities")
    return segments


def read_timeline(path: str | Path) -> Timeline:
    """A timeline written by ``emoscore analyze --format json``, its ``audio`` resolved against
    the file's folder; a missing or malformed file is a one-line :class:`DataError`."""
    p = Path(path)
    try:
        raw = json.loads(p.read_text())
    except FileNotFoundError:
        raise DataError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{p}: not a timeline JSON file ({str(exc).splitlines()[0]})") from None
    try:
        tl = Timeline.from_dict(raw)
    except ValueError as exc:
        raise DataError(f"{p}: not a valid timeline ({exc})") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise DataError(f"{p}: not a timeline JSON file (missing or bad field {exc})") from None
    for i, s in enumerate(tl.segments):  # what scoring reads from every speech window
        if s.domain == "speech" and (s.valence is None or s.arousal is None):
            raise DataError(
                f"{p}: not a valid timeline (segments[{i}]: a speech window needs its valence and arousal)"
            )
    if tl.audio is not None and not Path(tl.audio).is_absolute():
        tl = replace(tl, audio=str(p.parent / tl.audio))
    return tl


def rows_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """:data:`ROW_SCHEMA` rows as a DataFrame indexed by (file, start, end), columns in schema order."""
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=list(ROW_COLUMNS))
    for col, kind in ROW_SCHEMA.items():
        if kind is float:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        else:
            frame[col] = frame[col].astype("object").where(frame[col].notna(), None)
    return frame.set_index(list(ROW_INDEX))


def expand_probabilities(frame: pd.DataFrame, labels: Sequence[str] = ()) -> pd.DataFrame:
    """``frame`` with one ``p_<label>`` column per class, parsed from the JSON ``probabilities``
    column; ``labels`` fixes the column order (and adds columns no row has).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"probabilities": ['{"sad": 0.75, "happy": 0.25}', '{}']})
    >>> expand_probabilities(df)[["p_sad", "p_happy"]].iloc[0].tolist()
    [0.75, 0.25]
    """
    import pandas as pd

    parsed = [json.loads(p) if isinstance(p, str) and p else {} for p in frame["probabilities"]]
    names = list(dict.fromkeys([*labels, *(k for p in parsed for k in p)]))
    probs = pd.DataFrame(
        {f"p_{k}": [p.get(k, 0.0) if p else None for p in parsed] for k in names},
        index=frame.index,
        dtype="float64",
    )
    return pd.concat([frame, probs], axis=1)


def vad_from_probabilities(
    probabilities: Mapping[str, float], table: Mapping[str, Sequence[float]]
) -> tuple[float, float, float]:
    """Probability-weighted mean of the classes' V/A/D coordinates (SPEC §3)."""
    total = sum(p for k, p in probabilities.items() if k in table)
    if total <= 0 or not math.isfinite(total):
        return (0.5, 0.5, 0.5)
    acc = [0.0, 0.0, 0.0]
    for k, p in probabilities.items():
        if k in table:
            for i in range(3):
                acc[i] += p * float(table[k][i])
    return (acc[0] / total, acc[1] / total, acc[2] / total)
