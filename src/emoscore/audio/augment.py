"""Seeded data augmentation for cross-corpus robustness: other rooms, microphones, voices, codecs,
and the music bed under film dialogue.

An :class:`Augmentation` is plain frozen data (so it can be part of a feature-cache key and a
model bundle). Each kind is applied with its own probability, in a fixed order that mimics a
film's chain: tempo → pitch (the speaker) → reverberation (the room) → music bed (the mix) →
noise → codec → gain. The same (settings, seed) always gives the same output.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from emoscore.audio.decode import load_audio
from emoscore.errors import ConfigError

CODECS = ("mp3", "opus", "vorbis")
NOISE_COLOURS = ("white", "pink", "brown")


@dataclass(frozen=True)
class Augmentation:
    """Which perturbations to apply, how often (``*_p``) and how strongly (ranges drawn uniformly)."""

    seed: int = 0
    noise_p: float = 0.0
    noise_snr_db: tuple[float, float] = (5.0, 30.0)
    reverb_p: float = 0.0
    reverb_rt60: tuple[float, float] = (0.2, 1.0)
    reverb_wet: tuple[float, float] = (0.2, 0.6)
    gain_p: float = 0.0
    gain_db: tuple[float, float] = (-12.0, 6.0)
    pitch_p: float = 0.0
    pitch_semitones: tuple[float, float] = (-2.0, 2.0)
    tempo_p: float = 0.0
    tempo_rate: tuple[float, float] = (0.85, 1.15)
    codec_p: float = 0.0
    codecs: tuple[str, ...] = ("mp3", "opus")
    codec_quality: tuple[float, float] = (0.0, 0.5)  # soundfile compression level: 0 best, 1 worst
    music_p: float = 0.0
    music_snr_db: tuple[float, float] = (0.0, 20.0)  # speech-to-music power ratio
    music_beds: tuple[str, ...] = ()  # audio files a bed is cut from (decoded at the clip's rate)

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name.endswith("_p") and not 0.0 <= v <= 1.0:
                raise ConfigError(f"augmentation {f.name}={v}: must be a probability in [0, 1]")
            if isinstance(v, list):
                object.__setattr__(self, f.name, tuple(v))
        for name in (
            "noise_snr_db",
            "reverb_rt60",
            "reverb_wet",
            "gain_db",
            "pitch_semitones",
            "tempo_rate",
            "codec_quality",
            "music_snr_db",
        ):
            lo, hi = getattr(self, name)
            if lo > hi:
                raise ConfigError(f"augmentation {name}=({lo}, {hi}): low end above high end")
        if self.tempo_rate[0] <= 0:
            raise ConfigError(f"augmentation tempo_rate={self.tempo_rate}: rates must be positive")
        bad = [c for c in self.codecs if c not in CODECS]
        if bad:
            raise ConfigError(f"augmentation codec {', '.join(bad)}: known codecs are {', '.join(CODECS)}")
        if self.music_p > 0 and not self.music_beds:
            raise ConfigError(f"augmentation music_p={self.music_p}: no music_beds to mix under the speech")

    @classmethod
    def robust(cls, seed: int = 0) -> Augmentation:
        """A mix for training models that must survive unseen rooms and microphones."""
        return cls(seed=seed, noise_p=0.5, reverb_p=0.4, gain_p=0.5, pitch_p=0.3, tempo_p=0.3, codec_p=0.2)

    def params(self) -> dict[str, Any]:
        """JSON-serialisable settings (for cache keys and bundles)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    to_dict = params

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Augmentation:
        kwargs: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in d.items() if k in cls.__dataclass_fields__
        }
        return cls(**kwargs)

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) > 0 for f in fields(self) if f.name.endswith("_p"))

    def apply(self, samples: np.ndarray, sample_rate: int, seed: int = 0) -> np.ndarray:
        """Perturbed copy of ``samples``; ``seed`` (e.g. from the clip) is mixed with ``self.seed``."""
        rng = np.random.default_rng([self.seed, seed & 0xFFFFFFFF])
        y = np.asarray(samples, dtype=np.float32).copy()
        # Draw every decision up front so enabling one kind does not shift another's randomness.
        draws = {
            k: (rng.random(), rng.uniform(), rng.uniform(), int(rng.integers(2**31)))
            for k in ("tempo", "pitch", "reverb", "noise", "codec", "gain")
        }
        music = (rng.random(), rng.uniform(), rng.uniform(), rng.uniform())  # drawn after the others
        if draws["tempo"][0] < self.tempo_p:
            y = time_stretch(y, _lerp(self.tempo_rate, draws["tempo"][1]))
        if draws["pitch"][0] < self.pitch_p:
            y = pitch_shift(y, sample_rate, _lerp(self.pitch_semitones, draws["pitch"][1]))
        if draws["reverb"][0] < self.reverb_p:
            d = draws["reverb"]
            y = add_reverb(
                y,
                sample_rate,
                rt60=_lerp(self.reverb_rt60, d[1]),
                wet=_lerp(self.reverb_wet, d[2]),
                seed=d[3],
            )
        if music[0] < self.music_p and self.music_beds:
            bed = self.music_beds[int(music[1] * len(self.music_beds)) % len(self.music_beds)]
            y = add_music_bed(
                y,
                load_audio(bed, sample_rate=sample_rate).samples,
                snr_db=_lerp(self.music_snr_db, music[2]),
                offset=music[3],
            )
        if draws["noise"][0] < self.noise_p:
            d = draws["noise"]
            y = add_noise(
                y, snr_db=_lerp(self.noise_snr_db, d[1]), colour=NOISE_COLOURS[int(d[2] * 3) % 3], seed=d[3]
            )
        if draws["codec"][0] < self.codec_p and self.codecs:
            d = draws["codec"]
            y = codec_round_trip(
                y,
                sample_rate,
                self.codecs[int(d[1] * len(self.codecs)) % len(self.codecs)],
                quality=_lerp(self.codec_quality, d[2]),
            )
        if draws["gain"][0] < self.gain_p:
            y = y * np.float32(10 ** (_lerp(self.gain_db, draws["gain"][1]) / 20))
        return y.astype(np.float32, copy=False)


def _lerp(bounds: tuple[float, float], u: float) -> float:
    return float(bounds[0] + (bounds[1] - bounds[0]) * u)


def add_noise(samples: np.ndarray, *, snr_db: float, colour: str = "white", seed: int = 0) -> np.ndarray:
    """Add white/pink/brown noise scaled so that signal power / noise power = ``snr_db``.

    >>> y = np.sin(np.arange(16000) / 5).astype(np.float32)
    >>> n = add_noise(y, snr_db=10.0) - y
    >>> round(float(10 * np.log10(np.mean(y ** 2) / np.mean(n ** 2))), 3)
    10.0
    """
    rng = np.random.default_rng(seed)
    n = len(samples)
    white = rng.standard_normal(n)
    if colour == "white":
        noise = white
    else:
        spec = np.fft.rfft(white)
        f = np.arange(len(spec), dtype=np.float64)
        f[0] = 1.0
        spec = spec / (np.sqrt(f) if colour == "pink" else f)
        noise = np.fft.irfft(spec, n)
    noise = noise - noise.mean()
    p_sig = float(np.mean(np.asarray(samples, dtype=np.float64) ** 2))
    p_noise = float(np.mean(noise**2)) or 1.0
    scale = np.sqrt(p_sig / (p_noise * 10 ** (snr_db / 10)))
    return (samples + scale * noise).astype(np.float32)


def room_impulse(sample_rate: int, *, rt60: float, seed: int = 0) -> np.ndarray:
    """Synthetic room response: a direct path, then exponentially decaying noise (-60 dB at ``rt60``)."""
    rng = np.random.default_rng(seed)
    n = max(1, int(rt60 * sample_rate))
    t = np.arange(n) / sample_rate
    tail = rng.standard_normal(n) * np.exp(-6.9078 * t / rt60)  # ln(1000) = 6.9078 -> -60 dB
    tail[: int(0.0025 * sample_rate)] = 0.0  # first reflections arrive a few ms after the direct sound
    tail /= np.sqrt(np.sum(tail**2)) or 1.0
    return tail


def add_reverb(
    samples: np.ndarray, sample_rate: int, *, rt60: float, wet: float, seed: int = 0
) -> np.ndarray:
    """Mix of the dry signal and its convolution with :func:`room_impulse`; same length and RMS."""
    from scipy.signal import fftconvolve

    y = np.asarray(samples, dtype=np.float64)
    tail = fftconvolve(y, room_impulse(sample_rate, rt60=rt60, seed=seed))[: len(y)]
    out = (1 - wet) * y + wet * tail
    rms_in, rms_out = np.sqrt(np.mean(y**2)), np.sqrt(np.mean(out**2))
    return (out * (rms_in / rms_out if rms_out > 0 else 1.0)).astype(np.float32)


def pitch_shift(samples: np.ndarray, sample_rate: int, semitones: float) -> np.ndarray:
    import librosa

    return librosa.effects.pitch_shift(samples, sr=sample_rate, n_steps=semitones).astype(np.float32)


def time_stretch(samples: np.ndarray, rate: float) -> np.ndarray:
    """Faster (``rate`` > 1, shorter output) or slower speech at the same pitch."""
    import librosa

    return librosa.effects.time_stretch(samples, rate=rate).astype(np.float32)


def codec_round_trip(
    samples: np.ndarray, sample_rate: int, codec: str, *, quality: float = 0.3
) -> np.ndarray:
    """Encode to a lossy codec in memory and decode back (libsndfile); same length and rate.

    ``quality`` is libsndfile's compression level, 0 (best) to 1 (smallest).
    """
    import soundfile as sf
    import soxr

    if codec not in CODECS:
        raise ConfigError(f"codec {codec!r}: known codecs are {', '.join(CODECS)}")
    fmt, subtype = {"mp3": ("MP3", "MPEG_LAYER_III"), "opus": ("OGG", "OPUS"), "vorbis": ("OGG", "VORBIS")}[
        codec
    ]
    rate = (
        48_000 if codec == "opus" and sample_rate not in (8000, 12000, 16000, 24000, 48000) else sample_rate
    )
    y = np.asarray(samples, dtype=np.float32)
    x = y if rate == sample_rate else soxr.resample(y, sample_rate, rate)
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    scale = 0.95 / peak if peak > 0.95 else 1.0  # the encoders clip at full scale
    buf = io.BytesIO()
    sf.write(buf, x * scale, rate, format=fmt, subtype=subtype, compression_level=float(quality))
    buf.seek(0)
    z, zr = sf.read(buf, dtype="float32")
    if z.ndim > 1:
        z = z.mean(axis=1)
    if zr != sample_rate:
        z = soxr.resample(z, zr, sample_rate)
    z = _align(y * scale, z.astype(np.float32)) / scale
    return z.astype(np.float32)


def _align(ref: np.ndarray, out: np.ndarray, max_lag: int = 4096) -> np.ndarray:
    """Undo the codec's start delay (found by cross-correlation) and cut/pad to ``len(ref)``."""
    n = min(len(ref), len(out), 16_000)
    lag = 0
    if n > 64:
        from scipy.signal import correlate

        c = correlate(out[: n + max_lag], ref[:n], mode="valid")
        lag = int(np.argmax(c)) if len(c) else 0
    out = out[lag:]
    if len(out) < len(ref):
        out = np.pad(out, (0, len(ref) - len(out)))
    return out[: len(ref)]


def add_music_bed(samples: np.ndarray, bed: np.ndarray, *, snr_db: float, offset: float = 0.0) -> np.ndarray:
    """Speech over a music bed ``snr_db`` below it (speech-to-music power ratio over the whole clip).

    The bed is cut at ``offset`` (0–1 of the room it leaves) to the speech's length, looped when
    shorter; the mix is scaled down only when it would clip.

    >>> y = 0.1 * np.sin(np.arange(8000) / 3)
    >>> m = add_music_bed(y, np.sin(np.arange(20000) / 7), snr_db=10.0) - y
    >>> round(float(10 * np.log10(np.mean(y ** 2) / np.mean(m ** 2))), 2)
    10.0
    """
    y = np.asarray(samples, dtype=np.float64)
    music = np.asarray(bed, dtype=np.float64)
    if not len(y) or not len(music):
        return y.astype(np.float32)
    start = int(offset * max(0, len(music) - len(y)))
    music = np.resize(music[start : start + len(y)], len(y))
    p_speech, p_music = float(np.mean(y**2)), float(np.mean(music**2))
    if p_music <= 0:
        return y.astype(np.float32)
    mix = y + music * np.sqrt(p_speech / (p_music * 10 ** (snr_db / 10)))
    peak = float(np.max(np.abs(mix)))
    return (mix / (peak / 0.99) if peak > 0.99 else mix).astype(np.float32)
