"""Audio in: decode any file or video track, resample, denoise, detect voice, cut windows."""

from emoscore.audio.decode import TARGET_RATE, Audio, AudioInfo, load_audio, probe_audio, stream_audio
from emoscore.audio.preprocess import Preprocessing, pad_to_minimum, preprocess_clip, speech_ratio
from emoscore.audio.windows import Window, iter_windows, window_spans

__all__ = [
    "TARGET_RATE",
    "Audio",
    "AudioInfo",
    "Preprocessing",
    "Window",
    "iter_windows",
    "load_audio",
    "pad_to_minimum",
    "preprocess_clip",
    "probe_audio",
    "speech_ratio",
    "stream_audio",
    "window_spans",
]
