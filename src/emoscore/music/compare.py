"""Compare two interval sequences (paper 000 §6.1, table 3): each window's interval as
semitones above the root (C3 = 0 … octave = 12), then Pearson r and r² between them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emoscore.errors import DataError
from emoscore.music.midi import NotePair


@dataclass(frozen=True)
class Comparison:
    """Two aligned sequences and their correlation (``r`` is None when one is constant)."""

    times: tuple[float, ...]
    a: tuple[int, ...]
    b: tuple[int, ...]
    r: float | None
    r2: float | None
    agreement: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": len(self.times),
            "r": None if self.r is None else round(self.r, 6),
            "r2": None if self.r2 is None else round(self.r2, 6),
            "agreement": round(self.agreement, 6),
            "times": [round(t, 4) for t in self.times],
            "a": list(self.a),
            "b": list(self.b),
        }


def pearson(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Pearson r, or None when either sequence has no variance (r is undefined then).

    >>> round(pearson([0, 4, 3, 6], [2, 4, 3, 6]), 4), pearson([1, 1, 1], [0, 3, 4])
    (0.9564, None)
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(x) != len(y):
        raise DataError(f"sequences differ in length ({len(x)} vs {len(y)})")
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    r = float(np.corrcoef(x, y)[0, 1])
    return r if math.isfinite(r) else None


def _value_at(pairs: Sequence[NotePair], t: float) -> int | None:
    """The interval sounding at time ``t`` (the latest pair started at or before ``t``)."""
    current = None
    for p in pairs:
        if p.start <= t + 1e-6:
            current = p
        else:
            break
    return None if current is None else current.semitones


def compare_sequences(a: Sequence[NotePair], b: Sequence[NotePair]) -> Comparison:
    """Align two pair sequences on the union of their onsets and correlate them.

    With the same windows (the usual case: both methods from one timeline) this is a plain
    window-by-window comparison; with different windows each onset samples both step functions.
    """
    if not a or not b:
        raise DataError("nothing to compare: a sequence has no note pairs")
    times = sorted({round(p.start, 3) for p in a} | {round(p.start, 3) for p in b})
    rows: list[tuple[float, int, int]] = []
    for t in times:
        x, y = _value_at(a, t), _value_at(b, t)
        if x is not None and y is not None:  # before one sequence's first onset there is nothing to pair
            rows.append((t, x, y))
    xs = tuple(x for _, x, _ in rows)
    ys = tuple(y for _, _, y in rows)
    r = pearson(xs, ys)
    agree = float(np.mean([x == y for x, y in zip(xs, ys, strict=True)])) if rows else 0.0
    return Comparison(tuple(t for t, _, _ in rows), xs, ys, r, None if r is None else r * r, agree)


def plot_comparison(
    cmp: Comparison, out: str | Path, *, labels: tuple[str, str] = ("method A", "method B"), title: str = ""
) -> Path:
    """Both sequences as steps over time (semitones above the root), with r in the title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from emoscore.atomic import save_figure

    fig, ax = plt.subplots(figsize=(9, 3.5))
    t = list(cmp.times)
    if t:
        step = (t[-1] - t[-2]) if len(t) > 1 else 1.0
        ax.step(t + [t[-1] + step], list(cmp.a) + [cmp.a[-1]], where="post", label=labels[0], lw=2)
        ax.step(t + [t[-1] + step], list(cmp.b) + [cmp.b[-1]], where="post", label=labels[1], lw=2, ls="--")
    ax.set_ylim(-0.5, 12.5)
    ax.set_yticks(range(13))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("semitones above root")
    rtxt = "r undefined (a sequence is constant)" if cmp.r is None else f"r = {cmp.r:.2f}, r² = {cmp.r2:.2f}"
    ax.set_title(f"{title + ': ' if title else ''}{rtxt}")
    ax.legend(loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, out)
