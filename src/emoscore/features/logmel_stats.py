"""``logmel-stats``: cheap statistics of a clip's log-mel spectrum, pitch, level, spectral balance
and rhythm (numpy and scipy.fft only).

The feature set of the fast tier: one FFT per 10-ms frame feeds everything, so a 4-s window costs
2–3 ms of CPU (no librosa, numba or openSMILE at run time). Frames are 25 ms (400 samples at
16 kHz) every 10 ms, Hann-windowed, zero-padded to 1024 points (enough for the autocorrelation up
to the lowest pitch). :data:`FEATURE_NAMES` gives the 213 values, in order:

* ``mel{i}_mean`` / ``mel{i}_std`` (40 + 40): 40-band log-mel power (dB, 60–8000 Hz,
  Slaney-style area-normalised triangles on the HTK mel scale), mean and standard deviation
  over frames;
* ``mfcc{i}_mean`` / ``mfcc{i}_std`` / ``dmfcc{i}_std`` (13 × 3): the type-II orthonormal DCT
  of that log-mel, and the spread of its frame-to-frame change;
* ``energy_*`` (6): frame level in dB: mean, std, 20th / 50th / 80th percentile, 80–20 range;
* ``centroid``, ``flatness``, ``rolloff``, ``flux``, ``zcr`` (mean and std each, 10): spectral
  centroid (kHz), flatness and 85 % roll-off (kHz) of the mel bands, positive log-mel rise
  (dB), zero crossings per sample;
* ``f0_*`` (8) and ``voiced``, ``hnr_*``, ``voicing_mean`` (4): pitch from the normalised
  autocorrelation (the window's own autocorrelation divided out, after Boersma 1993; below
  4 kHz) in 60–500 Hz, the shortest lag peaking within 80 % of the highest, in semitones above
  27.5 Hz over voiced frames (peak ≥ 0.5, level within 40 dB of the loudest frame): mean, std,
  20th / 50th / 80th percentile, 80–20 range, mean absolute change between neighbouring voiced
  frames, and the slope (semitones per second); the voiced share of frames; the
  harmonics-to-noise ratio of voiced frames (dB from the autocorrelation peak), mean and std,
  and the mean peak height;
* ``mod_*`` (4): how the frame level's envelope is modulated, the share of its modulation energy
  in 0.5–2, 2–4, 4–8 and 8–16 Hz (syllables sit near 4 Hz; sustained music lower);
* ``mfcc{i}_voiced`` (13): MFCC means over voiced frames only (0 when none is voiced);
* ``alpha``, ``hammarberg``, ``slope0_500``, ``slope500_1500`` (mean and std each, 8): the
  spectral balance of voiced frames, as eGeMAPS describes it (alpha ratio, Hammarberg index,
  level differences of neighbouring bands), in dB;
* ``shimmer`` (1): mean absolute level change (dB) between neighbouring voiced frames;
* ``mel{i}_voiced`` (40): log-mel means over voiced frames only.

A clip shorter than one frame is zero-padded to one frame. Standard scaling belongs to the
model pipeline, not here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from emoscore.features.base import FeatureExtractor, at_rate

SAMPLE_RATE = 16_000
FRAME, HOP, N_FFT = 400, 160, 1024
N_MELS, FMIN, FMAX, N_MFCC = 40, 60.0, 8000.0, 13
F0_MIN, F0_MAX = 60.0, 500.0
VOICING = 0.5  # normalised autocorrelation peak of a voiced frame
OCTAVE_SHARE = 0.8  # the pitch is the shortest lag peaking at least this share of the highest
#: the window's autocorrelation is divided out down to this value (lag ~110 at 8 kHz, ~70 Hz): below
#: it the division would mostly amplify noise into false long-period peaks
WINDOW_ACF_FLOOR = 0.1
VOICED_RANGE_DB = 40.0  # voiced frames are within this of the clip's loudest frame
ROLLOFF = 0.85
MOD_BANDS = ((0.5, 2.0), (2.0, 4.0), (4.0, 8.0), (8.0, 16.0))
ACF_RATE = SAMPLE_RATE // 2  # the pitch autocorrelation's lag rate (below 4 kHz)
_EPS = 1e-10


def _names() -> tuple[str, ...]:
    out = [f"mel{i}_{s}" for s in ("mean", "std") for i in range(N_MELS)]
    out += [
        f"{p}{i}_{s}" for p, s in (("mfcc", "mean"), ("mfcc", "std"), ("dmfcc", "std")) for i in range(N_MFCC)
    ]
    out += [f"energy_{s}" for s in ("mean", "std", "p20", "p50", "p80", "range")]
    out += [f"{f}_{s}" for f in ("centroid", "flatness", "rolloff", "flux", "zcr") for s in ("mean", "std")]
    out += [f"f0_{s}" for s in ("mean", "std", "p20", "p50", "p80", "range", "delta", "slope")]
    out += ["voiced", "hnr_mean", "hnr_std", "voicing_mean"]
    out += [f"mod_{a:g}_{b:g}" for a, b in MOD_BANDS]
    out += [f"mfcc{i}_voiced" for i in range(N_MFCC)]
    out += [
        f"{f}_{s}" for f in ("alpha", "hammarberg", "slope0_500", "slope500_1500") for s in ("mean", "std")
    ]
    out += ["shimmer"]
    out += [f"mel{i}_voiced" for i in range(N_MELS)]
    return tuple(out)


#: the output values, in order
FEATURE_NAMES: tuple[str, ...] = _names()


def _hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


@lru_cache(maxsize=4)
def mel_filterbank(sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT) -> np.ndarray:
    """(bins, bands) triangular filters on the HTK mel scale, each of unit area (Slaney norm).

    >>> fb = mel_filterbank()
    >>> fb.shape, bool((fb >= 0).all()), bool((fb.sum(axis=0) > 0).all())
    ((513, 40), True, True)
    """
    freqs = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(FMIN), _hz_to_mel(min(FMAX, sample_rate / 2)), N_MELS + 2))
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None] - lo) / (mid - lo)
    down = (hi - freqs[None]) / (hi - mid)
    fb = np.maximum(0.0, np.minimum(up, down)) * (2.0 / (hi - lo))
    return np.ascontiguousarray(fb.T, dtype=np.float32)


@lru_cache(maxsize=1)
def _hann() -> np.ndarray:
    return np.hanning(FRAME + 2)[1:-1].astype(np.float32)


@lru_cache(maxsize=1)
def _bin_khz() -> np.ndarray:
    return np.linspace(0.0, SAMPLE_RATE / 2000, N_FFT // 2 + 1).astype(np.float32)


@lru_cache(maxsize=1)
def _band_khz() -> np.ndarray:
    """Centre of each mel band (kHz)."""
    fb = mel_filterbank()
    return (_bin_khz() @ fb) / fb.sum(axis=0)


@lru_cache(maxsize=1)
def _window_acf() -> np.ndarray:
    """Autocorrelation of the Hann window itself (normalised, at :data:`ACF_RATE`), divided out
    of each frame's."""
    power = np.abs(np.fft.rfft(_hann().astype(np.float64), N_FFT)) ** 2
    r = np.fft.irfft(power[: N_FFT // 4 + 1], N_FFT // 2)[: N_FFT // 4]
    return np.maximum(r / r[0], WINDOW_ACF_FLOOR).astype(np.float32)


def _frames(y: np.ndarray) -> np.ndarray:
    """(frames, FRAME) view of ``y`` (at least one frame long) every HOP samples."""
    n = 1 + (len(y) - FRAME) // HOP
    return np.lib.stride_tricks.as_strided(y, (n, FRAME), (HOP * y.strides[0], y.strides[0]))


def _stats(x: np.ndarray) -> list[float]:
    """mean, std, 20th / 50th / 80th percentile (linear interpolation, as ``np.percentile``) and
    80–20 range; zeros for no values."""
    if x.size == 0:
        return [0.0] * 6
    ranked = np.sort(x)
    p20, p50, p80 = (_ranked_percentile(ranked, q) for q in (20, 50, 80))
    return [float(x.mean()), float(x.std()), p20, p50, p80, p80 - p20]


def _ranked_percentile(ranked: np.ndarray, q: float) -> float:
    pos = (len(ranked) - 1) * q / 100.0
    i = int(pos)
    j = min(i + 1, len(ranked) - 1)
    return float(ranked[i] + (ranked[j] - ranked[i]) * (pos - i))


@lru_cache(maxsize=1)
def _bands() -> np.ndarray:
    """(bins, 6) membership of the FFT bins in 0–500, 500–1000, 1000–1500, 1000–5000, 0–2000 and
    2000–5000 Hz (for the spectral balance of voiced frames)."""
    f = np.linspace(0.0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    edges = ((0, 500), (500, 1000), (1000, 1500), (1000, 5000), (0, 2000), (2000, 5000))
    return np.stack([(f >= a) & (f < b) for a, b in edges], axis=1).astype(np.float32)


def _balance(power: np.ndarray) -> list[float]:
    """Mean and std over voiced frames of eGeMAPS-like spectral balance (dB): alpha ratio (below
    1 kHz against 1–5 kHz), Hammarberg index (strongest bin below 2 kHz against 2–5 kHz), and the
    level differences 0–500 / 500–1000 Hz and 500–1000 / 1000–1500 Hz (the slopes' signs)."""
    if len(power) == 0:
        return [0.0] * 8
    sums = 10.0 * np.log10(power @ _bands() + _EPS)
    below_2k, above_2k, below_1k = (int(f * N_FFT / SAMPLE_RATE) for f in (2000, 5000, 1000))
    peak_lo = 10.0 * np.log10(power[:, :below_2k].max(axis=1) + _EPS)
    peak_hi = 10.0 * np.log10(power[:, below_2k:above_2k].max(axis=1) + _EPS)
    low = 10.0 * np.log10(power[:, :below_1k].sum(axis=1) + _EPS)
    values = [low - sums[:, 3], peak_lo - peak_hi, sums[:, 0] - sums[:, 1], sums[:, 1] - sums[:, 2]]
    return [float(x) for v in values for x in (v.mean(), v.std())]


def logmel_stats(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The :data:`FEATURE_NAMES` values of one mono clip (float32).

    >>> t = np.arange(16_000) / 16_000
    >>> v = logmel_stats((0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32))
    >>> v.shape, round(float(v[FEATURE_NAMES.index("voiced")]), 2)
    ((213,), 1.0)
    >>> round(27.5 * 2 ** (float(v[FEATURE_NAMES.index("f0_p50")]) / 12))
    220
    """
    from scipy import fft

    y = np.ascontiguousarray(at_rate(samples, sample_rate, SAMPLE_RATE), dtype=np.float32)
    padded = np.pad(y, (0, FRAME - len(y))) if len(y) < FRAME else y
    frames = _frames(padded)
    x = (frames - frames.mean(axis=1, keepdims=True)) * _hann()
    spec = fft.rfft(x, N_FFT, axis=1)
    power = spec.real**2 + spec.imag**2  # (frames, bins), float32

    mel_power = power @ mel_filterbank()
    mel = 10.0 * np.log10(mel_power + _EPS)  # dB
    mfcc = fft.dct(mel, type=2, axis=1, norm="ortho")[:, :N_MFCC]
    dmfcc = np.diff(mfcc, axis=0) if len(mfcc) > 1 else np.zeros_like(mfcc)

    total = power.sum(axis=1, dtype=np.float64) + _EPS
    energy = 10.0 * np.log10(total / N_FFT + _EPS)
    centroid = (power @ _bin_khz()) / total
    # flatness and roll-off on the mel bands: 40 values a frame instead of 513
    flatness = np.exp(np.mean(np.log(mel_power + _EPS), axis=1)) / (mel_power.mean(axis=1) + _EPS)
    cum = np.cumsum(mel_power, axis=1)
    rolloff = _band_khz()[np.argmax(cum >= ROLLOFF * cum[:, -1:], axis=1)]
    flux = np.maximum(np.diff(mel, axis=0), 0.0).mean(axis=1) if len(mel) > 1 else np.zeros(1)
    # zero crossings counted once on the signal, then summed per frame (frames overlap)
    crossings = np.concatenate([[0], np.cumsum(np.signbit(padded[1:]) != np.signbit(padded[:-1]))])
    starts = np.arange(len(frames)) * HOP
    zcr = (crossings[starts + FRAME - 1] - crossings[starts]) / (FRAME - 1)

    # pitch: the autocorrelation is the inverse FFT of the power spectrum; below 4 kHz only, so
    # it comes at 8 kHz (lags in half samples) and half the cost, with no circular overlap
    # (N_FFT ≥ 2·FRAME); normalised by lag 0 and by the window's own autocorrelation
    # (the inverse FFT of a real, even spectrum is its type-I DCT: a real transform, half the work)
    acf = fft.dct(power[:, : N_FFT // 4 + 1], type=1, axis=1)[:, : N_FFT // 4]
    acf = acf / (acf[:, :1] + _EPS) / _window_acf()
    lo, hi = int(ACF_RATE / F0_MAX), int(ACF_RATE / F0_MIN) + 1
    seg = acf[:, lo:hi]
    rows = np.arange(len(seg))
    # the shortest lag whose local peak is near the highest: a period's multiples peak as high
    top = seg.max(axis=1, keepdims=True)
    local = np.zeros_like(seg, dtype=bool)
    local[:, 1:-1] = (seg[:, 1:-1] > seg[:, :-2]) & (seg[:, 1:-1] >= seg[:, 2:])
    k = np.argmax(local & (seg >= OCTAVE_SHARE * top), axis=1)
    peak = seg[rows, k]
    # parabolic interpolation around the peak for a sub-sample lag
    left = seg[rows, np.maximum(k - 1, 0)]
    right = seg[rows, np.minimum(k + 1, seg.shape[1] - 1)]
    denom = left - 2 * peak + right
    shift = np.where(np.abs(denom) > _EPS, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    lag = lo + k + np.clip(shift, -0.5, 0.5)
    voiced = (peak >= VOICING) & (energy >= energy.max() - VOICED_RANGE_DB) & (k > 0) & (k < seg.shape[1] - 1)
    f0 = 12.0 * np.log2(ACF_RATE / lag / 27.5)
    fv = f0[voiced]
    f0_stats = _stats(fv)
    steps = np.abs(np.diff(fv)) if fv.size > 1 else np.zeros(0)
    slope = 0.0
    if fv.size > 1:  # least-squares line through the voiced frames' pitch
        t = np.flatnonzero(voiced) * (HOP / SAMPLE_RATE)
        dt = t - t.mean()
        slope = float((dt @ (fv - fv.mean())) / (dt @ dt))
    pv = np.clip(peak[voiced], 0.0, 0.999)
    hnr = 10.0 * np.log10(pv / (1.0 - pv)) if pv.size else np.zeros(0)

    # modulation of the level envelope (dB, mean removed) over the clip
    env = energy - energy.mean()
    mod = np.abs(np.fft.rfft(env * np.hanning(len(env)))) ** 2 if len(env) > 1 else np.zeros(1)
    mf = np.fft.rfftfreq(max(len(env), 1), HOP / SAMPLE_RATE)[: len(mod)]
    band = np.array([mod[(mf >= a) & (mf < b)].sum() for a, b in MOD_BANDS])
    band = band / (mod[mf >= MOD_BANDS[0][0]].sum() + _EPS)

    parts = [
        mel.mean(axis=0),
        mel.std(axis=0),
        mfcc.mean(axis=0),
        mfcc.std(axis=0),
        dmfcc.std(axis=0),
        _stats(energy),
        *([v.mean(), v.std()] for v in (centroid, flatness, rolloff, flux, zcr)),
        f0_stats,
        [float(steps.mean()) if steps.size else 0.0, slope],
        [float(voiced.mean()), float(hnr.mean()) if hnr.size else 0.0, float(hnr.std()) if hnr.size else 0.0],
        [float(peak[voiced].mean()) if voiced.any() else 0.0],
        band,
        mfcc[voiced].mean(axis=0) if voiced.any() else np.zeros(N_MFCC),
        _balance(power[voiced]),
        [float(np.abs(np.diff(energy[voiced])).mean()) if voiced.sum() > 1 else 0.0],
        mel[voiced].mean(axis=0) if voiced.any() else np.zeros(N_MELS),
    ]
    out = np.concatenate([np.ravel(np.asarray(p, dtype=np.float64)) for p in parts])
    return np.nan_to_num(out).astype(np.float32)


class LogMelStatsExtractor(FeatureExtractor):
    """``logmel-stats``: :func:`logmel_stats` of each clip (213 values)."""

    name = "logmel-stats"
    dim = len(FEATURE_NAMES)

    def params(self) -> dict[str, Any]:
        return {
            "sample_rate": SAMPLE_RATE,
            "frame": FRAME,
            "hop": HOP,
            "n_fft": N_FFT,
            "n_mels": N_MELS,
            "fmin": FMIN,
            "fmax": FMAX,
            "f0": [F0_MIN, F0_MAX],
            "dim": self.dim,
        }

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        return logmel_stats(samples, sample_rate)
