"""``--smooth``: steadier timelines for musical cues, smoothing only within runs of one domain.

A window's domain is never changed (a music window has no speech emotion to borrow). Within each
run of consecutive windows of the same domain:

* ``median``: every class probability, quadrant probability and valence/arousal is the median of
  the window and its neighbours (three windows), probabilities renormalised;
* ``hmm``: the speech emotion and the quadrant follow a sticky hidden Markov chain (a class stays
  with probability ``STAY`` from one window to the next); each window's probabilities become the
  forward-backward posteriors, treating the model's probabilities as scaled likelihoods;
  valence/arousal of music and other windows take the three-window median.

Speech windows' valence/arousal/dominance are the class projection of the smoothed probabilities,
as for raw windows. ``off`` returns the windows as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from emoscore.taxonomy import load_taxonomy
from emoscore.timeline import Segment, vad_from_probabilities
from emoscore.vocabulary import Domain, Smoothing, parse_smoothing

#: the probability that the hidden class stays the same from one window to the next (hmm)
STAY = 0.8


def _runs(segments: Sequence[Segment]) -> list[tuple[int, int]]:
    """[start, end) index ranges of consecutive windows sharing a domain (silence left out)."""
    runs, a = [], 0
    for i in range(1, len(segments) + 1):
        if i == len(segments) or segments[i].domain != segments[a].domain:
            if segments[a].domain != Domain.SILENCE:
                runs.append((a, i))
            a = i
    return runs


def _median3(x: np.ndarray) -> np.ndarray:
    """Row-wise median of each row and its neighbours; the ends are padded with themselves, so a
    run's first and last windows keep their values (as ``scipy.signal.medfilt`` would not)."""
    if len(x) < 3:
        return x.copy()
    stacked = np.stack([np.vstack([x[:1], x[:-1]]), x, np.vstack([x[1:], x[-1:]])])
    return np.median(stacked, axis=0)


def _posteriors(p: np.ndarray, stay: float = STAY) -> np.ndarray:
    """Forward-backward posteriors of a sticky chain over the columns of ``p`` (rows: windows).

    >>> post = _posteriors(np.array([[0.9, 0.1], [0.4, 0.6], [0.9, 0.1]]))
    >>> bool(post[1, 0] > 0.5)  # a lone flip between two confident windows is smoothed away
    True
    """
    n, k = p.shape
    if k < 2:
        return p.copy()
    trans = np.full((k, k), (1 - stay) / (k - 1))
    np.fill_diagonal(trans, stay)
    like = np.clip(p, 1e-9, None)
    fwd = np.zeros((n, k))
    fwd[0] = like[0] / like[0].sum()
    for t in range(1, n):
        f = (fwd[t - 1] @ trans) * like[t]
        fwd[t] = f / f.sum()
    bwd = np.ones((n, k))
    for t in range(n - 2, -1, -1):
        b = trans @ (like[t + 1] * bwd[t + 1])
        bwd[t] = b / b.sum()
    post = fwd * bwd
    return post / post.sum(axis=1, keepdims=True)


def _smooth_dicts(dicts: Sequence[Mapping[str, float]], method: Smoothing) -> list[dict[str, float]]:
    labels = list(dicts[0])
    p = np.array([[d.get(lab, 0.0) for lab in labels] for d in dicts], dtype=np.float64)
    q = _posteriors(p) if method == Smoothing.HMM else _median3(p)
    q = q / np.clip(q.sum(axis=1, keepdims=True), 1e-12, None)
    return [{lab: float(v) for lab, v in zip(labels, row, strict=True)} for row in q]


def smooth_segments(segments: Sequence[Segment], method: str = Smoothing.OFF) -> tuple[Segment, ...]:
    """``segments`` smoothed by ``method`` (``off``, ``median``, ``hmm``) within domain runs."""
    how = parse_smoothing(method)
    out = list(segments)
    if how == Smoothing.OFF or len(out) < 2:
        return tuple(out)
    coords = load_taxonomy().vad
    for a, b in _runs(out):
        run = out[a:b]
        if len(run) < 2:
            continue
        if run[0].probabilities and all(s.probabilities for s in run):
            for i, probs in enumerate(_smooth_dicts([s.probabilities for s in run], how)):
                v, ar, d = vad_from_probabilities(probs, coords)
                out[a + i] = replace(out[a + i], probabilities=probs, valence=v, arousal=ar, dominance=d)
            continue
        if all(s.quadrant for s in run):
            for i, quad in enumerate(_smooth_dicts([s.quadrant for s in run], how)):
                out[a + i] = replace(out[a + i], quadrant=quad)
        if all(s.valence is not None and s.arousal is not None for s in run):
            va = _median3(np.array([[s.valence, s.arousal] for s in run], dtype=np.float64))
            for i, (v, ar) in enumerate(va):
                out[a + i] = replace(out[a + i], valence=float(v), arousal=float(ar))
    return tuple(out)
