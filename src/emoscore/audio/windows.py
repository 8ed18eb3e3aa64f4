"""Cut a signal, or a stream of blocks, into analysis windows (paper 000: 1–5 s, default 4 s).

Full windows start every ``hop`` seconds. The tail that no full window covers becomes a last,
shorter window when it is at least ``min_seconds`` long; otherwise it is merged into the
window before it, so the timeline always reaches the end of the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from emoscore.errors import ConfigError

MIN_WINDOW, MAX_WINDOW = 1.0, 5.0


@dataclass(frozen=True)
class Window:
    start: float
    end: float
    samples: np.ndarray


def check_window(window: float, hop: float | None) -> float:
    """Validate window/hop and return the effective hop."""
    if not (MIN_WINDOW <= window <= MAX_WINDOW):
        raise ConfigError(f"--window {window:g}: must be between {MIN_WINDOW:g} and {MAX_WINDOW:g} seconds")
    hop = window if hop is None else hop
    if not (0.1 <= hop <= window):
        raise ConfigError(f"--hop {hop:g}: must be between 0.1 s and the window ({window:g} s)")
    return hop


def window_spans(
    duration: float, window: float, hop: float | None = None, *, min_seconds: float = 1.0
) -> list[tuple[float, float]]:
    """Window (start, end) times covering ``duration`` seconds.

    >>> window_spans(10.0, 4.0)
    [(0.0, 4.0), (4.0, 8.0), (8.0, 10.0)]
    >>> window_spans(8.5, 4.0)
    [(0.0, 4.0), (4.0, 8.5)]
    >>> window_spans(2.0, 4.0)
    [(0.0, 2.0)]
    """
    hop = check_window(window, hop)
    if duration <= window:
        return [(0.0, round(duration, 6))]
    spans: list[tuple[float, float]] = []
    k = 0
    while k * hop + window <= duration + 1e-9:
        spans.append((round(k * hop, 6), round(k * hop + window, 6)))
        k += 1
    last_end = spans[-1][1]
    if duration - last_end > 1e-9:
        start = round(k * hop, 6)
        if duration - start >= min_seconds:
            spans.append((start, round(duration, 6)))
        else:
            spans[-1] = (spans[-1][0], round(duration, 6))
    return spans


def iter_windows(
    blocks: Iterable[np.ndarray],
    sample_rate: int,
    window: float,
    hop: float | None = None,
    *,
    min_seconds: float = 1.0,
) -> Iterator[Window]:
    """Stream windows out of blocks with bounded memory; same spans as :func:`window_spans`."""
    hop = check_window(window, hop)
    win_n, hop_n, min_n = int(round(window * sample_rate)), int(round(hop * sample_rate)), int(min_seconds * sample_rate)
    buf = np.zeros(0, dtype=np.float32)
    buf_start = 0  # sample index of buf[0]
    next_start = 0
    pending: tuple[int, np.ndarray] | None = None
    total = 0
    for block in blocks:
        total += len(block)
        buf = np.concatenate([buf, block.astype(np.float32, copy=False)])
        while next_start + win_n <= buf_start + len(buf):
            a = next_start - buf_start
            if pending is not None:
                yield _window(pending, sample_rate)
            pending = (next_start, buf[a : a + win_n].copy())
            next_start += hop_n
        drop = next_start - buf_start
        if drop > 0:
            buf, buf_start = buf[drop:], next_start
    if pending is None:
        if total:
            yield Window(0.0, total / sample_rate, buf.copy())
        return
    p_start, p_samples = pending
    p_end = p_start + len(p_samples)
    if total > p_end:
        tail_start = next_start
        if total - tail_start >= min_n:
            yield _window(pending, sample_rate)
            yield _window((tail_start, buf[tail_start - buf_start :].copy()), sample_rate)
            return
        extra = buf[p_end - buf_start :] if p_end >= buf_start else buf
        pending = (p_start, np.concatenate([p_samples, extra]))
    yield _window(pending, sample_rate)


def _window(pending: tuple[int, np.ndarray], sample_rate: int) -> Window:
    start, samples = pending
    return Window(round(start / sample_rate, 6), round((start + len(samples)) / sample_rate, 6), samples)
