"""Cut a signal, or a stream of blocks, into analysis windows (paper 000: 1–5 s, default 4 s).

Full windows start every ``hop`` seconds. The tail that no full window covers becomes a last,
shorter window when it is at least ``min_seconds`` long; otherwise it is merged into the
window before it, so the timeline always reaches the end of the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from emoscore.vocabulary import check_window


@dataclass(frozen=True)
class Window:
    start: float
    end: float
    samples: np.ndarray


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
    """Stream windows out of blocks with bounded memory; same spans as :func:`window_spans`.

    Window ``k`` starts at sample ``round(k * hop * sample_rate)`` (not ``k`` times a rounded hop),
    so starts do not drift from :func:`window_spans` when the hop is not a whole number of samples.
    """
    hop = check_window(window, hop)
    win_n = int(round(window * sample_rate))

    def first(k: int) -> int:
        return int(round(k * hop * sample_rate))

    def fits(k: int, available: int) -> bool:  # the test window_spans applies to full windows
        return k * hop + window <= available / sample_rate + 1e-9

    buf = np.zeros(0, dtype=np.float32)
    buf_start = 0  # sample index of buf[0]
    k = 0  # next full window
    pending: Window | None = None  # the last full window, held back in case the tail merges into it
    total = 0
    for block in blocks:
        total += len(block)
        buf = np.concatenate([buf, np.asarray(block, dtype=np.float32)])
        while fits(k, total) and first(k) + win_n <= total:
            if pending is not None:
                yield pending
            pending = _full(buf, buf_start, first(k), win_n, k, hop, window)
            k += 1
        drop = first(k) - buf_start
        if drop > 0:
            buf, buf_start = buf[drop:], buf_start + drop
    while fits(k, total):  # a last window that lacks a sample to rounding
        if pending is not None:
            yield pending
        pending = _full(buf, buf_start, first(k), win_n, k, hop, window)
        k += 1
    duration = total / sample_rate
    if pending is None:
        if total:
            yield Window(0.0, round(duration, 6), buf.copy())
        return
    if duration - pending.end > 1e-9:
        tail_start = round(k * hop, 6)
        if duration - tail_start >= min_seconds:
            yield pending
            yield Window(tail_start, round(duration, 6), buf[first(k) - buf_start :].copy())
            return
        p_end = first(k - 1) + len(pending.samples)
        merged = np.concatenate([pending.samples, buf[max(0, p_end - buf_start) :]])
        pending = Window(pending.start, round(duration, 6), merged)
    yield pending


def _full(buf: np.ndarray, buf_start: int, start: int, n: int, k: int, hop: float, window: float) -> Window:
    a = start - buf_start
    return Window(round(k * hop, 6), round(k * hop + window, 6), buf[a : a + n].copy())
