"""Lay rendered music under the original dialogue (ducked where speech is active) and put
the scored sound track back into the video, copying the picture stream untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf

from emoscore.atomic import atomic_output
from emoscore.audio.decode import load_audio
from emoscore.errors import AudioError, ConfigError
from emoscore.music.render import SAMPLE_RATE, SUBTYPE

FRAME = 0.02  # seconds per energy frame
VIDEO_AUDIO_CODECS = {".mp4": "aac", ".m4v": "aac", ".mov": "aac", ".mkv": "aac", ".webm": "libopus"}


@dataclass(frozen=True)
class MixResult:
    """The mixed file and how much of it had speech (music ducked)."""

    path: str
    duration: float
    speech_share: float
    duck_db: float


def speech_activity(
    samples: np.ndarray, sample_rate: int, *, top_db: float = 30.0, floor: float = 1e-3, hold: float = 0.3
) -> np.ndarray:
    """Per-frame speech flags (20-ms frames) from a frame-energy envelope: energy within
    ``top_db`` of the loudest frame and above ``floor``, held ``hold`` seconds so the music
    does not pump between syllables.

    >>> y = np.r_[np.zeros(16000), 0.3 * np.sin(np.arange(16000) / 5), np.zeros(32000)].astype("float32")
    >>> act = speech_activity(y, 16000)
    >>> bool(act[:45].any()), bool(act[55:95].all()), bool(act[120:].any())
    (False, True, False)
    """
    n = int(FRAME * sample_rate)
    frames = len(samples) // n
    if frames == 0:
        return np.zeros(0, dtype=bool)
    rms = np.sqrt(np.mean(samples[: frames * n].reshape(frames, n).astype(np.float64) ** 2, axis=1) + 1e-12)
    active = rms > max(floor, float(rms.max()) * 10 ** (-top_db / 20))
    k = int(round(hold / FRAME))
    if k > 0 and active.any():  # dilate: hold each active frame for k frames after it
        idx = np.flatnonzero(active)
        held = np.zeros(frames + k + 1, dtype=int)
        np.add.at(held, idx, 1)
        np.add.at(held, idx + k + 1, -1)
        active = np.cumsum(held)[:frames] > 0
    return active


def _gain_curve(active: np.ndarray, length: int, sample_rate: int, duck_db: float, ramp: float) -> np.ndarray:
    """Per-sample music gain: 1 without speech, ``duck_db`` under it, with linear ramps."""
    target = np.where(active, 10 ** (duck_db / 20), 1.0)
    n = int(FRAME * sample_rate)
    g = np.repeat(target, n)
    g = np.pad(g, (0, max(0, length - len(g))), constant_values=1.0)[:length]
    k = max(1, int(ramp * sample_rate))
    kernel = np.ones(k) / k  # a moving average turns steps into ramps of ``ramp`` seconds
    return np.convolve(np.pad(g, (k // 2, k - 1 - k // 2), mode="edge"), kernel, mode="valid")


def mix_under_speech(
    music: str | Path,
    dialogue: str | Path,
    out: str | Path,
    *,
    duck_db: float = -12.0,
    music_db: float = -3.0,
    ramp: float = 0.15,
) -> MixResult:
    """Mix ``music`` (a WAV) under the sound of ``dialogue`` (audio or video), ducking the music
    by ``duck_db`` where speech is active. Writes a 44.1 kHz PCM_24 stereo WAV atomically."""
    if duck_db > 0:
        raise ConfigError(f"--duck {duck_db:g} dB: ducking must be 0 dB or lower")
    speech = load_audio(dialogue, sample_rate=SAMPLE_RATE).samples
    try:
        y, rate = sf.read(music, always_2d=True, dtype="float32")
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise AudioError(f"{music}: cannot read rendered music ({exc})") from None
    if rate != SAMPLE_RATE:
        import soxr

        y = soxr.resample(y, rate, SAMPLE_RATE).astype(np.float32)
    if y.shape[1] == 1:
        y = np.repeat(y, 2, axis=1)
    length = max(len(speech), len(y))
    active = speech_activity(speech, SAMPLE_RATE)
    gain = _gain_curve(active, length, SAMPLE_RATE, duck_db, ramp) * 10 ** (music_db / 20)
    mix = np.zeros((length, 2), dtype=np.float64)
    mix[: len(speech)] += speech[:, None]
    mix[: len(y)] += y[:, :2] * gain[: len(y), None]
    peak = float(np.max(np.abs(mix)))
    if peak > 0.99:
        mix *= 0.99 / peak
    out = Path(out)
    with atomic_output(out) as tmp:
        sf.write(tmp, mix.astype(np.float32), SAMPLE_RATE, subtype=SUBTYPE)
    share = float(active.mean()) if len(active) else 0.0
    return MixResult(str(out), length / SAMPLE_RATE, share, duck_db)


def has_video(path: str | Path) -> bool:
    """Whether ``path`` holds a picture to put a scored sound track under."""
    import av

    try:
        with av.open(str(path)) as container:
            return bool(container.streams.video)
    except (av.error.FFmpegError, OSError):
        return False


def mux_video(video: str | Path, audio: str | Path, out: str | Path) -> Path:
    """Write ``out``: the picture of ``video`` copied packet by packet (no re-encode) with
    ``audio`` (a WAV) as its only sound track, encoded for the container (AAC, Opus for webm)."""
    import av

    video, out = Path(video), Path(out)
    codec = VIDEO_AUDIO_CODECS.get(out.suffix.lower())
    if codec is None:
        raise ConfigError(f"{out}: unsupported video container; use {', '.join(VIDEO_AUDIO_CODECS)}")
    try:
        src = av.open(str(video))
    except (av.error.FFmpegError, OSError) as exc:
        raise AudioError(f"{video}: cannot open video ({exc})") from None
    try:
        if not src.streams.video:
            raise AudioError(f"{video}: has no video stream to put the score under")
        y, rate = sf.read(audio, always_2d=True, dtype="float32")
        if src.duration:  # the sound track ends with the picture (the render adds a release tail)
            y = y[: int(np.ceil(src.duration / av.time_base * rate))]
        if y.shape[1] == 1:
            y = np.repeat(y, 2, axis=1)
        out_rate = 48_000 if codec == "libopus" else rate
        if out_rate != rate:
            import soxr

            y = soxr.resample(y, rate, out_rate).astype(np.float32)
        with (
            atomic_output(out) as tmp,
            av.open(
                str(tmp), "w", format=out.suffix.lstrip(".").replace("mkv", "matroska").replace("m4v", "mp4")
            ) as dst,
        ):
            vin = src.streams.video[0]
            vout = dst.add_stream_from_template(vin)
            aout = dst.add_stream(codec, rate=out_rate, layout="stereo")
            assert isinstance(aout, av.audio.stream.AudioStream)
            for packet in src.demux(vin):
                if packet.dts is None:  # the demuxer's flush packet
                    continue
                packet.stream = vout
                dst.mux(packet)
            block = 1024 * 16
            for i in range(0, len(y), block):
                chunk = np.ascontiguousarray(y[i : i + block].T)
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
                frame.sample_rate = out_rate
                frame.pts = i
                frame.time_base = Fraction(1, out_rate)
                dst.mux(aout.encode(frame))
            dst.mux(aout.encode(None))
    except av.error.FFmpegError as exc:
        raise AudioError(f"{video}: muxing the scored sound track failed ({exc})") from None
    finally:
        src.close()
    return out
