"""Decode audio files and video sound tracks to mono float32 at a fixed rate, in streaming blocks.

libsndfile (``soundfile``) reads wav/flac/ogg/mp3 quickly; everything else (m4a/aac, opus,
video containers) goes through FFmpeg via PyAV. Both paths stream, so memory does not grow
with the length of the input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from emoscore.errors import AudioError

TARGET_RATE = 16_000
MIN_RATE, MAX_RATE = 1_000, 768_000
SILENCE_PEAK = 1e-4


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds before decoding."""

    path: str
    sample_rate: int
    channels: int
    duration: float | None
    decoder: str


@dataclass(frozen=True)
class Audio:
    """Decoded mono samples at ``sample_rate``."""

    samples: np.ndarray
    sample_rate: int
    path: str = "<array>"

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


def _check_path(path: Path) -> None:
    if not path.exists():
        raise AudioError(f"{path}: file not found")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: file is empty")


def _check_rate(path: Path, rate: float, channels: int) -> None:
    if channels < 1:
        raise AudioError(f"{path}: has no audio channels")
    if not (MIN_RATE <= rate <= MAX_RATE):
        raise AudioError(f"{path}: sample rate {rate:g} Hz is outside {MIN_RATE}..{MAX_RATE} Hz")


def probe_audio(path: str | Path) -> AudioInfo:
    """Header facts of an audio or video file; raises :class:`AudioError` when it has no audio."""
    p = Path(path)
    _check_path(p)
    try:
        info = sf.info(str(p))
        _check_rate(p, info.samplerate, info.channels)
        return AudioInfo(str(p), int(info.samplerate), int(info.channels), float(info.duration), "soundfile")
    except AudioError:
        raise
    except Exception:
        pass
    import av

    try:
        with av.open(str(p)) as container:
            if not container.streams.audio:
                raise AudioError(f"{p}: has no audio track")
            st = container.streams.audio[0]
            rate = st.codec_context.sample_rate or st.rate or 0
            channels = st.codec_context.channels if hasattr(st.codec_context, "channels") else 0
            channels = channels or len(getattr(st.codec_context.layout, "channels", ())) or 0
            _check_rate(p, rate, channels)
            duration = None
            if st.duration is not None and st.time_base is not None:
                duration = float(st.duration * st.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000
            return AudioInfo(str(p), int(rate), int(channels), duration, "ffmpeg")
    except AudioError:
        raise
    except Exception as exc:
        raise AudioError(f"{p}: not a readable audio or video file ({_short(exc)})") from None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _checked(path: Path, block: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(block)):
        raise AudioError(f"{path}: contains NaN or infinite samples")
    return block


def _stream_soundfile(path: Path, rate: int, block_frames: int) -> Iterator[np.ndarray]:
    with sf.SoundFile(str(path)) as f:
        _check_rate(path, f.samplerate, f.channels)
        resampler = None if f.samplerate == rate else soxr.ResampleStream(f.samplerate, rate, 1, dtype="float32")
        while True:
            block = f.read(block_frames, dtype="float32", always_2d=True)
            last = len(block) < block_frames
            mono = _checked(path, block.mean(axis=1, dtype=np.float32))
            if resampler is not None:
                mono = resampler.resample_chunk(mono, last=last)
            if len(mono):
                yield mono
            if last:
                return


def _stream_ffmpeg(path: Path, rate: int) -> Iterator[np.ndarray]:
    import av

    try:
        container = av.open(str(path))
    except Exception as exc:
        raise AudioError(f"{path}: not a readable audio or video file ({_short(exc)})") from None
    with container:
        if not container.streams.audio:
            raise AudioError(f"{path}: has no audio track")
        stream = container.streams.audio[0]
        _check_rate(path, stream.codec_context.sample_rate or 0, max(1, stream.codec_context.channels or 1))
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    yield _checked(path, out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
            for out in resampler.resample(None):
                yield _checked(path, out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        except AudioError:
            raise
        except Exception as exc:
            raise AudioError(f"{path}: decoding failed, file may be truncated or corrupt ({_short(exc)})") from None


def stream_audio(
    path: str | Path, *, sample_rate: int = TARGET_RATE, block_seconds: float = 10.0
) -> Iterator[np.ndarray]:
    """Yield mono float32 blocks at ``sample_rate``; raise :class:`AudioError` on unusable input.

    Raises at the end of the stream if the file held no samples or only silence.
    """
    p = Path(path)
    _check_path(p)
    try:
        sf.info(str(p))
        use_soundfile = True
    except Exception:
        use_soundfile = False
    total, peak = 0, 0.0
    try:
        blocks = (
            _stream_soundfile(p, sample_rate, max(1, int(block_seconds * 48_000)))
            if use_soundfile
            else _stream_ffmpeg(p, sample_rate)
        )
        for block in blocks:
            total += len(block)
            if len(block):
                peak = max(peak, float(np.max(np.abs(block))))
            yield block
    except AudioError:
        raise
    except Exception as exc:
        raise AudioError(f"{p}: decoding failed, file may be truncated or corrupt ({_short(exc)})") from None
    if total == 0:
        raise AudioError(f"{p}: contains no audio samples")
    if peak < SILENCE_PEAK:
        raise AudioError(f"{p}: is silent (peak amplitude {peak:.1e})")


def load_audio(path: str | Path, *, sample_rate: int = TARGET_RATE) -> Audio:
    """Decode a whole file to mono float32 at ``sample_rate``.

    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> tmp = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> sf.write(tmp, 0.1 * np.sin(np.arange(44100) / 10), 44100)
    >>> round(load_audio(tmp).duration, 2)
    1.0
    """
    blocks = list(stream_audio(path, sample_rate=sample_rate))
    return Audio(np.concatenate(blocks).astype(np.float32, copy=False), sample_rate, str(path))
