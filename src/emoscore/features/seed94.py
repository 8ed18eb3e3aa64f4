"""``seed94`` (papers 001/002): per-clip means of 12 chroma, 60 mel bands, 20 MFCC,
zero-crossing rate and spectral centroid = 94 values.

Layout: ``[0:12]`` chroma, ``[12:72]`` mel, ``[72:92]`` MFCC, ``[92]`` ZCR, ``[93]`` centroid (Hz).
The papers average the mel *power*; that spans many orders of magnitude, so by default the mel
bands are averaged in dB (``mel="db"``); ``mel="power"`` reproduces the papers. Standard
scaling belongs to the model pipeline, not here.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from emoscore.errors import ConfigError
from emoscore.features.base import FeatureExtractor, at_rate

N_FFT, HOP = 2048, 512


class Seed94Extractor(FeatureExtractor):
    name = "seed94"

    def __init__(self, *, mel: str = "db", sample_rate: int = 16_000):
        if mel not in ("db", "power"):
            raise ConfigError(f"seed94 mel={mel!r}: must be 'db' or 'power'")
        self.mel = mel
        self.sample_rate = sample_rate

    def params(self) -> dict[str, Any]:
        return {"mel": self.mel, "sample_rate": self.sample_rate, "n_fft": N_FFT, "hop": HOP}

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        import librosa

        sr = self.sample_rate
        y = at_rate(samples, sample_rate, sr)
        if len(y) < N_FFT:  # librosa needs at least one full frame without warnings
            y = np.pad(y, (0, N_FFT - len(y)))
        power = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP)) ** 2
        with warnings.catch_warnings():  # tuning estimation warns on unpitched input; it then uses 0
            warnings.simplefilter("ignore", UserWarning)
            chroma = librosa.feature.chroma_stft(S=power, sr=sr, n_fft=N_FFT, hop_length=HOP)
        mel60 = librosa.feature.melspectrogram(S=power, sr=sr, n_mels=60)
        if self.mel == "db":
            mel60 = librosa.power_to_db(mel60, top_db=None)
        # Same as librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20): DCT of the 128-band log-mel.
        mfcc = librosa.feature.mfcc(
            S=librosa.power_to_db(librosa.feature.melspectrogram(S=power, sr=sr)), n_mfcc=20
        )
        zcr = librosa.feature.zero_crossing_rate(y, frame_length=N_FFT, hop_length=HOP)
        centroid = librosa.feature.spectral_centroid(S=np.sqrt(power), sr=sr, n_fft=N_FFT, hop_length=HOP)
        parts = [chroma, mel60, mfcc, zcr, centroid]
        return np.concatenate([p.mean(axis=1) for p in parts]).astype(np.float32)
