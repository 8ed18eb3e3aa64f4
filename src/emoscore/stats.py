"""Listening-test analysis (paper 000 §6.2, tables 4 and 5).

Ratings run from −60 to 60 per scene (negative favours method A); each scene gets n, mean,
sd, standard error and a one-sample t-test of the mean against 0 (equivalently, the paired
t-test of the A-vs-B preference).
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

from emoscore.errors import DataError

RATING_RANGE = (-60.0, 60.0)


@dataclass(frozen=True)
class SceneStats:
    """One scene's summary and t-test; ``t`` and ``p`` are None when sd is 0 or n < 2."""

    scene: str
    n: int
    mean: float
    sd: float
    se: float
    t: float | None
    df: int
    p: float | None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("mean", "sd", "se", "t", "p"):
            if d[k] is not None:
                d[k] = round(float(d[k]), 6)
        return d


def ttest_from_summary(scene: str, n: int, mean: float, sd: float) -> SceneStats:
    """One-sample t-test against 0 from n, mean and sample sd (paper 000 table 4 → 5).

    >>> s = ttest_from_summary("2", 33, -14.03, 37.02)
    >>> round(abs(s.t), 2), s.df, round(s.p, 3)
    (2.18, 32, 0.037)
    """
    if n < 1:
        raise DataError(f"scene {scene}: no ratings")
    se = sd / math.sqrt(n) if n > 0 else float("nan")
    df = n - 1
    if n < 2 or sd <= 0:
        return SceneStats(scene, n, mean, sd, se, None, df, None)
    t = mean / se
    p = float(2 * sps.t.sf(abs(t), df))
    return SceneStats(scene, n, mean, sd, se, t, df, p)


def scene_stats(ratings: dict[str, list[float]]) -> list[SceneStats]:
    """Per-scene statistics, scenes in first-seen order."""
    out = []
    for scene, values in ratings.items():
        x = np.asarray(values, dtype=float)
        sd = float(np.std(x, ddof=1)) if len(x) > 1 else 0.0
        out.append(ttest_from_summary(scene, len(x), float(np.mean(x)), sd))
    return out


def read_ratings(path: str | Path) -> dict[str, list[float]]:
    """Read a ``scene,rating`` CSV (one row per rating); one-line :class:`DataError` on bad rows."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: cannot read ratings ({getattr(exc, 'strerror', None) or exc})") from None
    reader = csv.DictReader(text.splitlines())
    cols = [c.strip().lower() for c in (reader.fieldnames or [])]
    if "scene" not in cols or "rating" not in cols:
        first = text.splitlines()[0][:60] if text.strip() else ""
        raise DataError(f"{p}: needs a header row with columns scene,rating (first line: {first!r})")
    reader.fieldnames = cols
    out: dict[str, list[float]] = {}
    lo, hi = RATING_RANGE
    for line, row in enumerate(reader, start=2):
        scene, raw = (row.get("scene") or "").strip(), (row.get("rating") or "").strip()
        if not scene and not raw:
            continue
        try:
            value = float(raw)
        except ValueError:
            raise DataError(f"{p}: line {line}: rating {raw!r} is not a number") from None
        if not math.isfinite(value) or not lo <= value <= hi:
            raise DataError(f"{p}: line {line}: rating {raw} is outside {lo:g}..{hi:g}")
        if not scene:
            raise DataError(f"{p}: line {line}: empty scene")
        out.setdefault(scene, []).append(value)
    if not out:
        raise DataError(f"{p}: no ratings")
    return out


def plot_ratings(ratings: dict[str, list[float]], out: str | Path) -> Path:
    """Box plot of the ratings per scene (paper 000 fig. 7), with the zero line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from emoscore.atomic import save_figure

    fig, ax = plt.subplots(figsize=(1.6 * len(ratings) + 2, 4))
    ax.boxplot(list(ratings.values()), showmeans=True)
    ax.set_xticks(range(1, len(ratings) + 1), [str(k) for k in ratings])
    ax.axhline(0, color="grey", lw=1, ls="--")
    ax.set_ylim(RATING_RANGE[0] - 5, RATING_RANGE[1] + 5)
    ax.set_xlabel("scene")
    ax.set_ylabel("rating (< 0 favours A, > 0 favours B)")
    fig.tight_layout()
    return save_figure(fig, out)
