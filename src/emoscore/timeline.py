"""The one result type: per-window emotion predictions over the duration of an input.

Everything downstream (JSON/CSV output, plots, music, web, batch) consumes a
:class:`Timeline`, so its dictionary form *is* the ``analyze --format json`` contract.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ModelInfo:
    """Which model produced a timeline."""

    name: str
    version: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Segment:
    """One analysis window: class probabilities, the top class and V/A/D in [0, 1]."""

    start: float
    end: float
    probabilities: Mapping[str, float]
    valence: float
    arousal: float
    dominance: float
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def emotion(self) -> str:
        """The most probable class (ties go to the first label)."""
        return max(self.probabilities, key=lambda k: self.probabilities[k])

    @property
    def confidence(self) -> float:
        return float(self.probabilities[self.emotion])

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "start": round(self.start, 4),
            "end": round(self.end, 4),
            "emotion": self.emotion,
            "confidence": round(self.confidence, 6),
            "probabilities": {k: round(float(v), 6) for k, v in self.probabilities.items()},
            "valence": round(self.valence, 6),
            "arousal": round(self.arousal, 6),
            "dominance": round(self.dominance, 6),
        }
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Segment:
        known = {"start", "end", "emotion", "confidence", "probabilities", "valence", "arousal", "dominance"}
        return cls(
            start=float(d["start"]),
            end=float(d["end"]),
            probabilities={str(k): float(v) for k, v in d["probabilities"].items()},
            valence=float(d["valence"]),
            arousal=float(d["arousal"]),
            dominance=float(d["dominance"]),
            extra={k: v for k, v in d.items() if k not in known},
        )


@dataclass(frozen=True)
class Timeline:
    """Emotion over time for one input.

    >>> seg = Segment(0.0, 4.0, {"happy": 0.75, "sad": 0.25}, 0.8, 0.6, 0.6)
    >>> tl = Timeline("scene.wav", 4.0, ModelInfo("demo", "1", ("happy", "sad")), 4.0, 4.0, (seg,))
    >>> tl.to_dict()["segments"][0]["emotion"]
    'happy'
    """

    input: str
    duration: float
    model: ModelInfo
    window: float
    hop: float
    segments: tuple[Segment, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.labels

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
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Timeline:
        known = {"input", "duration", "model", "window", "hop", "segments"}
        m = d["model"]
        return cls(
            input=str(d["input"]),
            duration=float(d["duration"]),
            model=ModelInfo(str(m["name"]), str(m["version"]), tuple(m["labels"])),
            window=float(d["window"]),
            hop=float(d["hop"]),
            segments=tuple(Segment.from_dict(s) for s in d["segments"]),
            extra={k: v for k, v in d.items() if k not in known},
        )

    def to_rows(self) -> list[dict[str, Any]]:
        """Flat rows (one per window) with a ``p_<label>`` column per class."""
        rows = []
        for s in self.segments:
            row: dict[str, Any] = {
                "start": round(s.start, 4),
                "end": round(s.end, 4),
                "emotion": s.emotion,
                "confidence": round(s.confidence, 6),
                "valence": round(s.valence, 6),
                "arousal": round(s.arousal, 6),
                "dominance": round(s.dominance, 6),
            }
            row.update({f"p_{k}": round(float(s.probabilities.get(k, 0.0)), 6) for k in self.labels})
            rows.append(row)
        return rows

    def to_csv(self) -> str:
        buf = io.StringIO()
        cols = ["start", "end", "emotion", "confidence", "valence", "arousal", "dominance"]
        cols += [f"p_{k}" for k in self.labels]
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(self.to_rows())
        return buf.getvalue()


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
