"""Windowing: the streamed windows must equal the planned spans and the original sample slices."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from emoscore.audio.windows import check_window, iter_windows, window_spans
from emoscore.errors import ConfigError

RATE = 100  # a low rate keeps the many combinations below fast; times stay exact multiples of 10 ms


def blocks_of(y: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """Split ``y`` into consecutive blocks of the given (cycled) sizes."""
    out, i = [], 0
    for size in itertools.cycle(sizes):
        if i >= len(y):
            return out
        out.append(y[i : i + size])
        i += size
    return out


DURATIONS = [0.3, 1.0, 2.5, 3.99, 4.0, 4.5, 5.0, 7.3, 8.0, 8.5, 9.0, 10.0, 12.34, 30.0]
WINDOWS = [(1.0, None), (2.0, 0.5), (4.0, None), (4.0, 1.0), (4.0, 3.0), (2.5, 2.5), (5.0, 0.1), (3.0, 2.0)]
MINS = [0.5, 1.0, 2.0]


@pytest.mark.parametrize(("window", "hop"), WINDOWS)
@pytest.mark.parametrize("min_seconds", MINS)
def test_streamed_windows_equal_planned_spans(window, hop, min_seconds):
    for duration, sizes in itertools.product(DURATIONS, ([7], [1000], [1, 250, 33], [100_000])):
        n = int(round(duration * RATE))
        y = np.arange(n, dtype=np.float32)  # each sample is its own index
        spans = window_spans(n / RATE, window, hop, min_seconds=min_seconds)
        wins = list(iter_windows(blocks_of(y, sizes), RATE, window, hop, min_seconds=min_seconds))
        assert [(w.start, w.end) for w in wins] == spans, (duration, sizes)
        for w in wins:
            a, b = int(round(w.start * RATE)), int(round(w.end * RATE))
            np.testing.assert_array_equal(w.samples, y[a:b])


def test_spans_cover_the_input_in_hops():
    for duration, (window, hop), min_seconds in itertools.product(DURATIONS, WINDOWS, MINS):
        spans = window_spans(duration, window, hop, min_seconds=min_seconds)
        eff_hop = window if hop is None else hop
        assert spans[0][0] == 0.0
        assert spans[-1][1] == pytest.approx(duration)
        starts = [s for s, _ in spans]
        assert starts == sorted(starts)
        full = [(s, e) for s, e in spans if e - s == pytest.approx(window)]
        for i, (s, _) in enumerate(full):
            assert s == pytest.approx(i * eff_hop)
        for s, e in spans:
            assert e > s
            # a window is at most the window plus a merged tail shorter than min_seconds
            assert e - s <= window + min_seconds + 1e-6


def test_tail_rules_exactly():
    assert window_spans(8.99, 4.0, min_seconds=1.0) == [(0.0, 4.0), (4.0, 8.99)]
    assert window_spans(9.0, 4.0, min_seconds=1.0) == [(0.0, 4.0), (4.0, 8.0), (8.0, 9.0)]
    assert window_spans(9.0, 4.0, min_seconds=1.5) == [(0.0, 4.0), (4.0, 9.0)]
    assert window_spans(4.0, 4.0) == [(0.0, 4.0)]
    assert window_spans(0.4, 4.0) == [(0.0, 0.4)]
    # overlapping: hop 1 over 6 s -> windows at 0, 1, 2 and no tail
    assert window_spans(6.0, 4.0, 1.0) == [(0.0, 4.0), (1.0, 5.0), (2.0, 6.0)]
    # hop 3 over 8 s: 0-4, 3-7, then tail 6-8 (2 s >= 1 s) from the next hop start
    assert window_spans(8.0, 4.0, 3.0) == [(0.0, 4.0), (3.0, 7.0), (6.0, 8.0)]


def test_short_input_is_one_window_with_all_samples():
    y = np.linspace(-1, 1, 150, dtype=np.float32)
    wins = list(iter_windows([y[:50], y[50:]], RATE, 4.0))
    assert len(wins) == 1
    assert (wins[0].start, wins[0].end) == (0.0, 1.5)
    np.testing.assert_array_equal(wins[0].samples, y)


def test_empty_stream_gives_no_windows():
    assert list(iter_windows([], RATE, 4.0)) == []
    assert list(iter_windows([np.zeros(0, np.float32)], RATE, 4.0)) == []


def test_streaming_memory_is_bounded():
    """Feeding 10 minutes block by block never holds much more than a window of samples."""
    rate = 16_000
    sizes = []
    block = np.zeros(rate, dtype=np.float32)
    gen = iter_windows((block for _ in range(600)), rate, 4.0, 1.0)
    count = 0
    for w in gen:
        count += 1
        sizes.append(len(w.samples))
    assert count == len(window_spans(600.0, 4.0, 1.0))
    assert max(sizes) <= 5 * rate


def test_samples_are_float32_copies():
    y = np.arange(1000, dtype=np.float64)
    wins = list(iter_windows([y], RATE, 2.0))
    assert all(w.samples.dtype == np.float32 for w in wins)
    wins[0].samples[:] = -1
    assert wins[1].samples[0] == 200.0


@pytest.mark.parametrize("window", [0.5, 0.99, 5.01, 6.0, 0.0, -1.0])
def test_check_window_rejects_out_of_range(window):
    with pytest.raises(ConfigError, match="--window"):
        check_window(window, None)
    with pytest.raises(ConfigError):
        window_spans(10.0, window)
    with pytest.raises(ConfigError):
        list(iter_windows([np.zeros(1000, np.float32)], RATE, window))


@pytest.mark.parametrize(("window", "hop"), [(4.0, 0.0), (4.0, -1.0), (4.0, 0.05), (4.0, 4.5), (1.0, 2.0)])
def test_check_window_rejects_bad_hop(window, hop):
    with pytest.raises(ConfigError, match="--hop") as exc:
        check_window(window, hop)
    assert "\n" not in str(exc.value)


def test_check_window_defaults_hop_to_window():
    assert check_window(4.0, None) == 4.0
    assert check_window(1.0, 0.1) == 0.1
    assert check_window(5.0, 5.0) == 5.0


@pytest.mark.parametrize(
    ("rate", "window", "hop", "duration"),
    [
        (16_000, 4.0, 0.3333, 20.0),
        (16_000, 3.0, 1.23456, 20.00003),
        (11_025, 4.0, 0.37, 20.0),
        (22_050, 1.5, 0.7, 9.1),
    ],
)
def test_hops_that_are_not_whole_samples_do_not_drift(rate, window, hop, duration):
    """Window k starts at round(k * hop * rate), so the k-th start never drifts from k * hop."""
    n = int(round(duration * rate))
    y = np.arange(n, dtype=np.float64)  # float64 keeps indices exact; windows come back as float32
    wins = list(iter_windows(blocks_of(y, [4097, 15_999]), rate, window, hop))
    assert [(w.start, w.end) for w in wins] == window_spans(n / rate, window, hop)
    for k, w in enumerate(wins[:-1]):
        a = int(round(k * hop * rate))
        assert len(w.samples) == int(round(window * rate))
        np.testing.assert_array_equal(w.samples, y[a : a + len(w.samples)].astype(np.float32))
    assert wins[-1].samples[-1] == np.float32(n - 1)
