"""The score sketch's mapping rules as validated data (``emoscore/data/sketch.toml``).

Cue cutting, keys from valence, tempo / metre / density / dynamics from arousal, register from
dominance, the three parts, and for each of the twelve intervals a chord family (a mode and a
short progression whose every chord holds the interval above its root). A user file with the
same layout replaces the shipped one (``--rules FILE``). Every problem is a one-line
:class:`~emoscore.errors.ConfigError` naming the file and the entry.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emoscore.errors import ConfigError
from emoscore.music.maps import Interval, IntervalTable, load_interval_table, read_toml

#: semitones of the major-scale degrees a Roman numeral names
DEGREES = {"I": 0, "II": 2, "III": 4, "IV": 5, "V": 7, "VI": 9, "VII": 11}
BASS_RHYTHMS = ("bar", "pulse", "eighth")
PART_ROLES = ("pad", "bass", "motif")
_NUMERAL = re.compile(r"^([b#]?)(VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)([°o+]?)(?::(.+))?$")


@dataclass(frozen=True)
class Meter:
    """A time signature for an arousal band; ``pulses`` are the eighth notes of each pulse."""

    arousal: tuple[float, float]
    numerator: int
    denominator: int
    pulses: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass(frozen=True)
class Density:
    """How often the bass strikes (``bar``, ``pulse``, ``eighth``) and motif notes per pulse."""

    arousal: tuple[float, float]
    bass: str
    motif: int


@dataclass(frozen=True)
class Mode:
    """A seven-note mode: semitones above the tonic; ``kind`` names its key (major/minor)."""

    name: str
    scale: tuple[int, ...]
    kind: str

    def title(self) -> str:
        """How a key in this mode is named: ``minor``, ``major`` or the mode (``Phrygian``)."""
        return {"aeolian": "minor", "ionian": "major"}.get(self.name, self.name.capitalize())


@dataclass(frozen=True)
class Chord:
    """One progression chord: its Roman numeral, root (semitones above the tonic), quality and
    pitch classes above its root."""

    symbol: str
    offset: int
    quality: str
    tones: tuple[int, ...]


@dataclass(frozen=True)
class Harmony:
    """A mode and the progression a cue cycles through."""

    mode: Mode
    progression: tuple[Chord, ...]


@dataclass(frozen=True)
class Family:
    """An interval's chord family: one harmony, or one below valence 0.5 and one from 0.5."""

    interval: Interval
    low: Harmony
    high: Harmony

    def harmony(self, valence: float) -> Harmony:
        return self.high if valence >= 0.5 else self.low


@dataclass(frozen=True)
class Part:
    """A track of the sketch: its role, name, General MIDI program, channel (0-based) and the
    velocity offset that balances it against the others."""

    role: str
    name: str
    program: int
    channel: int
    velocity: int = 0


@dataclass(frozen=True)
class SketchRules:
    """Every musical choice of the sketch (see ``emoscore/data/sketch.toml``)."""

    origin: str
    min_length: float
    smoothing: int
    rest_min: float
    tail: float
    fifths: tuple[int, int]
    bpm: tuple[float, float]
    chord_seconds: float
    meters: tuple[Meter, ...]
    density: tuple[Density, ...]
    velocity: tuple[int, int]
    downbeat: int
    cc11: tuple[int, int]
    cc1: tuple[int, int]
    humanise: int
    pad_low: tuple[int, int]
    pad_span: int
    bass_low: tuple[int, int]
    motif_low: int
    parts: tuple[Part, ...]
    families: Mapping[str, Family]

    def part(self, role: str) -> Part:
        return next(p for p in self.parts if p.role == role)

    def meter_for(self, arousal: float) -> Meter:
        """
        >>> r = load_sketch_rules()
        >>> [r.meter_for(a).label for a in (0.1, 0.5, 1.0)]
        ['3/4', '4/4', '7/8']
        """
        return _band(self.meters, arousal)

    def density_for(self, arousal: float) -> Density:
        return _band(self.density, arousal)

    def bpm_for(self, arousal: float) -> float:
        """
        >>> load_sketch_rules().bpm_for(0.3)
        80.0
        """
        return _lerp(self.bpm, arousal)

    def fifths_for(self, valence: float) -> int:
        """How far round the circle of fifths the tonic moves from the root.

        >>> [load_sketch_rules().fifths_for(v) for v in (0.0, 0.15, 0.5, 0.85, 1.0)]
        [-2, -1, 0, 1, 2]
        """
        return int(math.floor(_lerp(self.fifths, valence) + 0.5))

    def velocity_for(self, arousal: float) -> int:
        return int(round(_lerp(self.velocity, arousal)))

    def cc11_for(self, arousal: float) -> int:
        return int(round(_lerp(self.cc11, arousal)))

    def cc1_for(self, arousal: float) -> int:
        return int(round(_lerp(self.cc1, arousal)))

    def family(self, interval: str) -> Family:
        return self.families[interval]


def _clip01(x: float) -> float:
    return min(1.0, max(0.0, float(x)))


def _lerp(span: tuple[float, float], x: float) -> float:
    return span[0] + (span[1] - span[0]) * _clip01(x)


def _band(items: Sequence[Any], x: float) -> Any:
    x = _clip01(x)
    for item in items:
        lo, hi = item.arousal
        if lo <= x < hi or (hi == 1.0 and x == 1.0):
            return item
    return items[-1]


# --- loading ---------------------------------------------------------------------------------


class _Reader:
    """Typed access to the raw TOML with one-line errors naming the file and the key."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, where: str, what: str) -> ConfigError:
        return ConfigError(f"{self.origin}: {where}: {what}")

    def table(self, raw: Mapping[str, Any], key: str, where: str = "") -> Mapping[str, Any]:
        value = raw.get(key)
        if not isinstance(value, dict):
            raise self.fail(where + key, "missing table")
        return value

    def number(self, raw: Mapping[str, Any], key: str, where: str, lo: float, hi: float) -> float:
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.fail(where + key, f"needs a number (got {value!r})")
        if not lo <= value <= hi:
            raise self.fail(where + key, f"{value:g} is outside {lo:g}..{hi:g}")
        return float(value)

    def integer(self, raw: Mapping[str, Any], key: str, where: str, lo: int, hi: int) -> int:
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where + key, f"needs a whole number (got {value!r})")
        if not lo <= value <= hi:
            raise self.fail(where + key, f"{value} is outside {lo}..{hi}")
        return value

    def pair(self, raw: Mapping[str, Any], key: str, where: str, lo: float, hi: float) -> tuple[float, float]:
        value = raw.get(key)
        if not isinstance(value, list) or len(value) != 2:
            raise self.fail(where + key, f"needs [lo, hi] (got {value!r})")
        a, b = (self.number({key: v}, key, where, lo, hi) for v in value)
        return a, b

    def int_pair(self, raw: Mapping[str, Any], key: str, where: str, lo: int, hi: int) -> tuple[int, int]:
        value = raw.get(key)
        if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, int) for v in value):
            raise self.fail(where + key, f"needs two whole numbers (got {value!r})")
        if not all(lo <= v <= hi for v in value):
            raise self.fail(where + key, f"{value} is outside {lo}..{hi}")
        return int(value[0]), int(value[1])


def _bands(rd: _Reader, entries: Any, key: str) -> list[tuple[int, tuple[float, float], Mapping[str, Any]]]:
    """``[[key]]`` entries with ``arousal = [lo, hi]`` that tile [0, 1] in order."""
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise rd.fail(key, "needs [[" + key + "]] entries with an arousal band")
    out = []
    edge = 0.0
    for i, e in enumerate(entries, 1):
        where = f"{key} {i}: "
        lo, hi = rd.pair(e, "arousal", where, 0.0, 1.0)
        if lo != edge or hi <= lo:
            raise rd.fail(where + "arousal", f"[{lo:g}, {hi:g}] must start at {edge:g} and rise")
        edge = hi
        out.append((i, (lo, hi), e))
    if edge != 1.0:
        raise rd.fail(key, f"the arousal bands end at {edge:g}, not 1")
    return out


def parse_chord(symbol: str, chords: Mapping[str, tuple[int, ...]], *, where: str = "") -> Chord:
    """A Roman numeral over the tonic, optionally ``:quality``.

    >>> t = {"maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8), "m7": (0, 3, 7, 10)}
    >>> [(c.offset, c.tones) for c in (parse_chord(s, t) for s in ("iv", "bVI", "i:m7", "vii°"))]
    [(5, (0, 3, 7)), (8, (0, 4, 7)), (0, (0, 3, 7, 10)), (11, (0, 3, 6))]
    """
    m = _NUMERAL.match(str(symbol).strip())
    if m is None:
        raise ConfigError(f"{where}chord {symbol!r} is not a Roman numeral such as i, IV, bVI or V:7")
    accidental, numeral, mark, quality = m.groups()
    offset = (DEGREES[numeral.upper()] + {"b": -1, "#": 1, "": 0}[accidental]) % 12
    if quality is None:
        quality = {"°": "dim", "o": "dim", "+": "aug"}.get(mark, "maj" if numeral.isupper() else "min")
    if quality not in chords:
        raise ConfigError(
            f"{where}chord {symbol!r}: unknown quality {quality!r} (known: {', '.join(chords)})"
        )
    return Chord(str(symbol).strip(), offset, quality, chords[quality])


def _harmony(
    rd: _Reader,
    raw: Any,
    where: str,
    iv: Interval,
    modes: Mapping[str, Mode],
    chords: Mapping[str, tuple[int, ...]],
) -> Harmony:
    if not isinstance(raw, dict):
        raise rd.fail(where.rstrip(": "), "needs mode and progression")
    name = str(raw.get("mode"))
    if name not in modes:
        raise rd.fail(where + "mode", f"unknown mode {name!r} (known: {', '.join(modes)})")
    mode = modes[name]
    if iv.semitones not in mode.scale:
        raise rd.fail(where + "mode", f"the {iv.name} ({iv.short}) is not in {name}")
    prog = raw.get("progression")
    if not isinstance(prog, list) or not prog or len(prog) > 16:
        raise rd.fail(where + "progression", "needs a list of 1..16 chords")
    out = []
    for sym in prog:
        chord = parse_chord(sym, chords, where=f"{rd.origin}: {where}")
        if iv.semitones % 12 not in chord.tones:
            raise rd.fail(
                where + "progression",
                f"chord {sym!r} does not hold the {iv.name} ({iv.short}) above its root",
            )
        out.append(chord)
    return Harmony(mode, tuple(out))


def load_sketch_rules(path: str | Path | None = None, *, table: IntervalTable | None = None) -> SketchRules:
    """The sketch rules, shipped or from ``path``, checked entry by entry.

    >>> r = load_sketch_rules()
    >>> r.family("m3").harmony(0.2).mode.name, [c.symbol for c in r.family("M3").harmony(0.8).progression]
    ('aeolian', ['I', 'IV', 'I:add9', 'V'])
    """
    table = table or load_interval_table()
    raw, origin = read_toml(path, "sketch.toml", what="sketch rules")
    rd = _Reader(origin)

    cues = rd.table(raw, "cues")
    min_length = rd.number(cues, "min_length", "cues.", 1.0, 600.0)
    smoothing = rd.integer(cues, "smoothing", "cues.", 1, 15)
    if smoothing % 2 == 0:
        raise rd.fail("cues.smoothing", f"{smoothing} must be odd (a centred window)")
    rest_min = rd.number(cues, "rest_min", "cues.", 0.5, 600.0)
    tail = rd.number(cues, "tail", "cues.", 0.0, 30.0)

    fifths = rd.int_pair(rd.table(raw, "key"), "fifths", "key.", -6, 6)
    tempo = rd.table(raw, "tempo")
    bpm = rd.pair(tempo, "bpm", "tempo.", 20.0, 300.0)
    chord_seconds = rd.number(tempo, "chord_seconds", "tempo.", 0.5, 30.0)

    meters = []
    for i, band, e in _bands(rd, raw.get("meters"), "meters"):
        where = f"meters {i}: "
        sig = str(e.get("time_signature", ""))
        m = re.fullmatch(r"(\d{1,2})/(4|8)", sig)
        if m is None:
            raise rd.fail(where + "time_signature", f"{sig!r} must be N/4 or N/8")
        num, den = int(m.group(1)), int(m.group(2))
        pulses = e.get("pulses")
        if (
            not isinstance(pulses, list)
            or not pulses
            or not all(isinstance(p, int) and 1 <= p <= 4 for p in pulses)
        ):
            raise rd.fail(where + "pulses", "needs a list of eighth-note counts, each 1..4")
        if sum(pulses) != num * 8 // den or num < 1:
            raise rd.fail(where + "pulses", f"{pulses} do not fill a bar of {sig} ({num * 8 // den} eighths)")
        meters.append(Meter(band, num, den, tuple(pulses)))

    density = []
    for i, band, e in _bands(rd, raw.get("density"), "density"):
        where = f"density {i}: "
        if e.get("bass") not in BASS_RHYTHMS:
            raise rd.fail(where + "bass", f"{e.get('bass')!r} must be one of {', '.join(BASS_RHYTHMS)}")
        density.append(Density(band, str(e["bass"]), rd.integer(e, "motif", where, 1, 2)))

    dyn = rd.table(raw, "dynamics")
    velocity = rd.int_pair(dyn, "velocity", "dynamics.", 1, 127)
    downbeat = rd.integer(dyn, "downbeat", "dynamics.", 0, 40)
    cc11 = rd.int_pair(dyn, "cc11", "dynamics.", 0, 127)
    cc1 = rd.int_pair(dyn, "cc1", "dynamics.", 0, 127)
    humanise = rd.integer(dyn, "humanise", "dynamics.", 0, 20)

    reg = rd.table(raw, "register")
    pad_low = rd.int_pair(reg, "pad_low", "register.", 24, 96)
    pad_span = rd.integer(reg, "pad_span", "register.", 12, 36)
    bass_low = rd.int_pair(reg, "bass_low", "register.", 24, 60)
    motif_low = rd.integer(reg, "motif_low", "register.", 48, 96)
    for k in (0, 1):
        if bass_low[k] + 11 >= pad_low[k]:
            raise rd.fail("register.bass_low", "the bass octave must lie below the pad's lowest note")

    parts_raw = rd.table(raw, "parts")
    parts = []
    for role in PART_ROLES:
        p = rd.table(parts_raw, role, "parts.")
        where = f"parts.{role}."
        name = p.get("name")
        if not isinstance(name, str) or not name.strip():
            raise rd.fail(where + "name", "needs a track name")
        channel = rd.integer(p, "channel", where, 1, 16)
        if channel == 10:
            raise rd.fail(where + "channel", "10 is the General MIDI drum channel")
        program = rd.integer(p, "program", where, 0, 127)
        parts.append(
            Part(role, name.strip(), program, channel - 1, rd.integer(p, "velocity", where, -60, 60))
        )
    if len({p.channel for p in parts}) != len(parts):
        raise rd.fail("parts", "each part needs its own channel")

    modes = {}
    for name, m in rd.table(raw, "modes").items():
        scale = m.get("scale") if isinstance(m, dict) else None
        if (
            not isinstance(scale, list)
            or len(scale) != 7
            or scale[0] != 0
            or not all(isinstance(x, int) for x in scale)
            or sorted(set(scale)) != scale
            or scale[-1] > 11
        ):
            raise rd.fail(f"modes.{name}.scale", "needs seven rising semitones from 0, below 12")
        kind = m.get("kind")
        if kind not in ("major", "minor"):
            raise rd.fail(f"modes.{name}.kind", f"{kind!r} must be major or minor")
        modes[str(name)] = Mode(str(name), tuple(scale), str(kind))

    chords: dict[str, tuple[int, ...]] = {}
    for name, tones in rd.table(raw, "chords").items():
        if (
            not isinstance(tones, list)
            or not tones
            or tones[0] != 0
            or not all(isinstance(t, int) and 0 <= t <= 11 for t in tones)
            or len(set(tones)) != len(tones)
        ):
            raise rd.fail(f"chords.{name}", "needs distinct pitch classes 0..11 starting with the root 0")
        chords[str(name)] = tuple(tones)

    fams_raw = rd.table(raw, "families")
    families = {}
    for iv in table.intervals:
        f = fams_raw.get(iv.short)
        where = f"families.{iv.short}"
        if not isinstance(f, dict):
            raise rd.fail("families", f"no family for interval {iv.short!r} ({iv.name})")
        if "low" in f or "high" in f:
            low = _harmony(rd, f.get("low"), where + ".low.", iv, modes, chords)
            high = _harmony(rd, f.get("high"), where + ".high.", iv, modes, chords)
        else:
            low = high = _harmony(rd, f, where + ".", iv, modes, chords)
        families[iv.short] = Family(iv, low, high)
    unknown = sorted(set(fams_raw) - set(families))
    if unknown:
        raise rd.fail(f"families.{unknown[0]}", "not an interval of intervals.toml")

    return SketchRules(
        origin,
        min_length,
        smoothing,
        rest_min,
        tail,
        fifths,
        bpm,
        chord_seconds,
        tuple(meters),
        tuple(density),
        velocity,
        downbeat,
        cc11,
        cc1,
        humanise,
        pad_low,
        pad_span,
        bass_low,
        motif_low,
        tuple(parts),
        families,
    )
