"""Timeline → sections: cues where the emotion changes durably, rests where there is nothing to read.

A window is *readable* when it has what the sketch's interval method reads: valence and arousal
for method A (speech, music or other windows alike), a top emotion for method B. Readable windows
are smoothed (running median of valence/arousal/dominance, running mean of the probabilities, over
``rules.smoothing`` windows, never across a rest) and each gets its interval from the method's map.

* A stretch with nothing to read that is shorter than ``rules.rest_min`` carries the cue before it
  on (its harmony and rhythm keep going); a longer one, and anything before the first readable
  window, is a **rest**.
* Between rests, runs of one interval are cues; a run shorter than the minimum cue length merges
  into the neighbour whose valence/arousal is closest, until every cue is long enough (or the
  stretch holds only one).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from emoscore.errors import DataError
from emoscore.music.maps import EmotionMap, Interval, RegionMap
from emoscore.taxonomy import load_taxonomy
from emoscore.timeline import Segment, Timeline, vad_from_probabilities


@dataclass(frozen=True)
class Window:
    """A readable window: its own span, raw and smoothed V/A/D, and its (smoothed) interval."""

    start: float
    end: float
    valence: float
    arousal: float
    dominance: float
    probabilities: Mapping[str, float]
    emotion: str | None
    domain: str | None
    smooth: tuple[float, float, float]
    interval: Interval

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Section:
    """A cue (``windows`` non-empty) or a rest (no windows), from ``start`` to ``end`` seconds."""

    start: float
    end: float
    windows: tuple[Window, ...] = ()
    emotion: str = ""
    valence: float = 0.5
    arousal: float = 0.5
    dominance: float = 0.5
    interval: Interval | None = None
    reason: str = ""

    @property
    def is_rest(self) -> bool:
        return not self.windows

    @property
    def duration(self) -> float:
        return self.end - self.start


def _own_spans(segments: Sequence[Segment]) -> list[tuple[Segment, float, float]]:
    """Each window from its start to its end, or to the next start when windows overlap."""
    segs = sorted(segments, key=lambda s: s.start)
    out = []
    for i, s in enumerate(segs):
        end = s.end if i + 1 == len(segs) else min(s.end, segs[i + 1].start)
        if end > s.start:
            out.append((s, float(s.start), float(end)))
    return out


def _readable(seg: Segment, mapping: EmotionMap | RegionMap) -> bool:
    if isinstance(mapping, RegionMap):
        return seg.valence is not None and seg.arousal is not None
    return seg.emotion is not None


def _vad(seg: Segment) -> tuple[float, float, float]:
    """The window's V/A/D; a top emotion without them takes its classes' taxonomy point."""
    if seg.valence is not None and seg.arousal is not None:
        d = 0.5 if seg.dominance is None else seg.dominance
        return float(seg.valence), float(seg.arousal), float(d)
    return vad_from_probabilities(seg.probabilities, load_taxonomy().vad)


def _smooth(
    block: Sequence[tuple[Segment, float, float]], width: int
) -> list[tuple[tuple[float, float, float], dict[str, float]]]:
    """Running median of V/A/D and running mean of the probabilities over ``width`` windows; the
    first and last windows stand in for the missing neighbours at the ends (so an edge stays an
    edge instead of averaging two windows)."""
    half = width // 2
    vads = [_vad(s) for s, _, _ in block]
    last = len(block) - 1
    out = []
    for i in range(len(block)):
        near = [min(last, max(0, i + k)) for k in range(-half, half + 1)]
        v, a, d = (float(statistics.median(vads[j][k] for j in near)) for k in range(3))
        probs: dict[str, float] = {}
        for j in near:
            for lab, p in block[j][0].probabilities.items():
                probs[lab] = probs.get(lab, 0.0) + float(p) / len(near)
        out.append(((v, a, d), probs))
    return out


def _interval(
    mapping: EmotionMap | RegionMap, vad: tuple[float, float, float], probs: Mapping[str, float]
) -> Interval:
    if isinstance(mapping, RegionMap):
        return mapping.interval_for(*vad)
    return mapping.interval_for(max(probs, key=lambda k: probs[k]))


def _summary(windows: Sequence[Window], start: float, end: float) -> Section:
    """A cue over ``windows``: duration-weighted V/A/D; the interval that holds most of its time
    (ties: the one heard first) and, among the windows with that interval, the emotion that holds
    most of theirs, so a cue's name and its harmony agree."""
    total = sum(w.duration for w in windows)
    v, a, d = (
        sum(getattr(w, k) * w.duration for w in windows) / total for k in ("valence", "arousal", "dominance")
    )
    interval = _majority([(w.interval.short, w.duration) for w in windows])
    chosen = next(w.interval for w in windows if w.interval.short == interval)
    named = [(w.emotion, w.duration) for w in windows if w.interval.short == interval and w.emotion]
    if named:
        emotion = _majority(named)
    else:  # e.g. method A over music windows: no speech emotion, name what the windows hold
        held = [(w.domain, w.duration) for w in windows if w.domain]
        emotion = _majority(held) if held else "no emotion"
    return Section(start, end, tuple(windows), emotion, v, a, d, chosen)


def _majority(items: Sequence[tuple[str, float]]) -> str:
    """The key with the most total weight; ties go to the one seen first."""
    weight: dict[str, float] = {}
    for key, w in items:
        weight[key] = weight.get(key, 0.0) + w
    return max(weight, key=lambda k: weight[k])  # max keeps the first of equals, in insertion order


def _rest(start: float, end: float, spans: Sequence[tuple[Segment, float, float]]) -> Section:
    """A rest, named after what its windows hold most (silence, music, other; "no windows")."""
    held: dict[str, float] = {}
    for seg, s, e in spans:
        overlap = min(e, end) - max(s, start)
        if overlap > 0:
            key = seg.domain or "no emotion"
            held[key] = held.get(key, 0.0) + overlap
    return Section(start, end, reason=max(held, key=lambda k: held[k]) if held else "no windows")


def _merge_short(pieces: list[list[Window]], bounds: list[float], min_length: float) -> list[list[Window]]:
    """Merge pieces shorter than ``min_length`` into their closest neighbour (V/A distance)."""

    def mean_va(ws: Sequence[Window]) -> tuple[float, float]:
        t = sum(w.duration for w in ws)
        return sum(w.valence * w.duration for w in ws) / t, sum(w.arousal * w.duration for w in ws) / t

    while len(pieces) > 1:
        lengths = [bounds[i + 1] - bounds[i] for i in range(len(pieces))]
        short = [i for i, n in enumerate(lengths) if n < min_length - 1e-9]
        if not short:
            break
        i = min(short, key=lambda k: (lengths[k], k))
        here = mean_va(pieces[i])
        options = [j for j in (i - 1, i + 1) if 0 <= j < len(pieces)]
        j = min(
            options,
            key=lambda k: (sum((x - y) ** 2 for x, y in zip(mean_va(pieces[k]), here, strict=True)), k),
        )
        lo, hi = min(i, j), max(i, j)
        pieces[lo : hi + 1] = [pieces[lo] + pieces[hi]]
        del bounds[hi]
    return pieces


def cut_sections(
    timeline: Timeline,
    mapping: EmotionMap | RegionMap,
    *,
    min_length: float,
    smoothing: int = 3,
    rest_min: float = 6.0,
) -> tuple[Section, ...]:
    """Cues and rests covering the timeline from 0 to its end, in time order.

    >>> from emoscore.music.maps import load_method_b
    >>> from emoscore.timeline import ModelInfo
    >>> segs = [Segment(4.0 * i, 4.0 * i + 4, {e: 0.9, "calm": 0.1}, None, None, None)
    ...         for i, e in enumerate(["sad"] * 3 + ["happy"] + ["sad"] * 3)]
    >>> tl = Timeline("x.wav", 28.0, ModelInfo("demo", "1", ("sad", "happy", "calm")), 4.0, 4.0, tuple(segs))
    >>> [(s.start, s.end, s.interval.short) for s in cut_sections(tl, load_method_b(), min_length=8.0)]
    [(0.0, 28.0, 'm3')]
    """
    spans = _own_spans(timeline.segments)
    if not spans:
        raise DataError(f"{timeline.input}: the emotion timeline is empty (no analysis windows)")
    end_all = max(float(timeline.duration), spans[-1][2])
    readable = [x for x in spans if _readable(x[0], mapping)]
    if not readable:
        return (_rest(0.0, end_all, spans),)

    blocks: list[list[tuple[Segment, float, float]]] = [[readable[0]]]
    for item in readable[1:]:
        if item[1] - blocks[-1][-1][2] < rest_min - 1e-9:
            blocks[-1].append(item)
        else:
            blocks.append([item])

    sections: list[Section] = []
    cursor = 0.0
    for bi, block in enumerate(blocks):
        start = block[0][1]
        if start > cursor + 1e-9:
            sections.append(_rest(cursor, start, spans))
        smoothed = _smooth(block, smoothing)
        windows = []
        for (seg, s, e), (vad, probs) in zip(block, smoothed, strict=True):
            v, a, d = _vad(seg)
            windows.append(
                Window(
                    s,
                    e,
                    v,
                    a,
                    d,
                    dict(seg.probabilities),
                    seg.emotion,
                    seg.domain,
                    vad,
                    _interval(mapping, vad, probs),
                )
            )
        block_end = block[-1][2]
        if bi + 1 == len(blocks) and end_all - block_end < rest_min - 1e-9:
            block_end = end_all  # a short quiet ending carries the last cue to the end
        pieces: list[list[Window]] = []
        for w in windows:
            if pieces and pieces[-1][-1].interval == w.interval:
                pieces[-1].append(w)
            else:
                pieces.append([w])
        bounds = [p[0].start for p in pieces] + [block_end]
        pieces = _merge_short(pieces, bounds, min_length)
        for i, piece in enumerate(pieces):
            sections.append(_summary(piece, bounds[i], bounds[i + 1]))
        cursor = block_end
    if end_all > cursor + 1e-9:
        sections.append(_rest(cursor, end_all, spans))
    return tuple(sections)
