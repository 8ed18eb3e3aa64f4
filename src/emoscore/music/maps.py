"""Interval maps as validated data: the 12-interval table, method B (emotion → interval) and
method A (regions of the valence/arousal plane → interval), and the emotion → CC table.

The shipped maps live in ``emoscore/data/{intervals,method_a,method_b}.toml``; a user file with
the same layout replaces a method's map (``--map FILE``). Every problem is a
:class:`~emoscore.errors.ConfigError` whose one-line message names the file and the entry.
"""

from __future__ import annotations

import functools
import itertools
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from emoscore.errors import ConfigError
from emoscore.taxonomy import load_taxonomy

CC_FALLBACK = tuple(range(102, 120))  # undefined controllers for labels the table does not name


@dataclass(frozen=True)
class Interval:
    """One of the twelve intervals over the root."""

    short: str
    semitones: int
    name: str
    quality: str
    feeling: str


@dataclass(frozen=True)
class IntervalTable:
    """The twelve intervals, looked up by short name, long name or semitone count."""

    intervals: tuple[Interval, ...]
    cc: Mapping[str, int]

    def get(self, key: Any, *, origin: str = "", where: str = "") -> Interval:
        """The interval a map entry names; :class:`ConfigError` for an unknown one."""
        text = str(key).strip()
        for iv in self.intervals:
            if text in (iv.short, str(iv.semitones)) or text.lower() == iv.name:
                return iv
        known = ", ".join(iv.short for iv in self.intervals)
        raise ConfigError(f"{origin}: {where}unknown interval {text!r} (known: {known})")

    def by_semitones(self, semitones: int) -> Interval:
        return self.intervals[semitones % 12]

    def cc_numbers(self, labels: Sequence[str]) -> dict[str, int]:
        """One CC number per label: the table's, else the next free one of 102..119."""
        out = {lab: self.cc[lab] for lab in labels if lab in self.cc}
        spare = (n for n in CC_FALLBACK if n not in out.values() and n not in self.cc.values())
        for lab in labels:
            if lab not in out:
                n = next(spare, None)
                if n is None:
                    raise ConfigError(f"too many emotion labels for the CC numbers 102..119: {lab!r}")
                out[lab] = n
        return out


@dataclass(frozen=True)
class EmotionMap:
    """Method B: the top emotion of a window picks the interval."""

    intervals: Mapping[str, Interval]
    origin: str

    def check_labels(self, labels: Iterable[str]) -> None:
        """Fail before composing if a model label has no interval."""
        missing = [lab for lab in labels if _canonical(lab) not in self.intervals]
        if missing:
            raise ConfigError(
                f"{self.origin}: no interval for emotion {missing[0]!r} "
                f"(map covers: {', '.join(sorted(self.intervals))})"
            )

    def interval_for(self, emotion: str) -> Interval:
        self.check_labels([emotion])
        return self.intervals[_canonical(emotion)]


@dataclass(frozen=True)
class Region:
    """A rectangle of the V/A plane, optionally limited to a dominance range."""

    interval: Interval
    valence: tuple[float, float]
    arousal: tuple[float, float]
    dominance: tuple[float, float] = (0.0, 1.0)

    def contains(self, v: float, a: float, d: float) -> bool:
        return _inside(v, self.valence) and _inside(a, self.arousal) and _inside(d, self.dominance)


@dataclass(frozen=True)
class RegionMap:
    """Method A: valence/arousal (and dominance where it separates close regions) → interval."""

    regions: tuple[Region, ...]
    origin: str

    def interval_for(self, valence: float, arousal: float, dominance: float = 0.5) -> Interval:
        """The interval whose region holds the point (values are clipped to [0, 1]).

        >>> m = load_method_a()
        >>> [m.interval_for(*p).short for p in [(0.9, 0.8), (0.1, 0.9, 0.8), (0.1, 0.9, 0.2)]]
        ['M3', 'TT', 'm2']
        """
        p = [min(1.0, max(0.0, float(x))) for x in (valence, arousal, dominance)]
        for r in self.regions:
            if r.contains(*p):
                return r.interval
        raise ConfigError(f"{self.origin}: no region holds V={p[0]:.3f} A={p[1]:.3f} D={p[2]:.3f}")


def _inside(x: float, span: tuple[float, float]) -> bool:
    lo, hi = span
    return lo <= x < hi or (hi == 1.0 and x == 1.0)


@functools.cache
def _synonyms() -> Mapping[str, str]:
    return load_taxonomy().corpus_maps["generic"]


def _canonical(label: str) -> str:
    """Common class name for a label (so ``fear`` and ``fearful`` are the same key); a custom
    model's own label is kept as written."""
    key = label.strip().lower()
    return _synonyms().get(key, key)


def read_toml(path: str | Path | None, shipped: str, *, what: str = "map") -> tuple[dict, str]:
    r"""A TOML file of ``what`` (or the shipped ``data/<shipped>``) and its origin for messages;
    unreadable or invalid files are one-line :class:`ConfigError`\ s."""
    if path is None:
        text = resources.files("emoscore.data").joinpath(shipped).read_text()
        origin = f"emoscore/data/{shipped}"
    else:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read {what} ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: not a text (TOML) file") from None
        origin = str(path)
    try:
        return tomllib.loads(text), origin
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML ({exc})") from None


def load_interval_table(path: str | Path | None = None) -> IntervalTable:
    """The twelve intervals and the CC table.

    >>> t = load_interval_table()
    >>> [t.get(k).semitones for k in ("P1", "m3", "tritone", "11")]
    [0, 3, 6, 11]
    """
    raw, origin = read_toml(path, "intervals.toml")
    try:
        items = [
            Interval(
                str(k), int(v["semitones"]), str(v["name"]), str(v["quality"]), str(v.get("feeling", ""))
            )
            for k, v in raw["intervals"].items()
        ]
        cc = {str(k): int(v) for k, v in raw.get("cc", {}).items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{origin}: malformed interval table ({exc})") from None
    items.sort(key=lambda iv: iv.semitones)
    if [iv.semitones for iv in items] != list(range(12)):
        raise ConfigError(f"{origin}: needs exactly one interval for each of 0..11 semitones")
    bad = [f"{k}={n}" for k, n in cc.items() if not 0 <= n <= 119]
    if bad or len(set(cc.values())) != len(cc):
        raise ConfigError(
            f"{origin}: CC numbers must be distinct and in 0..119 ({', '.join(bad) or 'duplicate'})"
        )
    return IntervalTable(tuple(items), cc)


def load_method_b(path: str | Path | None = None, *, table: IntervalTable | None = None) -> EmotionMap:
    """Method B's emotion → interval map (shipped or a user file).

    >>> load_method_b().interval_for("fear").name
    'minor 2nd'
    """
    table = table or load_interval_table()
    raw, origin = read_toml(path, "method_b.toml")
    emotions = raw.get("emotions")
    if not isinstance(emotions, dict) or not emotions:
        raise ConfigError(f"{origin}: needs an [emotions] table of emotion = interval")
    out: dict[str, Interval] = {}
    for emo, name in emotions.items():
        out[_canonical(emo)] = table.get(name, origin=origin, where=f"emotions.{emo}: ")
    # a user map replaces the shipped one, so it must name every emotion the paper names
    paper_six = ("fearful", "neutral", "sad", "happy", "angry", "surprised")
    missing = [e for e in paper_six if e not in out]
    if missing:
        raise ConfigError(f"{origin}: missing emotion {missing[0]!r} (method B needs {', '.join(paper_six)})")
    return EmotionMap(out, origin)


def _span(entry: Mapping[str, Any], key: str, origin: str, where: str) -> tuple[float, float]:
    raw = entry.get(key, [0.0, 1.0])
    try:
        lo, hi = (float(x) for x in raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{origin}: {where}{key} must be [lo, hi]") from None
    if not 0.0 <= lo < hi <= 1.0:
        raise ConfigError(f"{origin}: {where}{key} = [{lo:g}, {hi:g}] must satisfy 0 <= lo < hi <= 1")
    return lo, hi


def load_method_a(path: str | Path | None = None, *, table: IntervalTable | None = None) -> RegionMap:
    """Method A's region map, checked to cover the V/A/D cube exactly once.

    >>> len({r.interval.short for r in load_method_a().regions})
    12
    """
    table = table or load_interval_table()
    raw, origin = read_toml(path, "method_a.toml")
    entries = raw.get("regions")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{origin}: needs [[regions]] entries with interval, valence, arousal")
    regions = []
    for i, e in enumerate(entries, 1):
        where = f"region {i}: "
        if not isinstance(e, dict) or "interval" not in e:
            raise ConfigError(f"{origin}: {where}needs an interval")
        regions.append(
            Region(
                table.get(e["interval"], origin=origin, where=where),
                _span(e, "valence", origin, where),
                _span(e, "arousal", origin, where),
                _span(e, "dominance", origin, where),
            )
        )
    _check_tiling(regions, origin)
    return RegionMap(tuple(regions), origin)


def _check_tiling(regions: Sequence[Region], origin: str) -> None:
    """Every elementary cell of the breakpoint grid must lie in exactly one region."""
    axes = []
    for attr in ("valence", "arousal", "dominance"):
        cuts = sorted({0.0, 1.0} | {x for r in regions for x in getattr(r, attr)})
        axes.append([(a + b) / 2 for a, b in itertools.pairwise(cuts)])
    for v, a, d in itertools.product(*axes):
        hits = [r for r in regions if r.contains(v, a, d)]
        if len(hits) != 1:
            what = "is in no region" if not hits else f"is in {len(hits)} regions"
            raise ConfigError(f"{origin}: the point V={v:.3f} A={a:.3f} D={d:.3f} {what}")


def maps_document(
    maps: Mapping[str, EmotionMap | RegionMap], table: IntervalTable | None = None
) -> dict[str, Any]:
    """The interval table, the emotion → CC numbers and the given maps as plain JSON data
    (what ``maps show --format json`` prints and ``GET /api/maps`` returns)."""
    table = table or load_interval_table()
    doc: dict[str, Any] = {
        "intervals": [
            {
                "short": i.short,
                "semitones": i.semitones,
                "name": i.name,
                "quality": i.quality,
                "feeling": i.feeling,
            }
            for i in table.intervals
        ],
        "cc": dict(table.cc),
    }
    for method, mp in maps.items():
        if isinstance(mp, RegionMap):
            doc[method] = {
                "origin": mp.origin,
                "regions": [
                    {
                        "interval": r.interval.short,
                        "semitones": r.interval.semitones,
                        "valence": list(r.valence),
                        "arousal": list(r.arousal),
                        "dominance": list(r.dominance),
                    }
                    for r in mp.regions
                ],
            }
        else:
            doc[method] = {"origin": mp.origin, "emotions": {k: v.short for k, v in mp.intervals.items()}}
    return doc


def load_map(method: str, path: str | Path | None = None) -> EmotionMap | RegionMap:
    """The map of ``method`` ("A" or "B"), shipped or from ``path``."""
    m = method.upper()
    if m == "A":
        return load_method_a(path)
    if m == "B":
        return load_method_b(path)
    raise ConfigError(f"unknown method {method!r}; use A or B")


def plot_region_map(
    mapping: RegionMap, out: str | Path, *, points: Mapping[str, Sequence[float]] | None = None
) -> Path:
    """Draw method A's V/A plane with each region labelled (one panel per dominance range
    when dominance splits regions), optionally with emotion points (e.g. the taxonomy's)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from emoscore.atomic import save_figure

    cuts = sorted({0.0, 1.0} | {x for r in mapping.regions for x in r.dominance})
    slices = list(itertools.pairwise(cuts))
    fig, axes = plt.subplots(1, len(slices), figsize=(5.2 * len(slices), 5.2), squeeze=False)
    cmap = plt.get_cmap("tab20")
    for ax, (dlo, dhi) in zip(axes[0], slices, strict=True):
        dmid = (dlo + dhi) / 2
        for r in mapping.regions:
            if not _inside(dmid, r.dominance):
                continue
            (v0, v1), (a0, a1) = r.valence, r.arousal
            ax.add_patch(
                Rectangle(
                    (v0, a0),
                    v1 - v0,
                    a1 - a0,
                    facecolor=cmap(r.interval.semitones),
                    edgecolor="black",
                    lw=1,
                    alpha=0.55,
                )
            )
            label = r.interval.short + (f"\n{r.interval.name}" if v1 - v0 >= 0.15 else "")
            ax.text((v0 + v1) / 2, (a0 + a1) / 2, label, ha="center", va="center", fontsize=8)
        for name, (pv, pa, pd) in (points or {}).items():
            if dlo <= pd < dhi or (dhi == 1.0 and pd == 1.0):
                ax.plot(pv, pa, "k.", ms=6)
                ax.annotate(
                    name, (pv, pa), textcoords="offset points", xytext=(3, 3), fontsize=7, style="italic"
                )
        ax.axvline(0.5, color="black", lw=2)
        ax.axhline(0.5, color="black", lw=1, ls=":")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel("valence")
        ax.set_ylabel("arousal")
        ax.set_title(f"method A, dominance {dlo:g}–{dhi:g}" if len(slices) > 1 else "method A")
    fig.tight_layout()
    return save_figure(fig, out)


def map_method(path: str | Path) -> str:
    """Which method a user map file is for: "A" ([[regions]]) or "B" ([emotions])."""
    raw, origin = read_toml(path, "")
    if "regions" in raw and "emotions" not in raw:
        return "A"
    if "emotions" in raw and "regions" not in raw:
        return "B"
    raise ConfigError(f"{origin}: a map needs either [[regions]] (method A) or [emotions] (method B)")


def plot_emotion_map(mapping: EmotionMap, out: str | Path, *, points: Mapping[str, Sequence[float]]) -> Path:
    """Draw method B on the V/A plane: each emotion's point labelled with its interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from emoscore.atomic import save_figure

    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    cmap = plt.get_cmap("tab20")
    for name, iv in sorted(mapping.intervals.items()):
        if name not in points:
            continue
        v, a = points[name][0], points[name][1]
        ax.scatter([v], [a], s=160, color=cmap(iv.semitones), edgecolor="black", zorder=3)
        ax.annotate(
            f"{name}: {iv.short} ({iv.name})", (v, a), textcoords="offset points", xytext=(8, -3), fontsize=8
        )
    ax.axvline(0.5, color="black", lw=1)
    ax.axhline(0.5, color="black", lw=1, ls=":")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("valence")
    ax.set_ylabel("arousal")
    ax.set_title("method B: top emotion → interval")
    fig.tight_layout()
    return save_figure(fig, out)
