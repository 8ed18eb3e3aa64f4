"""Sound affect: does ``SoundAffect`` order arousal (and valence) better than spectral centroid alone?

Run on demand (not in the tests):

    .venv/bin/python benchmarks/accuracy_sound.py calibrate
    .venv/bin/python benchmarks/accuracy_sound.py fit
    taskset -c 0 .venv/bin/python benchmarks/accuracy_sound.py cost [--minutes 10]
    .venv/bin/python benchmarks/accuracy_sound.py evaluate [--sets generated-test,emomusic,...]
        [--boot 1000] [--no-task-models] [--json OUT]

``calibrate`` prints the centres, scales and gains of ``src/emoscore/data/sound_affect.toml``
from two unlabelled reference sets (the domain detector's generated "other" sounds, seeds 0-29
of its 8 kinds, and EmoDB) and the descriptors' CPU cost on them. ``fit`` prints the weights: a
sign-constrained pairwise logistic regression on 4Q audio and the development family of
generated pairs. ``cost`` times the descriptors on one core. ``evaluate`` measures ordering
agreement beside the centroid-only baseline, loudness alone, the committed music arousal/valence
task models, their mean with the sound model, the unit-weight prior (nothing fitted) and a
logistic regression fitted on 4Q alone:

- ``generated-test``: 12 kinds of generated sound (horn, fire bell, shattering glass, gunshots,
  clock ticking, birdsong, brook, fan, mosquito, door creak, thunder, typing; seeds 3000-3005)
  in pairs whose order has a published rationale: louder, faster, rougher, sharper,
  higher-pitched warnings, alarm-like vs calm kinds (arousal); louder, rougher, sharper, tonal vs
  noise, pleasant vs unpleasant kinds (valence). Written before the weights were fitted; never
  used to design, calibrate, fit or choose anything.
- ``generated-dev``: the development family (alarm, siren, impacts, drone, footsteps, scream,
  chime, crackle, heartbeat, riser, buzzer, bubbles; seeds 1000-1005), the same manipulations;
  looked at while revising the model and part of its fit, so in-sample (marked).
- ``emomusic``: human static ratings (10 clips) and 0.5-s curves (windows within each clip);
  music, so a transfer test.
- ``mer-4q``: 579 clips, arousal/valence sign of the quadrant (AllMusic tags checked by
  listeners); music. The sound model's weights and the task models were fitted on these clips:
  the sound model's recipe is also refitted in artist-grouped 5-fold CV.
- ``vgmidi``: 204 piano phrases (FluidSynth renders), annotators' arousal/valence signs.
- ``emopia``: the 88 clips of EMOPIA's official test songs (renders), quadrant signs.
- ``ravdess``: the same actor, sentence, emotion and take at strong vs normal intensity (speech;
  the task models saw these clips in training, so their figures there are marked).

Metrics: pairwise-order accuracy (share of pairs ordered as the ratings, ties in the score count
one half; for two-level labels this is the AUC), Spearman rho, and a bootstrap 95 % interval
(resampling pairs, or the groups: artists, pieces, songs, actors) of each method and of its
difference to the centroid baseline, with the share of resamples where the difference is <= 0.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from emoscore.audio.decode import load_audio
from emoscore.audio.preprocess import Preprocessing
from emoscore.features.cache import FeatureCache, default_cache_root
from emoscore.features.sound import DESCRIPTORS, SoundDescriptors, loudness_lufs
from emoscore.features.windowed import WindowedExtractor, excerpt_spans, extract_windows
from emoscore.models.sound import SoundAffect, mixture_scales

SR = 16_000
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PRE = Preprocessing(trim_silence=False)  # what the task models use; the descriptors need the gaps
COL = {name: i for i, name in enumerate(DESCRIPTORS)}
SETS = ("generated-test", "generated-dev", "emomusic", "mer-4q", "vgmidi", "emopia", "ravdess")

# --------------------------------------------------------------------------------------------
# held-out generated sounds


def _t(n: int) -> np.ndarray:
    return np.arange(n) / SR


def _env(n: int, attack: float = 0.005, release: float = 0.005) -> np.ndarray:
    e = np.ones(n)
    a, r = max(1, int(attack * SR)), max(1, int(release * SR))
    e[:a] = np.linspace(0, 1, a)
    e[-r:] = np.minimum(e[-r:], np.linspace(1, 0, r))
    return e


def _place(n: int, times: np.ndarray, event: Callable[[int], np.ndarray]) -> np.ndarray:
    y = np.zeros(n)
    for k, start in enumerate(times):
        i = int(start * SR)
        if 0 <= i < n:
            e = event(k)
            m = min(len(e), n - i)
            y[i : i + m] += e[:m]
    return y


def _lowpass(y: np.ndarray, cutoff: float) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    return sosfilt(butter(2, min(cutoff, 0.45 * SR), fs=SR, output="sos"), y)


def _regular(rng: np.random.Generator, n: int, rate: float, jitter: float) -> np.ndarray:
    period = 1.0 / rate
    times = np.arange(rng.uniform(0, period), n / SR, period)
    return times + rng.uniform(-jitter, jitter, len(times)) * period


def _poisson(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    k = max(1, int(rng.poisson(rate * n / SR)))  # never an empty clip
    return np.sort(rng.uniform(0, n / SR * 0.9, k))


def alarm(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    t = _t(n)
    tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in (1, 3, 5, 7) if f0 * k < SR / 2)
    period = 1 / rate
    gate = ((t % period) < period / 2).astype(float)
    return np.asarray(tone) * _lowpass(gate, 200.0)


def siren(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    t = _t(n)
    f = f0 * (1.5 + 0.5 * np.sin(2 * np.pi * rate * t))
    phase = 2 * np.pi * np.cumsum(f) / SR
    return np.asarray(sum(np.sin(k * phase) / k for k in range(1, 6)))


def impacts(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    def hit(k: int) -> np.ndarray:
        m = int(rng.uniform(0.15, 0.5) * SR)
        tau = rng.uniform(0.02, 0.12)
        burst = rng.standard_normal(m) * np.exp(-np.arange(m) / (tau * SR))
        thump = np.sin(2 * np.pi * rng.uniform(50, 120) * np.arange(m) / SR) * np.exp(
            -np.arange(m) / (0.08 * SR)
        )
        return rng.uniform(0.5, 1.0) * (_lowpass(burst, rng.uniform(1500, 6000)) + thump)

    return _place(n, _poisson(rng, n, rate), hit)


def drone(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    t = _t(n)
    y = np.zeros(n)
    for _ in range(int(rng.integers(3, 6))):
        f = f0 * rng.choice([1.0, 1.5, 2.0, 3.0]) * rng.uniform(0.995, 1.005)
        lfo = 0.6 + 0.4 * np.sin(2 * np.pi * rng.uniform(0.05, 0.3) * t + rng.uniform(0, 6.3))
        y += lfo * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3))
    return y


def footsteps(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    def step(k: int) -> np.ndarray:
        m = int(0.12 * SR)
        d = np.exp(-np.arange(m) / (0.025 * SR))
        return rng.uniform(0.6, 1.0) * (
            _lowpass(rng.standard_normal(m), 1200) * d + np.sin(2 * np.pi * f0 * np.arange(m) / SR) * d
        )

    return _place(n, _regular(rng, n, rate, 0.1), step)


def scream(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    t = _t(n)
    contour = f0 * (1 + 0.25 * np.sin(np.pi * t / t[-1])) * (1 + 0.02 * np.sin(2 * np.pi * 6 * t))
    phase = 2 * np.pi * np.cumsum(contour) / SR
    formant = lambda k: 1.0 / (1 + ((k * f0 - 1100) / 700) ** 2)  # noqa: E731
    y = sum(formant(k) * np.sin(k * phase) for k in range(1, 14) if k * f0 * 1.3 < SR / 2)
    return np.asarray(y) + 0.05 * rng.standard_normal(n)


def chime(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    ratios = np.array([1.0, 2.76, 5.40, 8.93])
    amps = np.array([1.0, 0.6, 0.35, 0.2])

    def strike(k: int) -> np.ndarray:
        m = int(1.6 * SR)
        tt = np.arange(m) / SR
        base = f0 * rng.choice([1.0, 1.25, 1.5])
        return sum(
            a * np.sin(2 * np.pi * base * r * tt) * np.exp(-tt * (1.5 + r))
            for r, a in zip(ratios, amps, strict=True)
            if base * r < SR / 2
        )

    return _place(n, _regular(rng, n, rate, 0.2), strike)


def crackle(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    def pop(k: int) -> np.ndarray:
        m = int(rng.uniform(0.001, 0.006) * SR)
        return rng.lognormal(0, 0.7) * rng.standard_normal(m) * np.exp(-np.arange(m) / (m / 3))

    bed = 0.01 * _lowpass(rng.standard_normal(n), 3000)
    return _place(n, _poisson(rng, n, rate), pop) + bed


def heartbeat(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    def beat(k: int) -> np.ndarray:
        m = int(0.45 * SR)
        tt = np.arange(m) / SR
        lub = np.sin(2 * np.pi * f0 * tt) * np.exp(-tt / 0.04)
        dub = np.zeros(m)
        j = int(0.28 * SR)
        dub[j:] = 0.7 * np.sin(2 * np.pi * f0 * 1.2 * tt[: m - j]) * np.exp(-tt[: m - j] / 0.03)
        return lub + dub

    return _place(n, _regular(rng, n, rate, 0.03), beat)


def riser(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    t = _t(n)
    f = f0 * (8.0 ** (t / t[-1]))
    tone = np.sin(2 * np.pi * np.cumsum(f) / SR)
    noise = _lowpass(rng.standard_normal(n), 4000)
    return (tone + 0.3 * noise) * np.exp(2.0 * (t / t[-1] - 1))


def buzzer(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    t = _t(n)
    y = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, int(4000 / f0)))
    return np.asarray(y) * _env(n, 0.01, 0.01)


def bubbles(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    def blip(k: int) -> np.ndarray:
        m = int(rng.uniform(0.01, 0.03) * SR)
        tt = np.arange(m) / SR
        f = rng.uniform(0.6, 1.4) * f0 * (1 + 2.5 * tt / tt[-1])
        return np.sin(2 * np.pi * np.cumsum(f) / SR) * np.sin(np.pi * tt / tt[-1])

    bed = 0.02 * _lowpass(rng.standard_normal(n), 800)
    return _place(n, _poisson(rng, n, rate), blip) + bed


@dataclass(frozen=True)
class Kind:
    make: Callable[[np.random.Generator, int, float, float], np.ndarray]
    rate: tuple[float, float]  # events, pulses or sweeps per second
    f0: tuple[float, float]
    tonal: bool


KINDS: dict[str, Kind] = {
    "alarm": Kind(alarm, (1.5, 2.5), (1500, 3000), True),
    "siren": Kind(siren, (0.2, 0.4), (500, 800), True),
    "impacts": Kind(impacts, (0.6, 1.2), (0, 0), False),
    "drone": Kind(drone, (0, 0), (45, 110), True),
    "footsteps": Kind(footsteps, (1.2, 2.0), (70, 110), False),
    "scream": Kind(scream, (0, 0), (350, 700), True),
    "chime": Kind(chime, (0.6, 1.0), (500, 1200), True),
    "crackle": Kind(crackle, (3.0, 6.0), (0, 0), False),
    "heartbeat": Kind(heartbeat, (0.9, 1.2), (45, 65), False),
    "riser": Kind(riser, (0, 0), (150, 300), True),
    "buzzer": Kind(buzzer, (0, 0), (90, 150), True),
    "bubbles": Kind(bubbles, (2.0, 4.0), (300, 700), False),
}


# --- the test family: written before the revised model was fitted, run only on the frozen model


def horn(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    t = _t(n)
    tone = sum(
        np.sin(2 * np.pi * f * k * t) / k for f in (f0, f0 * 1.26) for k in range(1, 12) if f * k < SR / 2
    )
    gate = np.zeros(n)
    for start in _regular(rng, n, rate, 0.15):
        a, b = int(start * SR), int((start + rng.uniform(0.3, 0.8) / max(rate, 0.5)) * SR)
        gate[max(a, 0) : min(b, n)] = 1.0
    return np.asarray(tone) * _lowpass(gate, 100.0)


def bell(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    partials = f0 * np.array([1.0, 1.47, 2.09, 2.56])

    def strike(k: int) -> np.ndarray:
        m = int(0.3 * SR)
        tt = np.arange(m) / SR
        return sum(
            np.sin(2 * np.pi * p * tt + rng.uniform(0, 6.3)) * np.exp(-tt / 0.08)
            for p in partials
            if p < SR / 2
        )

    ring = _place(n, np.arange(0, n / SR, 1 / 18.0), strike)  # the hammer at ~18 Hz
    gate = np.zeros(n)
    for start in _regular(rng, n, rate, 0.1):
        gate[int(start * SR) : int((start + 0.6 / rate) * SR)] = 1.0
    return ring * _lowpass(gate, 50.0)


def shatter(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    def ping(k: int) -> np.ndarray:
        m = int(rng.uniform(0.02, 0.25) * SR)
        tt = np.arange(m) / SR
        return (
            rng.lognormal(0, 0.6)
            * np.sin(2 * np.pi * rng.uniform(2500, 7000) * tt)
            * np.exp(-tt / (m / SR / 4))
        )

    hit = rng.uniform(0.2, 1.5)
    times = np.r_[hit + rng.exponential(0.15, int(40 * rate)), hit + rng.exponential(0.6, int(15 * rate))]
    y = _place(n, times, ping)
    burst = np.zeros(n)
    i = int(hit * SR)
    m = int(0.05 * SR)
    burst[i : i + m] = rng.standard_normal(min(m, n - i)) * np.exp(-np.arange(min(m, n - i)) / (0.01 * SR))
    return y + 3 * burst


def gunshots(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    def shot(k: int) -> np.ndarray:
        m = int(0.5 * SR)
        tt = np.arange(m) / SR
        crack = rng.standard_normal(m) * np.exp(-tt / 0.012)
        boom = _lowpass(rng.standard_normal(m), 300) * np.exp(-tt / 0.15) * 4
        return crack + boom

    return _place(n, _poisson(rng, n, rate), shot)


def ticking(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    def tick(k: int) -> np.ndarray:
        m = int(0.015 * SR)
        tt = np.arange(m) / SR
        return np.sin(2 * np.pi * f0 * tt) * np.exp(-tt / 0.002) * (1.0 if k % 2 else 0.8)

    return _place(n, _regular(rng, n, rate, 0.01), tick) + 0.002 * rng.standard_normal(n)


def birdsong(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    def phrase(k: int) -> np.ndarray:
        notes = []
        for _ in range(int(rng.integers(3, 8))):
            m = int(rng.uniform(0.04, 0.12) * SR)
            tt = np.arange(m) / SR
            f = f0 * rng.uniform(0.8, 1.3) * (1 + rng.uniform(-0.3, 0.3) * tt / tt[-1])
            notes.append(np.sin(2 * np.pi * np.cumsum(f) / SR) * np.sin(np.pi * tt / tt[-1]))
            notes.append(np.zeros(int(rng.uniform(0.02, 0.06) * SR)))
        return np.concatenate(notes)

    return _place(n, _poisson(rng, n, rate), phrase) + 0.003 * _lowpass(rng.standard_normal(n), 2000)


def brook(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    noise = sosfilt(butter(2, [300, 3000], btype="band", fs=SR, output="sos"), rng.standard_normal(n))
    ripple = 1 + 0.3 * _lowpass(rng.standard_normal(n), 8.0) / 0.05
    return noise * np.clip(ripple, 0.2, 2.0)


def fan(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    t = _t(n)
    blade = sum(np.sin(2 * np.pi * f0 * k * t) / k**1.5 for k in range(1, 6))
    return 0.3 * np.asarray(blade) + _lowpass(rng.standard_normal(n), 1500)


def mosquito(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    t = _t(n)
    f = f0 * (1 + 0.03 * np.sin(2 * np.pi * rng.uniform(3, 8) * t))
    phase = 2 * np.pi * np.cumsum(f) / SR
    near = 0.4 + 0.6 * (0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.2, 0.5) * t + rng.uniform(0, 6.3)))
    return np.asarray(sum(np.sin(k * phase) / k**0.7 for k in range(1, 10) if k * f0 * 1.05 < SR / 2)) * near


def creak(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    t = _t(n)
    pulse_rate = f0 * (1 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t))
    pulses = np.diff(np.floor(np.cumsum(pulse_rate) / SR), prepend=0.0)
    from scipy.signal import butter, sosfilt

    y = np.zeros(n)
    for fc in rng.uniform(500, 2500, 3):
        y += sosfilt(butter(2, [fc * 0.9, fc * 1.1], btype="band", fs=SR, output="sos"), pulses)
    return y * (0.3 + 0.7 * np.sin(np.pi * t / t[-1]))


def thunder(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    t = _t(n)
    start = rng.uniform(0.2, 1.0)
    env = np.where(t > start, np.exp(-(t - start) / rng.uniform(0.8, 1.8)), 0.0) * (
        1 + 0.5 * _lowpass(rng.standard_normal(n), 3.0) / 0.05
    )
    rumble = _lowpass(np.cumsum(rng.standard_normal(n)) * 0.01, 250)
    crack = np.where((t > start) & (t < start + 0.08), rng.standard_normal(n), 0.0)
    return rumble / (np.abs(rumble).max() + 1e-9) * np.clip(env, 0, None) + 0.5 * crack


def typing(rng: np.random.Generator, n: int, rate: float, f0: float) -> np.ndarray:
    def key(k: int) -> np.ndarray:
        m = int(0.03 * SR)
        tt = np.arange(m) / SR
        return rng.uniform(0.5, 1.0) * _lowpass(rng.standard_normal(m), 5000) * np.exp(-tt / 0.006)

    return _place(n, _poisson(rng, n, rate), key) + 0.002 * rng.standard_normal(n)


TEST_KINDS: dict[str, Kind] = {
    "horn": Kind(horn, (0.8, 1.5), (350, 500), True),
    "bell": Kind(bell, (0.5, 0.8), (1800, 2600), True),
    "shatter": Kind(shatter, (0.8, 1.2), (0, 0), False),
    "gunshots": Kind(gunshots, (0.5, 1.0), (0, 0), False),
    "ticking": Kind(ticking, (1.0, 2.0), (2000, 3500), False),
    "birdsong": Kind(birdsong, (0.8, 1.5), (2500, 4500), True),
    "brook": Kind(brook, (0, 0), (0, 0), False),
    "fan": Kind(fan, (0, 0), (30, 60), False),
    "mosquito": Kind(mosquito, (0, 0), (450, 650), True),
    "creak": Kind(creak, (0, 0), (25, 60), False),
    "thunder": Kind(thunder, (0, 0), (0, 0), False),
    "typing": Kind(typing, (3.0, 6.0), (0, 0), False),
}


@dataclass(frozen=True)
class Family:
    """A set of generated kinds and which manipulations apply to which of them."""

    kinds: dict[str, Kind]
    rate: tuple[str, ...]
    rough: tuple[str, ...]
    pitch: tuple[str, ...]
    noise: tuple[str, ...]
    arousing: tuple[str, ...]
    calm: tuple[str, ...]
    unpleasant: tuple[str, ...]
    pleasant: tuple[str, ...]
    seeds: range
    cat_seeds: range


FAMILIES = {
    # development: looked at while revising the model (first run of version 1, then tuning)
    "dev": Family(
        KINDS,
        rate=("alarm", "impacts", "footsteps", "chime", "crackle", "heartbeat", "bubbles"),
        rough=("alarm", "siren", "drone", "scream", "chime", "riser"),
        pitch=("alarm", "siren"),
        noise=("alarm", "siren", "chime", "drone", "scream"),
        arousing=("alarm", "siren", "scream", "buzzer"),
        calm=("drone", "chime", "bubbles"),
        unpleasant=("scream", "buzzer", "alarm"),
        pleasant=("chime", "bubbles"),
        seeds=range(1000, 1006),
        cat_seeds=range(1000, 1004),
    ),
    # test: new kinds and seeds, never used to design, calibrate, fit or choose anything
    "test": Family(
        TEST_KINDS,
        rate=("horn", "bell", "gunshots", "ticking", "birdsong", "typing"),
        rough=("horn", "mosquito", "birdsong", "fan", "brook"),
        pitch=("horn", "mosquito"),
        noise=("horn", "bell", "mosquito", "birdsong"),
        arousing=("horn", "bell", "shatter", "gunshots"),
        calm=("ticking", "birdsong", "brook", "fan"),
        unpleasant=("mosquito", "creak", "bell", "shatter"),
        pleasant=("birdsong", "brook"),
        seeds=range(3000, 3006),
        cat_seeds=range(3000, 3004),
    ),
}


def _set_loudness(y: np.ndarray, lufs: float) -> np.ndarray:
    now, _ = loudness_lufs(y.astype(np.float32), SR)
    return y * 10 ** ((lufs - now) / 20)


def _tilt(y: np.ndarray, db_per_octave: float) -> np.ndarray:
    spec = np.fft.rfft(y)
    f = np.maximum(np.fft.rfftfreq(len(y), 1 / SR), 50.0)
    gain_db = np.clip(db_per_octave * np.log2(f / 1000.0), -30, 30)
    return np.fft.irfft(spec * 10 ** (gain_db / 20), len(y))


def _noise_vocode(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Same spectral and temporal envelope, noise carrier: harmonics and partials smeared away."""
    import librosa
    from scipy.ndimage import uniform_filter1d

    S = np.abs(librosa.stft(y, n_fft=1024, hop_length=256))
    S = np.sqrt(np.maximum(uniform_filter1d(S**2, size=9, axis=0, mode="nearest"), 0.0))
    phase = np.exp(2j * np.pi * rng.uniform(size=S.shape))
    return librosa.istft(S * phase, hop_length=256, length=len(y))


def _pair_safe(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    peak = max(np.abs(a).max(), np.abs(b).max())
    g = 0.99 / peak if peak > 0.99 else 1.0
    return (a * g).astype(np.float32), (b * g).astype(np.float32)


@dataclass
class Pair:
    dimension: str  # "arousal" or "valence"
    kind: str  # the manipulation
    sound: str  # the sound kind(s)
    high: np.ndarray  # the member that should score higher
    low: np.ndarray
    rationale: str = ""


RATIONALE = {
    "louder": "Bradley & Lang 2000 (IADS arousal rises with peak level); Ma & Thompson 2015 (intensity)",
    "faster": "Ma & Thompson 2015 (event rate); Hellier, Edworthy & Dennis 1993 (pulse speed → urgency)",
    "rougher": "Arnal et al. 2015 (roughness makes sounds alarming, aversive); Zwicker & Fastl 1999",
    "sharper": "Zwicker & Fastl 1999 / Aures 1985 (sharpness lowers pleasantness); Ma & Thompson 2015 (frequency)",
    "higher-pitched": "Edworthy, Loxley & Dennis 1991; Hellier et al. 1993 (higher f0 → more urgent warning)",
    "alarm-vs-calm": "IADS-2 norms (Bradley & Lang 2007): alarms, sirens, screams, buzzers rate high arousal",
    "tonal-vs-noise": "Aures 1985 sensory pleasantness rises with tonality",
    "pleasant-vs-unpleasant": "IADS-2 norms: chimes, water pleasant; screams, buzzers, alarms unpleasant",
}


def generated_pairs(family: str = "test") -> list[Pair]:
    """The pairs of one family of generated kinds, deterministic from its seeds."""
    fam = FAMILIES[family]
    n = 4 * SR
    pairs: list[Pair] = []
    names = list(fam.kinds)

    def draw(kind: str, seed: int, salt: int) -> tuple[np.random.Generator, float, float]:
        rng = np.random.default_rng([seed, names.index(kind), salt])
        k = fam.kinds[kind]
        return rng, float(rng.uniform(*k.rate)), float(rng.uniform(*k.f0))

    def make(kind: str, seed: int, salt: int, rate_x: float = 1.0, f0_x: float = 1.0) -> np.ndarray:
        rng, rate, f0 = draw(kind, seed, salt)
        return fam.kinds[kind].make(rng, n, rate * rate_x, f0 * f0_x)

    for seed in fam.seeds:
        for kind in names:
            rng = np.random.default_rng([seed, names.index(kind), 99])
            target = rng.uniform(-38, -24)
            base = _set_loudness(make(kind, seed, 0), target)
            delta = rng.uniform(8, 20)
            hi, lo = _pair_safe(base * 10 ** (delta / 40), base * 10 ** (-delta / 40))
            for dim in ("arousal", "valence"):
                pairs.append(
                    Pair(dim, "louder", kind, hi, lo)
                    if dim == "arousal"
                    else Pair(dim, "louder", kind, lo, hi)
                )
            slope = rng.uniform(3, 6)
            bright = _set_loudness(_tilt(base, slope), target)
            dull = _set_loudness(_tilt(base, -slope), target)
            hi, lo = _pair_safe(bright, dull)
            pairs.append(Pair("arousal", "sharper", kind, hi, lo))
            pairs.append(Pair("valence", "sharper", kind, lo, hi))
            if kind in fam.rate:
                fast_x = rng.uniform(2.5, 4.0)
                slow = make(kind, seed, 1)
                fast = make(kind, seed, 1, rate_x=fast_x)
                gain = 10 ** (target / 20) / (np.sqrt(np.mean(slow**2)) + 1e-12)
                hi, lo = _pair_safe(fast * gain, slow * gain)
                pairs.append(Pair("arousal", "faster", kind, hi, lo))
            if kind in fam.rough:
                fm, depth = rng.uniform(30, 150), rng.uniform(0.7, 1.0)
                am = 1 + depth * np.sin(2 * np.pi * fm * _t(n) + rng.uniform(0, 6.3))
                rough = _set_loudness(base * am, target)
                hi, lo = _pair_safe(rough, base)
                pairs.append(Pair("arousal", "rougher", kind, hi, lo))
                pairs.append(Pair("valence", "rougher", kind, lo, hi))
            if kind in fam.pitch:
                up = _set_loudness(make(kind, seed, 0, f0_x=rng.uniform(1.6, 2.2)), target)
                hi, lo = _pair_safe(up, base)
                pairs.append(Pair("arousal", "higher-pitched", kind, hi, lo))
            if kind in fam.noise:
                noisy = _set_loudness(_noise_vocode(base, rng), target)
                hi, lo = _pair_safe(base, noisy)
                pairs.append(Pair("valence", "tonal-vs-noise", kind, hi, lo))
    for seed in fam.cat_seeds:
        rng = np.random.default_rng([seed, 77])
        target = rng.uniform(-34, -24)
        made = {k: _set_loudness(make(k, seed, 2), target) for k in names}
        for a in fam.arousing:
            for c in fam.calm:
                hi, lo = _pair_safe(made[a], made[c])
                pairs.append(Pair("arousal", "alarm-vs-calm", f"{a}>{c}", hi, lo))
        for p in fam.pleasant:
            for u in fam.unpleasant:
                hi, lo = _pair_safe(made[p], made[u])
                pairs.append(Pair("valence", "pleasant-vs-unpleasant", f"{p}>{u}", hi, lo))
    for p in pairs:
        p.rationale = RATIONALE[p.kind]
    return pairs


# --------------------------------------------------------------------------------------------
# scoring


@dataclass
class Items:
    """One test set: per item a (windows, 9) descriptor matrix, optional task-model window
    probabilities, targets and groups; or, for pair sets, two such item lists."""

    name: str
    descriptors: list[np.ndarray]
    groups: np.ndarray
    targets: dict[str, np.ndarray] = field(default_factory=dict)  # dimension -> target per item
    task: dict[str, list[np.ndarray]] = field(default_factory=dict)  # dimension -> P(high) per window
    note: str = ""
    task_seen: bool = False  # the task models were trained on these items


SIGNS = {  # the literature's expected direction of each single descriptor
    "arousal": {
        "loudness": 1,
        "loudness_peak": 1,
        "sharpness": 1,
        "roughness": 1,
        "flux": 1,
        "onset_rate": 1,
        "centroid": 1,
        "level": 1,
        "tonality": -1,
    },
    "valence": {
        "loudness": -1,
        "loudness_peak": -1,
        "sharpness": -1,
        "roughness": -1,
        "tonality": 1,
        "centroid": -1,
        "level": -1,
        "flux": -1,
        "onset_rate": -1,
    },
}


def method_scores(
    items: Items, dim: str, model: SoundAffect, fitted: dict[str, Callable[[np.ndarray], np.ndarray]]
) -> dict[str, np.ndarray]:
    """Item scores per method (higher = more arousal / valence); window scores are averaged."""
    out: dict[str, np.ndarray] = {}
    which = 0 if dim == "valence" else 1
    ours = np.array([model.predict(d)[which].mean() for d in items.descriptors])
    out["sound-affect"] = ours
    sign = SIGNS[dim]["centroid"]
    out["centroid"] = np.array([sign * d[:, COL["centroid"]].mean() for d in items.descriptors])
    out["loudness"] = np.array(
        [SIGNS[dim]["loudness"] * d[:, COL["loudness"]].mean() for d in items.descriptors]
    )
    if dim in items.task:
        task = np.array([p.mean() for p in items.task[dim]])
        out[f"{dim} task model"] = task
        out["mean(sound-affect, task)"] = (ours + task) / 2
    if dim in fitted:
        out["LR on 4Q only"] = np.array([fitted[dim](d).mean() for d in items.descriptors])
    for name, other in EXTRA_MODELS.items():
        out[name] = np.array([other.predict(d)[which].mean() for d in items.descriptors])
    return out


#: further sound-affect models to compare
EXTRA_MODELS: dict[str, SoundAffect] = {}

#: the first, unfitted version: unit weights with the literature's signs (loudness split in two)
PRIOR_WEIGHTS = {
    "arousal": {
        "loudness": 0.5,
        "loudness_peak": 0.5,
        "sharpness": 1,
        "roughness": 1,
        "flux": 1,
        "onset_rate": 1,
    },
    "valence": {"loudness": -0.5, "sharpness": -1, "roughness": -1, "tonality": 1},
}


def unit_weight_prior(model: SoundAffect) -> SoundAffect:
    """The shipped model's standardisation with the prior's unit weights."""
    vec = {
        d: np.array([PRIOR_WEIGHTS[d].get(n, 0.0) for n in DESCRIPTORS], dtype=float) for d in PRIOR_WEIGHTS
    }
    return replace(
        model, name="unit-weight prior", arousal_weights=vec["arousal"], valence_weights=vec["valence"]
    )


def single_descriptor_scores(items: Items, dim: str) -> dict[str, np.ndarray]:
    return {
        name: np.array([SIGNS[dim][name] * d[:, COL[name]].mean() for d in items.descriptors])
        for name in DESCRIPTORS
    }


def pairwise_accuracy(scores: np.ndarray, target: np.ndarray, block: np.ndarray | None = None) -> float:
    """Share of item pairs with different targets (within the same block, if given) that the
    scores order like the targets; ties in the scores count one half."""
    ds = np.sign(scores[:, None] - scores[None, :])
    dt = np.sign(target[:, None] - target[None, :])
    mask = dt != 0
    if block is not None:
        mask &= block[:, None] == block[None, :]
    if not mask.any():
        return float("nan")
    agree = np.where(ds == dt, 1.0, np.where(ds == 0, 0.5, 0.0))
    return float(agree[mask].mean())


def rho(scores: np.ndarray, target: np.ndarray) -> float:
    if np.ptp(scores) == 0 or np.ptp(target) == 0:
        return float("nan")
    return float(spearmanr(scores, target).statistic)


@dataclass
class Row:
    set: str
    dimension: str
    subset: str
    n: str
    method: str
    accuracy: float
    acc_ci: tuple[float, float]
    rho: float
    diff_ci: tuple[float, float] | None
    p_not_better: float | None
    note: str = ""


def bootstrap(
    metric: Callable[[np.ndarray], dict[str, float]], groups: np.ndarray, reps: int, seed: int = 0
) -> dict[str, np.ndarray]:
    """``metric(index) -> {method: value}`` over ``reps`` resamples of the groups."""
    rng = np.random.default_rng(seed)
    uniq = np.unique(groups)
    members = {g: np.flatnonzero(groups == g) for g in uniq}
    out: dict[str, list[float]] = {}
    for _ in range(reps):
        pick = rng.choice(uniq, size=len(uniq), replace=True)
        idx = np.concatenate([members[g] for g in pick])
        for k, v in metric(idx).items():
            out.setdefault(k, []).append(v)
    return {k: np.asarray(v) for k, v in out.items()}


def _ci(values: np.ndarray) -> tuple[float, float]:
    v = values[np.isfinite(values)]
    return (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) if v.size else (math.nan, math.nan)


def evaluate_items(
    items: Items, dim: str, model: SoundAffect, fitted: dict, reps: int, subset: str = "all"
) -> list[Row]:
    scores = method_scores(items, dim, model, fitted)
    target = items.targets[dim]

    def metric(idx: np.ndarray) -> dict[str, float]:
        return {m: pairwise_accuracy(s[idx], target[idx]) for m, s in scores.items()}

    boot = bootstrap(metric, items.groups, reps)
    base = boot["centroid"]
    rows = []
    for m, s in scores.items():
        diff = boot[m] - base
        seen = items.task_seen and ("task" in m)
        rows.append(
            Row(
                items.name,
                dim,
                subset,
                str(len(target)),
                m,
                pairwise_accuracy(s, target),
                _ci(boot[m]),
                rho(s, target),
                None if m == "centroid" else _ci(diff),
                None if m == "centroid" else float(np.mean(diff[np.isfinite(diff)] <= 0)),
                "task model trained on these clips" if seen else "",
            )
        )
    return rows


def evaluate_pairs(
    pairs: list[Pair],
    hi: Items,
    lo: Items,
    dim: str,
    model: SoundAffect,
    fitted: dict,
    reps: int,
    subset: str,
) -> list[Row]:
    """Share of pairs whose ``high`` member scores higher; the bootstrap resamples ``hi.groups``."""
    s_hi = method_scores(hi, dim, model, fitted)
    s_lo = method_scores(lo, dim, model, fitted)
    groups = hi.groups

    def acc(idx: np.ndarray, m: str) -> float:
        d = s_hi[m][idx] - s_lo[m][idx]
        return float(np.mean(np.where(d > 0, 1.0, np.where(d == 0, 0.5, 0.0))))

    boot = bootstrap(lambda idx: {m: acc(idx, m) for m in s_hi}, groups, reps)
    all_idx = np.arange(len(pairs))
    rows = []
    for m in s_hi:
        diff = boot[m] - boot["centroid"]
        rows.append(
            Row(
                "generated",
                dim,
                subset,
                f"{len(pairs)} pairs",
                m,
                acc(all_idx, m),
                _ci(boot[m]),
                math.nan,
                None if m == "centroid" else _ci(diff),
                None if m == "centroid" else float(np.mean(diff <= 0)),
            )
        )
    return rows


# --------------------------------------------------------------------------------------------
# data


def _task_bundles(use: bool) -> dict:
    if not use:
        return {}
    from emoscore.models.registry import load_model

    return {
        "arousal": load_model("arousal", task="arousal"),
        "valence": load_model("valence", task="valence"),
    }


def _task_probs(bundles: dict, feats: list[np.ndarray]) -> dict[str, list[np.ndarray]]:
    out = {}
    for dim, b in bundles.items():
        hi = list(b.labels).index("high")
        out[dim] = [_window_probs(b, f, hi) for f in feats]
    return out


def _objects(mats: list[np.ndarray]) -> np.ndarray:
    X = np.empty(len(mats), dtype=object)
    for i, m in enumerate(mats):
        X[i] = np.atleast_2d(m)
    return X


def _window_probs(bundle, feats: np.ndarray, hi: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """P(high) of each window (one row each), as the recogniser scores a window."""
    return bundle.predict_proba(_objects([row for row in np.atleast_2d(feats)]))[:, hi]


def _windows_of_files(paths: list[str], base, max_windows: int, cache: FeatureCache) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    ext = WindowedExtractor(base, window=4.0, max_windows=max_windows)
    mats, failed = extract_windows(paths, ext, preprocessing=PRE, cache=cache)
    if failed:
        raise SystemExit(f"feature extraction failed: {failed[0]}")
    return [m for m in mats if m is not None]


def file_items(
    name: str,
    frame,
    max_windows: int,
    bundles: dict,
    cache: FeatureCache,
    *,
    task_seen: bool = False,
    note: str = "",
) -> Items:  # type: ignore[no-untyped-def]
    paths = frame["path"].tolist()
    desc = _windows_of_files(paths, SoundDescriptors(), max_windows, cache)
    task = {}
    if bundles:
        feats = _windows_of_files(paths, next(iter(bundles.values())).extractor.base, max_windows, cache)
        task = _task_probs(bundles, feats)
    targets = {d: frame[d].to_numpy(dtype=float) for d in ("arousal", "valence")}
    return Items(name, desc, frame["speaker"].to_numpy(), targets, task, note, task_seen)


def emomusic_curve_items(bundles: dict) -> tuple[Items, np.ndarray]:
    """4-s windows every 1 s over the annotated 15-45 s of each clip; target = the mean human
    curve over the window; block = the clip (order is compared within clips)."""
    from emoscore.corpora.music import load_emomusic, load_emomusic_curves

    frame = load_emomusic(DATA / "emomusic")
    curves = load_emomusic_curves(DATA / "emomusic")
    ext = SoundDescriptors()
    desc, blocks, tv, ta, clips = [], [], [], [], []
    for _, row in frame.iterrows():
        y = load_audio(row["path"], sample_rate=SR).samples
        c = curves[str(row["song_id"])]
        for s in np.arange(15.0, 41.0 + 1e-9, 1.0):
            a, b = int(s * SR), int((s + 4) * SR)
            if b > len(y):
                break
            w = y[a:b]
            sel = (c["time"] >= s) & (c["time"] <= s + 4)
            desc.append(ext(w, SR)[None, :])
            clips.append(w)
            blocks.append(row["song_id"])
            tv.append(float(c["valence"][sel].mean()))
            ta.append(float(c["arousal"][sel].mean()))
    task = {}
    if bundles:
        base = next(iter(bundles.values())).extractor.base
        feats = base.batch(clips, SR)
        task = _task_probs(bundles, feats)
    blocks_arr = np.asarray(blocks)
    items = Items(
        "emomusic curves",
        desc,
        blocks_arr,
        {"valence": np.asarray(tv), "arousal": np.asarray(ta)},
        task,
        "windows ordered within each clip",
    )
    return items, blocks_arr


def evaluate_curves(
    items: Items, blocks: np.ndarray, dim: str, model: SoundAffect, fitted: dict, reps: int
) -> list[Row]:
    scores = method_scores(items, dim, model, fitted)
    target = items.targets[dim]
    clips = np.unique(blocks)

    def metric(idx: np.ndarray) -> dict[str, float]:
        return {m: pairwise_accuracy(s[idx], target[idx], blocks[idx]) for m, s in scores.items()}

    # resample whole clips (windows of a clip stay together); a clip drawn twice counts twice
    rng = np.random.default_rng(0)
    boot: dict[str, list[float]] = {}
    for _ in range(reps):
        pick = rng.choice(clips, size=len(clips), replace=True)
        vals: dict[str, list[float]] = {}
        for c in pick:
            idx = np.flatnonzero(blocks == c)
            for m, s in scores.items():
                vals.setdefault(m, []).append(pairwise_accuracy(s[idx], target[idx]))
        for m, v in vals.items():
            boot.setdefault(m, []).append(float(np.nanmean(v)))
    rows = []
    for m, s in scores.items():
        per_clip = [pairwise_accuracy(s[blocks == c], target[blocks == c]) for c in clips]
        rhos = [rho(s[blocks == c], target[blocks == c]) for c in clips]
        b = np.asarray(boot[m])
        diff = b - np.asarray(boot["centroid"])
        rows.append(
            Row(
                "emomusic curves",
                dim,
                "within clip",
                f"{len(s)} windows / {len(clips)} clips",
                m,
                float(np.nanmean(per_clip)),
                _ci(b),
                float(np.nanmean(rhos)),
                None if m == "centroid" else _ci(diff),
                None if m == "centroid" else float(np.mean(diff <= 0)),
                "mean over clips of within-clip accuracy and rho",
            )
        )
    return rows


def emopia_test_frame():  # type: ignore[no-untyped-def]
    import pandas as pd

    from emoscore.corpora.music import _EMOPIA_NAME, QUADRANT_SIGNS, emopia_song_splits, render_midis

    folder = DATA / "emopia"
    splits = emopia_song_splits(folder)
    found = []
    for m in sorted((folder / "midis").glob("*.mid")):
        x = _EMOPIA_NAME.match(m.stem)
        if x is not None and splits.get(x.group(2)) == "test":
            found.append((m, x.group(1), x.group(2)))
    batch = render_midis([m for m, _, _ in found], n_jobs=2)
    rows = []
    for (_, quad, song), path in zip(found, batch.paths, strict=True):
        if path is None:
            continue
        v, a = QUADRANT_SIGNS[quad]
        rows.append({"path": path, "speaker": song, "valence": float(v), "arousal": float(a)})
    return pd.DataFrame(rows)


def ravdess_pairs(bundles: dict, cache: FeatureCache) -> tuple[Items, Items, list[str]]:
    """Strong vs normal intensity of the same actor, sentence, emotion and take."""
    from emoscore.corpora.registry import load_corpus

    frame = load_corpus("ravdess")
    key = {}
    for p in frame["path"]:
        f = Path(p).stem.split("-")
        key[(f[2], f[3], f[4], f[5], f[6])] = p
    strong, normal, actors = [], [], []
    for (emo, inten, stmt, rep, actor), p in sorted(key.items()):
        if inten == "02" and (emo, "01", stmt, rep, actor) in key:
            strong.append(p)
            normal.append(key[(emo, "01", stmt, rep, actor)])
            actors.append(actor)
    import pandas as pd

    def items(paths: list[str], name: str) -> Items:
        fr = pd.DataFrame({"path": paths, "speaker": actors, "arousal": 0.0, "valence": 0.0})
        return file_items(name, fr, 2, bundles, cache, task_seen=True)

    return items(strong, "ravdess strong"), items(normal, "ravdess normal"), actors


# --------------------------------------------------------------------------------------------
# the 4Q-fitted comparison


def _dev_differences(model: SoundAffect) -> dict[str, np.ndarray]:
    ext = SoundDescriptors()
    out = {}
    for dim in ("arousal", "valence"):
        sel = [p for p in generated_pairs("dev") if p.dimension == dim]
        out[dim] = np.vstack(
            [model.standardise(ext(p.high, SR)) - model.standardise(ext(p.low, SR)) for p in sel]
        )
    return out


def fit_on_mer4q(items: Items, model: SoundAffect, reps: int) -> tuple[dict, list[Row]]:
    """Artist-grouped 5-fold CV on 4Q audio of (a) the shipped recipe refitted per fold (the
    sign-constrained pairwise fit on the fold's 4Q pairs + the dev generated pairs) and (b) an
    unconstrained logistic regression on 4Q alone; returns (b) fitted on all clips as window
    scorers for the other sets, and the CV rows."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold

    X = np.vstack([model.standardise(d).mean(axis=0) for d in items.descriptors])
    dev = _dev_differences(model)
    scorers, rows = {}, []
    for dim in ("arousal", "valence"):
        target = items.targets[dim]
        y = (target > 0).astype(int)
        pred_lr, pred_sc = np.zeros(len(y)), np.zeros(len(y))
        for tr, te in StratifiedGroupKFold(5, shuffle=True, random_state=0).split(X, y, items.groups):
            clf = LogisticRegression(C=1.0, max_iter=1000).fit(X[tr], y[tr])
            pred_lr[te] = clf.decision_function(X[te])
            hi, lo = tr[y[tr] == 1], tr[y[tr] == 0]
            d4q = (X[hi][:, None, :] - X[lo][None, :, :]).reshape(-1, X.shape[1])
            w = sign_constrained_pairwise_fit([d4q, dev[dim]], FIT_SIGNS[dim])
            pred_sc[te] = X[te] @ w
        clf = LogisticRegression(C=1.0, max_iter=1000).fit(X, y)
        coef = dict(zip(DESCRIPTORS, np.round(clf.coef_[0], 3).tolist(), strict=True))
        scorers[dim] = (lambda c: lambda d: c.decision_function(model.standardise(d)))(clf)
        preds = {"sound-affect recipe, refit per fold": pred_sc, "LR on 4Q only": pred_lr}

        def metric(idx: np.ndarray, preds: dict = preds, target: np.ndarray = target) -> dict[str, float]:
            return {m: pairwise_accuracy(p[idx], target[idx]) for m, p in preds.items()}

        boot = bootstrap(metric, items.groups, reps)
        for m, p in preds.items():
            note = (
                f"coefficients {coef}"
                if m.startswith("LR")
                else "sign-constrained pairwise fit, 4Q folds + dev pairs"
            )
            rows.append(
                Row(
                    "mer-4q",
                    dim,
                    "artist-grouped 5-fold CV",
                    str(len(y)),
                    m,
                    pairwise_accuracy(p, target),
                    _ci(boot[m]),
                    rho(p, target),
                    None,
                    None,
                    note,
                )
            )
    return scorers, rows


# --------------------------------------------------------------------------------------------
# commands


def _reference() -> tuple[np.ndarray, np.ndarray, float]:
    from emoscore.corpora.registry import load_corpus
    from emoscore.corpora.synthetic import load_other_sounds

    ext = SoundDescriptors()
    sets, cpu, seconds = [], 0.0, 0.0
    for frame in (load_other_sounds(default_cache_root()), load_corpus("emodb")):
        rows = []
        for p in frame["path"]:
            y = load_audio(p, sample_rate=SR).samples
            for a, b in excerpt_spans(len(y), SR, 4.0, 2):
                t = time.process_time()
                rows.append(ext(y[a:b], SR))
                cpu += time.process_time() - t
                seconds += (b - a) / SR
        sets.append(np.vstack(rows))
    return sets[0], sets[1], cpu / seconds * 60


def calibrate(args: argparse.Namespace) -> None:
    model = SoundAffect.load()
    generated, speech, cost = _reference()
    centre, scale = mixture_scales(generated, speech, transforms=model.transforms)
    fresh = replace(model, centre=centre, scale=scale)
    lines = [
        f"# {len(generated)} generated + {len(speech)} EmoDB windows; "
        f"descriptors: {cost:.3f} CPU s per minute of audio (one process)"
    ]
    m = min(len(generated), len(speech))
    rng = np.random.default_rng(0)
    # an equal mixture: the larger set subsampled to the smaller one's size
    g_rows = generated[rng.choice(len(generated), m, replace=False)]
    e_rows = speech[rng.choice(len(speech), m, replace=False)]
    for which, dim in ((1, "arousal"), (0, "valence")):
        s = np.concatenate([fresh.scores(g_rows)[which], fresh.scores(e_rows)[which]])
        q05, q95 = np.percentile(s, [5, 95])
        gain = 2 * math.log(9) / (q95 - q05)
        lines.append(f"[{dim}]  gain = {gain:.3f}  (5-95 % of the mixture's scores: {q05:.3f} .. {q95:.3f})")
    for j, name in enumerate(DESCRIPTORS):
        lines.append(f"[descriptors.{name}]  centre = {centre[j]:.6g}  scale = {scale[j]:.6g}")
    print("\n".join(lines))


#: weight bounds of the sign-constrained fit: the literature's sign (+1 / -1), 0 = left out,
#: None = free (the sign is learnt)
FIT_SIGNS: dict[str, dict[str, int | None]] = {
    "arousal": {
        "level": 0,
        "loudness": 1,
        "loudness_peak": 1,
        "sharpness": 1,
        "roughness": 1,
        "flux": 1,
        "onset_rate": 1,
        "tonality": None,
        "centroid": 1,
    },
    "valence": {
        "level": 0,
        "loudness": -1,
        "loudness_peak": -1,
        "sharpness": -1,
        "roughness": -1,
        "flux": 0,
        "onset_rate": 0,
        "tonality": 1,
        "centroid": -1,
    },
}


def sign_constrained_pairwise_fit(
    parts: list[np.ndarray], signs: dict[str, int | None], l2: float = 0.01
) -> np.ndarray:
    """Weights w minimising the mean logistic loss log(1 + exp(-d.w)) of each part's pair
    differences d (each part weighted equally) + l2/2 |w|^2, within the sign bounds."""
    from scipy.optimize import minimize

    bounds = []
    for name in DESCRIPTORS:
        s = signs[name]
        bounds.append(
            (None, None) if s is None else (0.0, 0.0) if s == 0 else (0.0, None) if s > 0 else (None, 0.0)
        )

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * l2 * float(w @ w), l2 * w
        for d in parts:
            margin = d @ w
            total += float(np.mean(np.logaddexp(0.0, -margin)))
            grad = grad - d.T @ (1.0 / (1.0 + np.exp(margin))) / len(d)
        return total, grad

    res = minimize(loss, np.zeros(len(DESCRIPTORS)), jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x


def fit(args: argparse.Namespace) -> None:
    """Sign-constrained pairwise logistic regression on 4Q audio (pairs of clips with different
    signs) and the development family of generated pairs, on the model's standardised descriptors."""
    from emoscore.corpora.registry import load_corpus

    model = SoundAffect.load()
    cache = FeatureCache(default_cache_root())
    items = file_items("mer-4q", load_corpus("mer-4q"), 7, {}, cache)
    Z = np.vstack([model.standardise(d).mean(axis=0) for d in items.descriptors])
    pairs = generated_pairs("dev")
    ext = SoundDescriptors()
    for dim in ("arousal", "valence"):
        y = items.targets[dim]
        hi, lo = np.flatnonzero(y > 0), np.flatnonzero(y < 0)
        d4q = (Z[hi][:, None, :] - Z[lo][None, :, :]).reshape(-1, Z.shape[1])
        sel = [p for p in pairs if p.dimension == dim]
        dgen = np.vstack(
            [model.standardise(ext(p.high, SR)) - model.standardise(ext(p.low, SR)) for p in sel]
        )
        w = sign_constrained_pairwise_fit([d4q, dgen], FIT_SIGNS[dim])
        w = w / np.sum(np.abs(w))
        acc4 = float(np.mean(d4q @ w > 0))
        accg = float(np.mean(dgen @ w > 0))
        print(
            f"[{dim}] training pair accuracy: 4Q {acc4:.3f} ({len(d4q)} pairs), dev generated {accg:.3f} ({len(dgen)} pairs)"
        )
        for name, v in zip(DESCRIPTORS, w, strict=True):
            if v != 0:
                print(f"  descriptors.{name}.{dim} = {v:.4f}")


def cost(args: argparse.Namespace) -> None:
    """CPU seconds per minute of audio: descriptors and the model on 4-s windows of generated
    sounds (run it pinned to one core: ``taskset -c 0``)."""
    model = SoundAffect.load()
    ext = model.extractor()
    names = list(KINDS)
    windows = [
        KINDS[k].make(
            np.random.default_rng([i, 5]), 4 * SR, float(np.mean(KINDS[k].rate)), float(np.mean(KINDS[k].f0))
        )
        for i in range(args.minutes * 15)
        for k in [names[i % len(names)]]
    ]
    windows = [(0.1 * w / (np.abs(w).max() + 1e-9)).astype(np.float32) for w in windows]
    ext(windows[0], SR)  # imports and first-call set-up are not counted
    t = time.process_time()
    X = np.vstack(ext.batch(windows, SR))
    t_desc = time.process_time() - t
    t = time.process_time()
    model.predict(X)
    t_model = time.process_time() - t
    minutes = len(windows) * 4 / 60
    print(
        f"{len(windows)} windows ({minutes:g} min): descriptors {t_desc / minutes:.3f} CPU s per audio minute, "
        f"model {t_model / minutes:.5f}; {len(windows) * 4 / (t_desc + t_model):.0f}x real time on one core"
    )


def _print_rows(rows: list[Row]) -> None:
    print(
        "| set | dim | subset | n | method | pairwise acc. | 95 % CI | rho | Δ acc. vs centroid (95 % CI) | P(Δ ≤ 0) | note |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ci = f"{r.acc_ci[0]:.3f}–{r.acc_ci[1]:.3f}"
        diff = "" if r.diff_ci is None else f"{r.diff_ci[0]:+.3f} … {r.diff_ci[1]:+.3f}"
        p = "" if r.p_not_better is None else f"{r.p_not_better:.3f}"
        print(
            f"| {r.set} | {r.dimension} | {r.subset} | {r.n} | {r.method} | {r.accuracy:.3f} | {ci} | {r.rho:.3f} | {diff} | {p} | {r.note} |"
        )
    sys.stdout.flush()


def _print_singles(name: str, items: Items, dim: str, pairs: tuple[Items, Items] | None = None) -> None:
    if pairs is not None:
        hi, lo = (single_descriptor_scores(x, dim) for x in pairs)
        accs = {
            k: float(np.mean(np.where(hi[k] > lo[k], 1.0, np.where(hi[k] == lo[k], 0.5, 0.0)))) for k in hi
        }
    else:
        s = single_descriptor_scores(items, dim)
        accs = {k: pairwise_accuracy(v, items.targets[dim]) for k, v in s.items()}
    print(
        f"single descriptors ({name}, {dim}, literature sign): "
        + ", ".join(f"{k} {v:.3f}" for k, v in accs.items())
    )


def _subset(items: Items, sel: list[int]) -> Items:
    return Items(
        items.name,
        [items.descriptors[i] for i in sel],
        items.groups[sel],
        {d: v[sel] for d, v in items.targets.items()},
        {d: [v[i] for i in sel] for d, v in items.task.items()},
        items.note,
        items.task_seen,
    )


def evaluate(args: argparse.Namespace) -> None:
    wanted = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = sorted(set(wanted) - set(SETS))
    if unknown:
        raise SystemExit(f"unknown set(s) {', '.join(unknown)}; known: {', '.join(SETS)}")
    model = SoundAffect.load()
    EXTRA_MODELS["unit-weight prior"] = unit_weight_prior(model)
    bundles = _task_bundles(not args.no_task_models)
    cache = FeatureCache(default_cache_root())
    rows: list[Row] = []
    fitted: dict = {}
    t0 = time.time()
    print(
        f"model {model.tag} ({model.origin}); task models: {', '.join(f'{d} {b.version}' for d, b in bundles.items()) or 'off'}"
    )

    if "mer-4q" in wanted:  # first: the 4Q-fitted comparison is then available to the others
        from emoscore.corpora.registry import load_corpus

        frame = load_corpus("mer-4q")
        items = file_items("mer-4q", frame, 7, {}, cache, note="music (transfer)")
        start = len(rows)
        for dim in ("arousal", "valence"):
            rows += evaluate_items(items, dim, model, {}, args.boot)
            _print_singles("mer-4q", items, dim)
        for r in rows[start:]:
            if r.method == "sound-affect":
                r.note = "in-sample: the weights were fitted on these clips (CV rows below)"
        fitted, cv_rows = fit_on_mer4q(items, model, args.boot)
        rows += cv_rows
        _print_rows(rows[start:])
        print(f"[{time.time() - t0:.0f} s]")

    for family in ("dev", "test"):
        if f"generated-{family}" not in wanted:
            continue
        pairs = generated_pairs(family)
        ext = SoundDescriptors()
        hi = Items("generated high", [ext(p.high, SR)[None, :] for p in pairs], np.arange(len(pairs)))
        lo = Items("generated low", [ext(p.low, SR)[None, :] for p in pairs], np.arange(len(pairs)))
        if bundles:
            base = next(iter(bundles.values())).extractor.base
            hi.task = _task_probs(bundles, base.batch([p.high for p in pairs], SR))
            lo.task = _task_probs(bundles, base.batch([p.low for p in pairs], SR))
        start = len(rows)
        for dim in ("arousal", "valence"):
            sel_dim = [i for i, p in enumerate(pairs) if p.dimension == dim]
            kinds = sorted({pairs[i].kind for i in sel_dim}, key=list(RATIONALE).index)
            for subset in ["all", *kinds]:
                sel = [i for i in sel_dim if subset == "all" or pairs[i].kind == subset]
                got = evaluate_pairs(
                    [pairs[i] for i in sel],
                    _subset(hi, sel),
                    _subset(lo, sel),
                    dim,
                    model,
                    fitted,
                    args.boot,
                    subset,
                )
                for r in got:
                    r.set = f"generated-{family}"
                    if family == "dev" and r.method in ("sound-affect", "mean(sound-affect, task)"):
                        r.note = "in-sample: the weights were fitted on these pairs"
                rows += got
            _print_singles(f"generated-{family}", hi, dim, pairs=(_subset(hi, sel_dim), _subset(lo, sel_dim)))
        _print_rows(rows[start:])
        print(f"[{time.time() - t0:.0f} s]")

    if "emomusic" in wanted:
        from emoscore.corpora.music import load_emomusic

        start = len(rows)
        frame = load_emomusic(DATA / "emomusic")
        items = file_items("emomusic static", frame, 11, bundles, cache, note="music (transfer), 10 clips")
        for dim in ("arousal", "valence"):
            rows += evaluate_items(items, dim, model, fitted, args.boot)
        curve_items, blocks = emomusic_curve_items(bundles)
        for dim in ("arousal", "valence"):
            rows += evaluate_curves(curve_items, blocks, dim, model, fitted, args.boot)
        _print_rows(rows[start:])
        print(f"[{time.time() - t0:.0f} s]")

    if "vgmidi" in wanted:
        from emoscore.corpora.music import load_vgmidi

        start = len(rows)
        frame = load_vgmidi(DATA / "vgmidi", n_jobs=2)
        items = file_items("vgmidi", frame, 4, bundles, cache, note="piano renders (transfer)")
        for dim in ("arousal", "valence"):
            rows += evaluate_items(items, dim, model, fitted, args.boot)
            _print_singles("vgmidi", items, dim)
        _print_rows(rows[start:])
        print(f"[{time.time() - t0:.0f} s]")

    if "emopia" in wanted:
        start = len(rows)
        items = file_items(
            "emopia test", emopia_test_frame(), 7, bundles, cache, note="piano renders (transfer)"
        )
        for dim in ("arousal", "valence"):
            rows += evaluate_items(items, dim, model, fitted, args.boot)
            _print_singles("emopia", items, dim)
        _print_rows(rows[start:])
        print(f"[{time.time() - t0:.0f} s]")

    if "ravdess" in wanted:
        start = len(rows)
        strong, normal, actors = ravdess_pairs(bundles, cache)
        strong.groups = normal.groups = np.asarray(actors)
        pseudo = [Pair("arousal", "louder", "", np.zeros(1), np.zeros(1)) for _ in actors]
        got = evaluate_pairs(
            pseudo, strong, normal, "arousal", model, fitted, args.boot, "strong vs normal intensity"
        )
        for r in got:
            r.set = "ravdess"
            r.n = f"{len(actors)} pairs"
            if "task" in r.method:
                r.note = "task model trained on these clips"
        rows += got
        _print_singles("ravdess", strong, "arousal", pairs=(strong, normal))
        _print_rows(rows[start:])
        print(f"[{time.time() - t0:.0f} s]")

    print("\n## all results\n")
    _print_rows(rows)
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in rows], indent=1))
    print(f"\n{time.time() - t0:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "calibrate", help="print the centre/scale/gain of sound_affect.toml from the reference sets"
    )
    sub.add_parser(
        "fit", help="print the weights of sound_affect.toml: sign-constrained fit on 4Q + dev pairs"
    )
    co = sub.add_parser("cost", help="CPU seconds per minute of audio (run under taskset -c 0)")
    co.add_argument("--minutes", type=int, default=10)
    ev = sub.add_parser("evaluate", help="ordering agreement on held-out material")
    ev.add_argument("--sets", default=",".join(SETS))
    ev.add_argument("--boot", type=int, default=1000)
    ev.add_argument("--no-task-models", action="store_true")
    ev.add_argument("--json")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    {"calibrate": calibrate, "fit": fit, "cost": cost, "evaluate": evaluate}[args.command](args)


if __name__ == "__main__":
    main()
