"""Timeline → score sketch: cues with harmony, a tempo map and three parts a composer can open.

Each cue (see :mod:`.cues`) takes its interval from method A or B, as the paper's pairs do, and
:mod:`.sketch_rules` turns it into music:

* **Key**: the tonic is the root moved round the circle of fifths by valence; the mode and a short
  progression come from the interval's chord family. Every chord holds the interval above its
  root; the pad moves to each chord by the smallest total motion (voice-leading).
* **Time**: tempo, metre and rhythmic density follow arousal. A cue is fitted to a whole number
  of beats, so every cue starts on a beat exactly at its film time (MIDI time = film time through
  the tempo map); a bar the cue cannot fill is written as a shorter bar.
* **Parts**: a pad (strings) holding the chords, a bass striking the chord root, and a motif: a
  short cell that leaps by the cue's interval from the chord root and steps back through the
  mode, varied from bar to bar and from cue to cue (by ``seed``).
* **Dynamics**: velocity, CC11 (expression) and CC1 (modulation) follow arousal pulse by pulse;
  the other emotions' probabilities go out as the paper's CCs at each window.

Everything is deterministic for the same timeline, rules and ``seed``.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from emoscore.errors import ConfigError
from emoscore.music.cues import Section, cut_sections
from emoscore.music.maps import EmotionMap, IntervalTable, RegionMap
from emoscore.music.score import check_program, interval_map, parse_method
from emoscore.music.sketch_rules import Chord, Harmony, Meter, Mode, Part, SketchRules, load_sketch_rules
from emoscore.timeline import Timeline

TICKS_PER_BEAT = 480
EIGHTH = TICKS_PER_BEAT // 2
MAX_TEMPO_US = 0xFFFFFF
MAJOR = (0, 2, 4, 5, 7, 9, 11)
LETTERS = "CDEFGAB"
#: major keys by their sharps (negative: flats), the circle of fifths
MAJOR_KEYS = dict(zip(range(-7, 8), "Cb Gb Db Ab Eb Bb F C G D A E B F# C#".split(), strict=True))
SHARPS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLATS = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
QUALITY_SUFFIX = {"maj": "", "min": "m"}
#: the cue sheet's columns (``<name>.cues.csv``), one row per cue
CUE_SHEET_COLUMNS = (
    *("cue", "start", "end", "emotion", "valence", "arousal", "key", "tempo", "interval", "bars"),
    *("dominance", "time_signature", "chords"),
)
TAIL_STEPS = 6  # CC11 points of the fade into a rest


@dataclass(frozen=True)
class Note:
    """One note of a part, in ticks."""

    part: str
    start_tick: int
    end_tick: int
    pitch: int
    velocity: int


@dataclass(frozen=True)
class Control:
    """One control change of a part."""

    part: str
    tick: int
    number: int
    value: int


@dataclass(frozen=True)
class TempoSpan:
    """A stretch of constant tempo (µs per quarter note) starting at a film time."""

    start_tick: int
    end_tick: int
    start: float
    tempo: int

    @property
    def bpm(self) -> float:
        return 60e6 / self.tempo

    @property
    def end(self) -> float:
        return self.start + (self.end_tick - self.start_tick) * self.tempo / TICKS_PER_BEAT / 1e6


@dataclass(frozen=True)
class Cue:
    """One cue of the sketch: what it scores and how (the cue sheet's row)."""

    number: int
    start: float
    end: float
    emotion: str
    valence: float
    arousal: float
    dominance: float
    interval: str
    semitones: int
    key: str
    key_signature: str
    mode: str
    tempo: float
    time_signature: str
    bars: int
    chords: tuple[str, ...]
    start_tick: int
    end_tick: int

    @property
    def marker(self) -> str:
        """The marker at the cue's start (its hit point), e.g. ``cue 3 - sad, C minor, 64 BPM``
        (ASCII: MIDI text events are 8-bit, and DAWs disagree on anything beyond ASCII)."""
        return f"cue {self.number} - {self.emotion}, {self.key}, {self.tempo:.0f} BPM"

    def row(self) -> dict[str, Any]:
        """The cue sheet row (:data:`CUE_SHEET_COLUMNS`)."""
        return {
            "cue": self.number,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "emotion": self.emotion,
            "valence": round(self.valence, 4),
            "arousal": round(self.arousal, 4),
            "key": self.key,
            "tempo": round(self.tempo, 2),
            "interval": self.interval,
            "bars": self.bars,
            "dominance": round(self.dominance, 4),
            "time_signature": self.time_signature,
            "chords": " ".join(self.chords),
        }

    def to_dict(self) -> dict[str, Any]:
        d = self.row()
        d.update(
            semitones=self.semitones,
            mode=self.mode,
            key_signature=self.key_signature,
            chords=list(self.chords),
            marker=self.marker,
            start_tick=self.start_tick,
            end_tick=self.end_tick,
        )
        return d


@dataclass(frozen=True)
class Rest:
    """A stretch without music: what its windows hold (silence, music, …)."""

    start: float
    end: float
    reason: str
    start_tick: int
    end_tick: int

    @property
    def marker(self) -> str:
        return f"rest - {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "reason": self.reason,
            "marker": self.marker,
            "start_tick": self.start_tick,
            "end_tick": self.end_tick,
        }


@dataclass(frozen=True)
class Sketch:
    """A score sketch: cues and rests, the tempo map and metre, the parts' notes and controls."""

    input: str
    model: str
    method: str
    seed: int
    rules: str
    parts: tuple[Part, ...]
    cues: tuple[Cue, ...]
    rests: tuple[Rest, ...]
    tempo_map: tuple[TempoSpan, ...]
    meters: tuple[tuple[int, int, int], ...]
    notes: tuple[Note, ...]
    controls: tuple[Control, ...]
    cc_numbers: Mapping[str, int]
    end_tick: int
    notice: str | None = None

    @property
    def title(self) -> str:
        return f"emoscore score sketch (method {self.method} intervals), model {self.model}"

    @property
    def duration(self) -> float:
        return self.seconds(self.end_tick)

    def _span(self, tick: float, key: str) -> TempoSpan:
        spans = self.tempo_map
        for span in reversed(spans):
            if getattr(span, key) <= tick:
                return span
        return spans[0]

    def seconds(self, tick: int) -> float:
        """Film time of a tick, through the tempo map."""
        s = self._span(tick, "start_tick")
        return s.start + (tick - s.start_tick) * s.tempo / TICKS_PER_BEAT / 1e6

    def tick_at(self, seconds: float) -> int:
        """The tick sounding at a film time, through the tempo map."""
        s = self._span(seconds, "start")
        return s.start_tick + int(round((seconds - s.start) * 1e6 * TICKS_PER_BEAT / s.tempo))

    def part_notes(self, role: str) -> list[Note]:
        return [n for n in self.notes if n.part == role]

    def to_dict(self) -> dict[str, Any]:
        """The sketch as JSON data (what the intervals document holds under ``sketch``)."""
        return {
            "method": self.method,
            "seed": self.seed,
            "rules": self.rules,
            "track": self.title,
            "ticks_per_beat": TICKS_PER_BEAT,
            "duration": round(self.duration, 3),
            "parts": [
                {
                    "role": p.role,
                    "name": p.name,
                    "program": p.program,
                    "channel": p.channel + 1,
                    "velocity": p.velocity,
                }
                for p in self.parts
            ],
            "notes": len(self.notes),
            "cues": [c.to_dict() for c in self.cues],
            "rests": [r.to_dict() for r in self.rests],
            "tempo_map": [
                {"tick": s.start_tick, "time": round(s.start, 6), "bpm": round(s.bpm, 3)}
                for s in self.tempo_map
            ],
            "notice": self.notice,
        }


# --- keys and chord names --------------------------------------------------------------------


def _accidental(pc: int, letter: str) -> str:
    diff = (pc - MAJOR[LETTERS.index(letter)] + 6) % 12 - 6
    return letter + ("#" * diff if diff > 0 else "b" * -diff)


def spell_major(fifths: int) -> tuple[str, ...]:
    """The seven note names of the major scale with ``fifths`` sharps (negative: flats).

    >>> spell_major(-4), spell_major(6)[6]
    (('Ab', 'Bb', 'C', 'Db', 'Eb', 'F', 'G'), 'E#')
    """
    name = MAJOR_KEYS[fifths]
    tonic = (MAJOR[LETTERS.index(name[0])] + name.count("#") - name.count("b")) % 12
    first = LETTERS.index(name[0])
    return tuple(_accidental((tonic + MAJOR[i]) % 12, LETTERS[(first + i) % 7]) for i in range(7))


@dataclass(frozen=True)
class Key:
    """A tonic in a mode, spelled: ``name`` ("F minor"), ``signature`` (a MIDI key) and the
    scale's note names."""

    tonic: int
    mode: Mode
    name: str
    signature: str
    spelling: tuple[str, ...]
    fifths: int

    @property
    def scale(self) -> frozenset[int]:
        return frozenset((self.tonic + s) % 12 for s in self.mode.scale)

    def note_name(self, pc: int) -> str:
        for n in self.spelling:
            if (MAJOR[LETTERS.index(n[0])] + n.count("#") - n.count("b")) % 12 == pc % 12:
                return n
        return (SHARPS if self.fifths > 0 else FLATS)[pc % 12]


def key_for(tonic: int, mode: Mode) -> Key:
    """Spell a key: the parent major's accidentals, the tonic named from them.

    >>> from emoscore.music.sketch_rules import load_sketch_rules
    >>> modes = {f.low.mode.name: f.low.mode for f in load_sketch_rules().families.values()}
    >>> [(k.name, k.signature) for k in (key_for(5, modes["aeolian"]), key_for(5, modes["locrian"]))]
    [('F minor', 'Fm'), ('F Locrian', 'Ebm')]
    """
    pcs = {(tonic + s) % 12 for s in mode.scale}
    parent = next((p for p in range(12) if pcs == {(p + m) % 12 for m in MAJOR}), None)
    if parent is None:  # a mode that is no rotation of the major scale: name it by its third
        parent = tonic if mode.kind == "major" else (tonic + 3) % 12
    best: tuple[tuple[int, int, int], int, tuple[str, ...]] | None = None
    for f in range(-7, 8):
        if (7 * f) % 12 != parent:
            continue
        spelling = spell_major(f)
        tonic_name = next((n for n in spelling if _pc(n) == tonic % 12), FLATS[tonic % 12])
        rank = (len(tonic_name) - 1, abs(f), f)
        if best is None or rank < best[0]:
            best = (rank, f, spelling)
    assert best is not None
    _, f, spelling = best
    tonic_name = next((n for n in spelling if _pc(n) == tonic % 12), FLATS[tonic % 12])
    signature = spelling[5] + "m" if mode.kind == "minor" else spelling[0]
    return Key(tonic % 12, mode, f"{tonic_name} {mode.title()}", signature, spelling, f)


def _pc(name: str) -> int:
    return (MAJOR[LETTERS.index(name[0])] + name.count("#") - name.count("b")) % 12


def chord_name(key: Key, chord: Chord) -> str:
    """
    >>> from emoscore.music.sketch_rules import load_sketch_rules, parse_chord
    >>> k = key_for(5, load_sketch_rules().family("m3").low.mode)
    >>> t = {"min": (0, 3, 7), "m7": (0, 3, 7, 10)}
    >>> chord_name(k, parse_chord("iv", t)), chord_name(k, parse_chord("i:m7", t))
    ('Bbm', 'Fm7')
    """
    root = key.note_name(key.tonic + chord.offset)
    return root + QUALITY_SUFFIX.get(chord.quality, chord.quality)


# --- time ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    section: Section
    meter: Meter
    bpm: float


def _units_per_quarter(meter: Meter) -> float:
    return meter.denominator / 4


def _tempo_map(plans: Sequence[_Plan]) -> list[TempoSpan]:
    """One span per section: a whole number of metre units, the tempo fitted so the span ends
    at the section's film end. Tempo rounding is carried into the next span, so no drift."""
    spans = []
    tick, actual = 0, 0.0
    for p in plans:
        sec = p.section
        units = max(1, int(round(sec.duration * p.bpm / 60 * _units_per_quarter(p.meter))))
        ticks = units * (TICKS_PER_BEAT * 4 // p.meter.denominator)
        beats = ticks / TICKS_PER_BEAT
        tempo = min(MAX_TEMPO_US, max(1, int(round((sec.end - actual) * 1e6 / beats))))
        spans.append(TempoSpan(tick, tick + ticks, actual, tempo))
        actual += tempo * beats / 1e6
        tick += ticks
    return spans


def _bars(start: int, end: int, meter: Meter) -> list[tuple[int, tuple[int, ...]]]:
    """(start tick, pulses in eighths) of each bar in [start, end); the last may be short."""
    bar = sum(meter.pulses) * EIGHTH
    out = []
    t = start
    while t < end:
        room = (end - t) // EIGHTH
        if t + bar <= end:
            pulses = meter.pulses
        else:
            cut, left = [], room
            for p in meter.pulses:
                if left <= 0:
                    break
                cut.append(min(p, left))
                left -= p
            pulses = tuple(cut) or (max(1, room),)
        out.append((t, pulses))
        t += sum(pulses) * EIGHTH
    return out


# --- parts -----------------------------------------------------------------------------------


def _voicing(
    pcs: Sequence[int], lo: int, span: int, previous: Sequence[int] | None, *, double_root: bool
) -> tuple[int, ...]:
    """Pitches for the chord's pitch classes (root first) in [lo, lo + span]: the voicing with
    the least total motion from ``previous`` (the first: the one nearest the register's middle),
    avoiding semitone clashes between neighbouring voices."""
    wanted = list(pcs)
    while len(wanted) < 3:  # an open fifth: double root and fifth to keep a full pad
        wanted.append(wanted[len(wanted) % len(pcs)])
    if double_root:
        wanted.append(pcs[0])
    options = [[p for p in range(lo, lo + span + 1) if p % 12 == pc] for pc in wanted]
    best: tuple[float, tuple[int, ...]] | None = None
    for combo in itertools.product(*options):
        notes = tuple(sorted(combo))
        if len(set(notes)) < len(notes) or notes[-1] - notes[0] > span:
            continue
        if double_root and notes[0] % 12 != pcs[0]:
            continue  # weight: a dominant cue's pad stands on its root
        clashes = sum(1 for a, b in itertools.pairwise(notes) if b - a == 1)
        spread = notes[-1] - notes[0]
        motion: float
        if previous:
            motion = sum(min(abs(n - p) for p in previous) for n in notes) + sum(
                min(abs(n - p) for n in notes) for p in previous
            )
        else:
            motion = abs(sum(notes) / len(notes) - (lo + span / 2)) * 2
        cost = motion + 3.0 * clashes + 0.15 * spread
        if best is None or (cost, notes) < best:
            best = (cost, notes)
    if best is None:  # nothing fits the span: close position from the bottom
        return tuple(sorted({lo + (pc - lo) % 12 for pc in wanted}))
    return best[1]


def _step(pitch: int, direction: int, scale: frozenset[int]) -> int:
    """The next pitch of the scale above (direction 1) or below (-1)."""
    p = pitch + direction
    for _ in range(12):
        if p % 12 in scale:
            return p
        p += direction
    return p


def _nearest(pc: int, lo: int, hi: int, target: float) -> int:
    options = [p for p in range(lo, hi + 1) if p % 12 == pc % 12]
    return min(options, key=lambda p: (abs(p - target), p))


def _slots(pulses: Sequence[int], per_pulse: int) -> list[int]:
    """Motif slot lengths in eighths: each pulse, or each pulse split in two."""
    out: list[int] = []
    for p in pulses:
        out += [p] if per_pulse == 1 or p == 1 else [math.ceil(p / 2), p // 2]
    return out


@dataclass(frozen=True)
class _Cell:
    """A cue's motif cell: how it starts (``rise``: root then leap; else leap down to the
    root), how many notes, on which slot, and where the ornament goes."""

    rise: bool
    length: int
    offset: int
    ornament: int


def _cell_pitches(root: int, colour: int, length: int, rise: bool, scale: frozenset[int]) -> list[int]:
    """Root and root + interval (a unison leaps an octave), then steps through the mode back
    toward where the leap began."""
    leap = colour if colour else 12
    first, second = (root, root + leap) if rise else (root + leap, root)
    notes = [first, second]
    direction = -1 if second > first else 1
    while len(notes) < length:
        nxt = _step(notes[-1], direction, scale)
        if (direction < 0 and nxt < first) or (direction > 0 and nxt > first):
            direction = -direction  # turned round at the starting note: a neighbour figure
            nxt = _step(notes[-1], direction, scale)
        notes.append(nxt)
    return notes[:length]


class _Writer:
    """Collects notes and controls, emitting a controller only when its value changes."""

    def __init__(self) -> None:
        self.notes: list[Note] = []
        self.controls: list[Control] = []
        self._last: dict[tuple[str, int], int] = {}

    def note(self, part: str, start: int, end: int, pitch: int, velocity: int) -> None:
        if end > start:
            self.notes.append(Note(part, start, end, int(pitch), max(1, min(127, int(velocity)))))

    def cc(self, part: str, tick: int, number: int, value: int, *, force: bool = False) -> None:
        value = max(0, min(127, int(value)))
        if force or self._last.get((part, number)) != value:
            self.controls.append(Control(part, tick, number, value))
            self._last[(part, number)] = value


def compose_sketch(
    timeline: Timeline,
    method: str = "A",
    *,
    mapping: EmotionMap | RegionMap | None = None,
    rules: SketchRules | None = None,
    root: int = 48,
    program: int | None = None,
    seed: int = 0,
    min_cue: float | None = None,
    table: IntervalTable | None = None,
) -> Sketch:
    """The score sketch of ``timeline``, its intervals from method A or B (``mapping`` as for
    :func:`~emoscore.music.score.compose`); ``program`` replaces the pad's General MIDI program.

    >>> from emoscore.timeline import ModelInfo, Segment
    >>> segs = [Segment(4.0 * i, 4.0 * i + 4, {"sad": 0.9, "happy": 0.1}, 0.15, 0.3, 0.3) for i in range(4)]
    >>> tl = Timeline("x.wav", 16.0, ModelInfo("demo", "1", ("sad", "happy")), 4.0, 4.0, tuple(segs))
    >>> cue = compose_sketch(tl).cues[0]
    >>> cue.marker, cue.chords
    ('cue 1 - sad, F minor, 79 BPM', ('Fm', 'Bbm', 'Fm7', 'Cm', 'Fm', 'Bbm', 'Fm7'))
    """
    method = parse_method(method)
    if not 0 <= int(seed) < 2**63:
        raise ConfigError(f"--seed {seed}: must be a whole number from 0")
    rules = rules or load_sketch_rules()
    if min_cue is not None and not (math.isfinite(min_cue) and 1.0 <= min_cue <= 600.0):
        raise ConfigError(f"--cue-min {min_cue:g}: must be between 1 and 600 seconds")
    if program is not None:
        check_program(program)
    mapping, _labels, cc_numbers = interval_map(timeline, method, mapping, table)
    sections = cut_sections(
        timeline,
        mapping,
        min_length=rules.min_length if min_cue is None else float(min_cue),
        smoothing=rules.smoothing,
        rest_min=rules.rest_min,
    )
    parts = tuple(
        Part(p.role, p.name, program, p.channel, p.velocity) if p.role == "pad" and program is not None else p
        for p in rules.parts
    )

    # the tempo map: cues from their arousal, rests from the cue before (or after) them
    plans: list[_Plan] = []
    for i, sec in enumerate(sections):
        if sec.is_rest:
            near = next((s for s in [*sections[:i][::-1], *sections[i + 1 :]] if not s.is_rest), None)
            a = near.arousal if near is not None else 0.5
        else:
            a = sec.arousal
        plans.append(_Plan(sec, rules.meter_for(a), rules.bpm_for(a)))
    spans = _tempo_map(plans)
    end_tick = spans[-1].end_tick
    probe = Sketch(
        timeline.input, "", method, seed, rules.origin, parts, (), (), tuple(spans), (), (), (), {}, end_tick
    )

    out = _Writer()
    meters: list[tuple[int, int, int]] = []
    cues: list[Cue] = []
    rests: list[Rest] = []
    previous: tuple[int, ...] | None = None
    motif_last: float | None = None
    for i, (plan, span) in enumerate(zip(plans, spans, strict=True)):
        sec, meter = plan.section, plan.meter
        bars = _bars(span.start_tick, span.end_tick, meter)
        for bar_start, pulses in bars:  # every section states its metre; a short bar states its own
            num = meter.numerator if pulses == meter.pulses else sum(pulses) * meter.denominator // 8
            if bar_start == span.start_tick or meters[-1][1:] != (num, meter.denominator):
                meters.append((bar_start, num, meter.denominator))
        if sec.is_rest:
            rests.append(Rest(sec.start, sec.end, sec.reason, span.start_tick, span.end_tick))
            continue
        nxt = sections[i + 1] if i + 1 < len(sections) else None
        tail_end = span.end_tick
        if nxt is not None and nxt.is_rest and rules.tail > 0:
            tail_end = probe.tick_at(sec.end + min(rules.tail, nxt.duration))
        cue, previous, motif_last = _score_cue(
            out,
            _CueContext(len(cues) + 1, sec, span, bars, meter, tail_end),
            rules,
            root=root,
            seed=seed,
            previous=previous,
            motif_last=motif_last,
            clock=probe,
            cc_numbers=cc_numbers,
            offsets={p.role: p.velocity for p in parts},
        )
        cues.append(cue)

    notice = None
    if not cues:
        what = "valence/arousal" if isinstance(mapping, RegionMap) else "a speech emotion"
        notice = (
            f"{timeline.input}: no window has {what} to score (method {method}); "
            f"the sketch is {probe.seconds(end_tick):.0f} s of rests"
        )
    return Sketch(
        timeline.input,
        f"{timeline.model.name} {timeline.model.version}".strip(),
        method,
        int(seed),
        rules.origin,
        parts,
        tuple(cues),
        tuple(rests),
        tuple(spans),
        tuple(meters),
        tuple(sorted(out.notes, key=lambda n: (n.start_tick, n.part, n.pitch))),
        tuple(out.controls),
        dict(cc_numbers),
        end_tick,
        notice,
    )


@dataclass(frozen=True)
class _CueContext:
    """Where a cue sits: its number, section, tempo span, bars and metre, and where its last
    chord stops ringing (the cue's end, or into a following rest)."""

    number: int
    section: Section
    span: TempoSpan
    bars: Sequence[tuple[int, tuple[int, ...]]]
    meter: Meter
    tail_end: int


def _score_cue(
    out: _Writer,
    ctx: _CueContext,
    rules: SketchRules,
    *,
    root: int,
    seed: int,
    previous: tuple[int, ...] | None,
    motif_last: float | None,
    clock: Sketch,
    cc_numbers: Mapping[str, int],
    offsets: Mapping[str, int],
) -> tuple[Cue, tuple[int, ...] | None, float | None]:
    """Write one cue's notes and controls; return its cue sheet entry, the pad's last voicing
    and the motif's last pitch (so the next cue leads on from them)."""
    number, sec, span, bars, meter = ctx.number, ctx.section, ctx.span, ctx.bars, ctx.meter
    tail_end = ctx.tail_end
    assert sec.interval is not None
    rng = random.Random(f"emoscore-sketch:{seed}:{number}")
    family = rules.family(sec.interval.short)
    harmony: Harmony = family.harmony(sec.valence)
    key = key_for(root % 12 + 7 * rules.fifths_for(sec.valence), harmony.mode)
    density = rules.density_for(sec.arousal)
    dominant = sec.dominance >= 0.5
    pad_lo = rules.pad_low[int(dominant)]
    bass_lo = rules.bass_low[int(dominant)]
    bar_seconds = sum(meter.pulses) / 2 * span.tempo / 1e6
    per_chord = max(1, int(round(rules.chord_seconds / bar_seconds)))
    colour = sec.interval.semitones

    # arousal through the cue: the smoothed value at each window's centre, linear in between
    centres = np.array([(w.start + w.end) / 2 for w in sec.windows])
    levels = np.array([w.smooth[1] for w in sec.windows])

    def arousal_at(tick: int) -> float:
        return float(np.interp(clock.seconds(tick), centres, levels))

    def jitter() -> int:
        return rng.randint(-rules.humanise, rules.humanise) if rules.humanise else 0

    cell = _Cell(
        rise=rng.random() < 0.6,
        length=rng.randint(3, 5),
        offset=rng.choice((0, 0, 1)),
        ornament=rng.randint(1, 3),
    )
    names: list[str] = []
    sounding: dict[int, tuple[int, int]] = {}  # pad pitch -> (start tick, velocity)
    for role in ("pad", "bass", "motif"):
        out.cc(role, span.start_tick, 1, rules.cc1_for(arousal_at(span.start_tick)), force=True)
        out.cc(role, span.start_tick, 11, rules.cc11_for(arousal_at(span.start_tick)), force=True)
    for w in sec.windows:  # the paper's "remaining emotion values", window by window
        if not w.probabilities:
            continue
        tick = max(span.start_tick, clock.tick_at(w.start))
        for lab, p in w.probabilities.items():
            if lab != w.emotion and lab in cc_numbers:
                out.cc("pad", tick, cc_numbers[lab], round(min(1.0, max(0.0, p)) * 127), force=True)

    chord_of_bar = [
        harmony.progression[(b // per_chord) % len(harmony.progression)] for b in range(len(bars))
    ]
    for b, (bar_start, pulses) in enumerate(bars):
        bar_end = bar_start + sum(pulses) * EIGHTH
        chord = chord_of_bar[b]
        chord_root = (key.tonic + chord.offset) % 12
        base = rules.velocity_for(arousal_at(bar_start))
        # pad: a new voicing at each chord change, common tones held over
        if b % per_chord == 0:
            pcs = [(chord_root + t) % 12 for t in chord.tones]
            voicing = _voicing(pcs, pad_lo, rules.pad_span, previous, double_root=dominant)
            names.append(chord_name(key, chord))
            for pitch in list(sounding):
                if pitch not in voicing:
                    start, vel = sounding.pop(pitch)
                    out.note("pad", start, bar_start, pitch, vel)
            for pitch in voicing:
                sounding.setdefault(pitch, (bar_start, base + offsets["pad"] + jitter()))
            previous = voicing
        # bass: the chord root, struck once a bar, each pulse or each eighth, held to the next
        bass = _nearest(chord_root, bass_lo, bass_lo + 11, bass_lo + 5)
        if density.bass == "bar":
            hits = [bar_start]
        elif density.bass == "pulse":
            hits = [bar_start + sum(pulses[:k]) * EIGHTH for k in range(len(pulses))]
        else:
            hits = list(range(bar_start, bar_end, EIGHTH))
        for k, t in enumerate(hits):
            end = hits[k + 1] if k + 1 < len(hits) else bar_end
            accent = rules.downbeat if k == 0 else 0
            out.note("bass", t, end, bass, base + offsets["bass"] + accent + jitter())
        # motif: the cell on this bar's chord, shaped by where the bar falls in a 4-bar phrase
        slots = _slots(pulses, density.motif)
        starts = [bar_start + sum(slots[:k]) * EIGHTH for k in range(len(slots))]
        target = motif_last if motif_last is not None else rules.motif_low + 7
        low, high = rules.motif_low, rules.motif_low + 19
        p0 = _nearest(chord_root, low, max(low + 11, high - (colour or 12)), target)
        phrase = b % 4
        if phrase == 3 or len(slots) == 1:  # the cadence: the interval's upper note, held
            pitch = p0 + (colour or 12) if cell.rise else p0
            picks = [(starts[0], bar_end, pitch)]
        else:
            length = min(cell.length + (1 if phrase == 2 else 0), len(slots) - cell.offset)
            pitches = _cell_pitches(p0, colour, max(2, length), cell.rise != (phrase == 1), key.scale)
            if phrase == 2 and len(pitches) > 2:  # an upper neighbour inside the cell
                k = min(cell.ornament, len(pitches) - 1)
                pitches[k] = _step(pitches[k - 1], 1, key.scale)
            first = min(cell.offset, len(slots) - len(pitches))
            at = starts[first : first + len(pitches)]
            picks = [
                (t, at[k + 1] if k + 1 < len(at) else bar_end, p)
                for k, (t, p) in enumerate(zip(at, pitches, strict=True))
            ]
        for k, (t, end, pitch) in enumerate(picks):
            accent = rules.downbeat if k == 0 else 0
            out.note("motif", t, end, pitch, base + offsets["motif"] + accent + jitter())
        motif_last = float(picks[-1][2])
        # dynamics: CC11 and CC1 at every pulse, following arousal
        for k in range(len(pulses)):
            t = bar_start + sum(pulses[:k]) * EIGHTH
            a = arousal_at(t)
            for role in ("pad", "bass", "motif"):
                out.cc(role, t, 11, rules.cc11_for(a))
                out.cc(role, t, 1, rules.cc1_for(a))

    # the last chord rings on into a following rest, fading out
    for pitch, (start, vel) in sounding.items():
        out.note("pad", start, tail_end, pitch, vel)
    if tail_end > span.end_tick:
        level = rules.cc11_for(arousal_at(span.end_tick - 1))
        for k in range(1, TAIL_STEPS + 1):
            t = span.end_tick + (tail_end - span.end_tick) * k // TAIL_STEPS
            out.cc("pad", t, 11, round(level * (1 - k / TAIL_STEPS)))
    cue = Cue(
        number,
        sec.start,
        sec.end,
        sec.emotion,
        sec.valence,
        sec.arousal,
        sec.dominance,
        sec.interval.short,
        sec.interval.semitones,
        key.name,
        key.signature,
        harmony.mode.name,
        span.bpm,
        meter.label,
        len(bars),
        tuple(names),
        span.start_tick,
        span.end_tick,
    )
    return cue, previous, motif_last
