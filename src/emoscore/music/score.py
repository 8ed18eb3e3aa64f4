"""Timeline → interval score: one note pair (root, root + interval) per analysis window.

A :class:`Score` is the musical result independent of any file format; :mod:`.midi` writes it,
:mod:`.live` plays it, :mod:`.compare` correlates two of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emoscore.errors import ConfigError, DataError
from emoscore.music.maps import EmotionMap, IntervalTable, RegionMap, load_interval_table, load_map
from emoscore.timeline import Segment, Timeline
from emoscore.vocabulary import ComposeMethod

DEFAULT_ROOT = 48  # C3 in the paper's (and Yamaha's) octave numbering
DEFAULT_PROGRAM = 48  # General MIDI "String Ensemble 1": sustains for a whole window
VELOCITY_MIN, VELOCITY_MAX = 32, 127
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
METHOD_TITLES: dict[str, str] = {
    ComposeMethod.A: "method A (valence/arousal map)",
    ComposeMethod.B: "method B (six-emotion map)",
}


@dataclass(frozen=True)
class Step:
    """One window's note pair and controller values.

    ``controllers`` holds (CC number, value) for every emotion except the window's top one.
    """

    start: float
    end: float
    emotion: str
    interval: str
    semitones: int
    root: int
    velocity: int
    controllers: tuple[tuple[int, int], ...]
    valence: float
    arousal: float
    dominance: float

    @property
    def notes(self) -> tuple[int, int]:
        return (self.root, self.root + self.semitones)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 4),
            "end": round(self.end, 4),
            "emotion": self.emotion,
            "valence": round(self.valence, 6),
            "arousal": round(self.arousal, 6),
            "dominance": round(self.dominance, 6),
            "interval": self.interval,
            "semitones": self.semitones,
            "notes": list(self.notes),
            "velocity": self.velocity,
        }


@dataclass(frozen=True)
class Score:
    """The interval sequence of one method for one input."""

    method: str
    model: str
    input: str
    steps: tuple[Step, ...]
    cc_numbers: Mapping[str, int]
    program: int = DEFAULT_PROGRAM
    root: int = DEFAULT_ROOT

    @property
    def title(self) -> str:
        """Track name: the method and the model that produced the timeline."""
        return f"emoscore {METHOD_TITLES.get(self.method, 'method ' + self.method)}, model {self.model}"

    @property
    def duration(self) -> float:
        return max((s.end for s in self.steps), default=0.0)

    def semitones(self) -> list[int]:
        return [s.semitones for s in self.steps]


def parse_root(text: str | int) -> int:
    """A MIDI note from a number or a name with octave (C3 = 48, as in the paper).

    >>> parse_root("C3"), parse_root("A4"), parse_root("F#2"), parse_root(60)
    (48, 69, 42, 60)
    """
    if isinstance(text, int) or str(text).strip().isdigit():
        n = int(text)
    else:
        s = str(text).strip().upper().replace("♯", "#")
        name, octave = (s[:2], s[2:]) if len(s) > 1 and s[1] in "#B" else (s[:1], s[1:])
        flats = {"DB": "C#", "EB": "D#", "GB": "F#", "AB": "G#", "BB": "A#"}
        name = flats.get(name, name)
        try:
            n = NOTE_NAMES.index(name) + 12 * (int(octave) + 1)
        except ValueError:
            raise ConfigError(f"--root {text!r}: expected a note such as C3 or a MIDI number") from None
    if not 0 <= n <= 127 - 12:
        raise ConfigError(f"--root {text!r}: MIDI note {n} leaves no room for an octave above it (0..115)")
    return n


def velocity_for(arousal: float) -> int:
    """Louder for higher arousal: 32 at arousal 0, 127 at arousal 1.

    >>> velocity_for(0.0), velocity_for(0.5), velocity_for(1.0)
    (32, 80, 127)
    """
    a = min(1.0, max(0.0, float(arousal)))
    return int(round(VELOCITY_MIN + a * (VELOCITY_MAX - VELOCITY_MIN)))


def _has_emotion(seg: Segment, mapping: EmotionMap | RegionMap) -> bool:
    """Whether the window has what the map reads: valence/arousal (A) or a top emotion (B)."""
    if isinstance(mapping, RegionMap):
        return seg.valence is not None and seg.arousal is not None
    return seg.emotion is not None


def _interval_for(seg: Segment, method: str, mapping: EmotionMap | RegionMap) -> tuple[str, int]:
    if isinstance(mapping, RegionMap):
        d = 0.5 if seg.dominance is None else seg.dominance
        iv = mapping.interval_for(seg.valence, seg.arousal, d)  # type: ignore[arg-type]
    else:
        iv = mapping.interval_for(seg.emotion)  # type: ignore[arg-type]
    return iv.short, iv.semitones


def parse_method(method: str) -> ComposeMethod:
    """``A``/``B`` (any case) as a :class:`ComposeMethod`; anything else is one ConfigError line."""
    try:
        return ComposeMethod(str(method).upper())
    except ValueError:
        raise ConfigError(f"unknown method {method!r}; use {' or '.join(ComposeMethod)}") from None


def check_program(program: int) -> None:
    if not 0 <= program <= 127:
        raise ConfigError(f"--program {program}: General MIDI programs are 0..127")


def interval_map(
    timeline: Timeline,
    method: ComposeMethod,
    mapping: EmotionMap | RegionMap | None = None,
    table: IntervalTable | None = None,
) -> tuple[EmotionMap | RegionMap, list[str], dict[str, int]]:
    """What every composition of ``timeline`` reads its intervals with: the method's map (checked
    against the timeline's classes), the classes in order and each class's controller number."""
    mapping = mapping or load_map(method)
    if isinstance(mapping, EmotionMap):
        mapping.check_labels(timeline.labels or sorted({s.emotion for s in timeline.segments if s.emotion}))
    table = table or load_interval_table()
    labels = list(timeline.labels) or sorted({k for s in timeline.segments for k in s.probabilities})
    return mapping, labels, table.cc_numbers(labels)


def compose(
    timeline: Timeline,
    method: str = "A",
    *,
    mapping: EmotionMap | RegionMap | None = None,
    root: int = DEFAULT_ROOT,
    program: int = DEFAULT_PROGRAM,
    table: IntervalTable | None = None,
) -> Score:
    """The interval sequence of ``timeline`` by method A (V/A/D regions) or B (top emotion).

    Each window sounds from its start until its end, or until the next window starts when
    windows overlap (hop < window), so a note never re-strikes over itself.

    >>> from emoscore.timeline import ModelInfo
    >>> seg = Segment(0.0, 4.0, {"happy": 0.75, "sad": 0.25}, 0.9, 0.7, 0.7)
    >>> tl = Timeline("x.wav", 4.0, ModelInfo("demo", "1", ("happy", "sad")), 4.0, 4.0, (seg,))
    >>> s = compose(tl, "B").steps[0]
    >>> s.notes, s.controllers
    ((48, 52), ((23, 32),))
    """
    method = parse_method(method)
    if not timeline.segments:
        raise DataError(f"{timeline.input}: the emotion timeline is empty (no analysis windows)")
    check_program(program)
    mapping, labels, cc = interval_map(timeline, method, mapping, table)
    segs = sorted(timeline.segments, key=lambda s: s.start)
    steps = []
    for i, seg in enumerate(segs):
        end = seg.end if i + 1 == len(segs) else min(seg.end, segs[i + 1].start)
        if end <= seg.start:
            continue  # a window fully shadowed by the next one has no time of its own
        if not _has_emotion(seg, mapping):
            continue  # nothing to say here (no speech emotion, no valence/arousal): a rest
        name, semis = _interval_for(seg, method, mapping)
        top = seg.emotion or ""
        ctrl = tuple(
            (cc[lab], int(round(min(1.0, max(0.0, float(seg.probabilities.get(lab, 0.0)))) * 127)))
            for lab in labels
            if lab != top and lab in cc
        )
        steps.append(
            Step(
                seg.start,
                end,
                top,
                name,
                semis,
                root,
                velocity_for(seg.arousal),  # type: ignore[arg-type]
                ctrl,
                seg.valence,  # type: ignore[arg-type]
                seg.arousal,  # type: ignore[arg-type]
                0.5 if seg.dominance is None else seg.dominance,
            )
        )
    return Score(
        method,
        f"{timeline.model.name} {timeline.model.version}".strip(),
        timeline.input,
        tuple(steps),
        cc,
        program,
        root,
    )
