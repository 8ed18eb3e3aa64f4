"""Is anything there? Voice activity (Silero VAD) and the level of a window against its file.

:class:`SileroVAD` runs the Silero voice activity detector (MIT licence; its ONNX model ships
inside the ``silero-vad`` wheel, nothing is downloaded) on onnxruntime with numpy only: 32-ms
frames at 16 kHz, each window its own batch row with its own recurrent state. :func:`level_db`
is a window's RMS level in dBFS with any DC offset removed (a constant offset is not sound), and
:func:`silence_floor` the level under which a window counts as silence: an absolute floor for
room tone and digital zeros, or far below the file's own loud level, whichever is higher.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emoscore.errors import ConfigError, ModelError

VAD_RATE = 16_000
FRAME = 512  # samples per Silero frame at 16 kHz (32 ms)
CONTEXT = 64  # samples of the previous frame the model sees before each frame
#: the rates Silero's model runs at (its 8-kHz mode has half the frame and context samples)
MODEL_RATES = (16_000, 8_000)
#: a frame is voiced at or above this speech probability (Silero's own default)
VOICE_THRESHOLD = 0.5
#: windows below this RMS level are silence whatever the file holds (room tone, digital zeros)
ABSOLUTE_FLOOR_DB = -58.0
#: ... and windows this far below the file's loud level (its 95th-percentile window) are silence too
RELATIVE_RANGE_DB = 40.0
#: the level of digital zeros
MIN_DB = -120.0


def level_db(samples: np.ndarray) -> float:
    """RMS level in dBFS with the DC offset removed; digital zeros are ``MIN_DB``.

    >>> level_db(np.full(16000, 0.5, np.float32)), round(level_db(0.1 * np.sin(np.arange(16000.0))), 1)
    (-120.0, -23.0)
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        return MIN_DB
    rms = float(np.sqrt(np.mean((x - x.mean()) ** 2)))
    return max(MIN_DB, float(20.0 * np.log10(rms))) if rms > 0 else MIN_DB


def silence_floor(levels: Sequence[float]) -> float:
    """The level (dBFS) below which a window of a file with these window levels is silence.

    >>> silence_floor([-20.0, -22.0, -70.0]), silence_floor([-62.0, -61.0])
    (-58.0, -58.0)
    >>> silence_floor([-5.0] * 19 + [-50.0])
    -45.0
    """
    loud = float(np.percentile(np.asarray(levels, dtype=np.float64), 95)) if len(levels) else MIN_DB
    return max(ABSOLUTE_FLOOR_DB, loud - RELATIVE_RANGE_DB)


def _model_path() -> Path:
    spec = importlib.util.find_spec("silero_vad")  # located, not imported: its package imports torch
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("voice activity detection needs the silero-vad package (pip install silero-vad)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "silero_vad.onnx"
    if not path.is_file():
        raise ModelError(f"{path}: the Silero VAD model is missing from the silero-vad package")
    return path


class SileroVAD:
    """Frame-wise speech probabilities of 16-kHz windows (the model loads on first use).

    ``model_rate`` 8000 runs Silero's 8-kHz mode on the windows decimated to 8 kHz (256-sample
    frames, still 32 ms): about a quarter less CPU than the 16-kHz mode, decimation included
    (0.70 against 0.95 s per 10 minutes), for the fast tier.
    """

    def __init__(self, threshold: float = VOICE_THRESHOLD, *, model_rate: int = VAD_RATE):
        if model_rate not in MODEL_RATES:
            raise ConfigError(f"Silero VAD model_rate={model_rate}: use {' or '.join(map(str, MODEL_RATES))}")
        self.threshold = float(threshold)
        self.model_rate = int(model_rate)
        self._session: Any = None

    def __getstate__(self) -> dict[str, Any]:  # an onnxruntime session does not pickle
        return {**self.__dict__, "_session": None}

    def _load(self) -> Any:
        if self._session is None:
            import onnxruntime

            opts = onnxruntime.SessionOptions()
            opts.intra_op_num_threads = 1
            opts.inter_op_num_threads = 1
            path = _model_path()
            try:
                self._session = onnxruntime.InferenceSession(
                    str(path), sess_options=opts, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:
                raise ModelError(f"{path}: cannot load the Silero VAD model ({exc})") from None
        return self._session

    def frame_probabilities(self, windows: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Speech probability of every whole 32-ms frame of each window (16 kHz samples)."""
        if not windows:
            return []
        session = self._load()
        if self.model_rate != VAD_RATE:
            import soxr

            windows = [soxr.resample(np.asarray(w, np.float32), VAD_RATE, self.model_rate) for w in windows]
        frame = FRAME * self.model_rate // VAD_RATE
        context_len = CONTEXT * self.model_rate // VAD_RATE
        counts = [len(w) // frame for w in windows]
        n = max(counts)
        batch = np.zeros((len(windows), max(n, 1) * frame), dtype=np.float32)
        for i, w in enumerate(windows):
            batch[i, : counts[i] * frame] = np.asarray(w[: counts[i] * frame], dtype=np.float32)
        state = np.zeros((2, len(windows), 128), dtype=np.float32)
        context = np.zeros((len(windows), context_len), dtype=np.float32)
        sr = np.array(self.model_rate, dtype=np.int64)
        probs = np.zeros((len(windows), n), dtype=np.float32)
        for k in range(n):
            chunk = batch[:, k * frame : (k + 1) * frame]
            out, state = session.run(None, {"input": np.hstack([context, chunk]), "state": state, "sr": sr})
            probs[:, k] = out[:, 0]
            context = chunk[:, -context_len:]
        return [probs[i, : counts[i]] for i in range(len(windows))]

    def voiced_share(self, windows: Sequence[np.ndarray]) -> np.ndarray:
        """Share of each window's frames whose speech probability reaches the threshold."""
        return np.array(
            [
                float(np.mean(p >= self.threshold)) if len(p) else 0.0
                for p in self.frame_probabilities(windows)
            ]
        )
