"""``whisper-base-layers``: pooled states of any Whisper-base encoder layer, in torch.

CTranslate2 (``whisper-base``) returns only the encoder's last layer, while the middle layers of
speech encoders carry more of how something is said. :class:`WhisperEncoderNet` is the Whisper
encoder re-built in torch from the same ``model.bin`` (read by :mod:`emoscore.features.ct2model`):
two 1-D convolutions with GELU (the second halves the frame rate), sinusoidal positions, pre-LN
transformer blocks and a final LayerNorm. It returns every layer's states:

- layer 0: the convolution stem plus positions (the first block's input);
- layers 1 … n-1: the residual stream after block 1 … n-1;
- layer n (6 for base): block n's output after the final LayerNorm, i.e. exactly what
  ``whisper-base`` pools (CTranslate2 float32 gives the same states to 2e-5 relative; its int8
  default, a pooled-vector cosine of 0.9997 or more).

The input is the ``whisper-base`` extractor's own real-length 80-band log-mel (no 30-s
padding); longer clips are encoded in 30-s pieces, and the blocks above the highest chosen
layer are not run. Each chosen layer's frames are pooled (``mean+std`` or ``mean``), and the
layers are concatenated (``combine="concat"``) or their pooled vectors averaged
(``combine="mean"``).

The default, layer 3 (the middle of the encoder), generalised best to unseen corpora in
``benchmarks/whisper_layers.py``: leave-one-corpus-out mean UA 0.660 against 0.517 for layer 6
(both with eGeMAPS appended, default recipe); ``layers=(6,)`` gives ``whisper-base``'s features.
Layer 3 runs 3 of the 6 blocks, at about 2.3 times the CPU time of the CTranslate2 int8 encoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emoscore.errors import ConfigError, ModelError
from emoscore.features.base import FeatureExtractor, check_choice
from emoscore.features.ct2model import read_ct2_model
from emoscore.features.whisper import MAX_MEL_FRAMES, POOLINGS, WhisperExtractor, whisper_model_dir

N_LAYERS = 6  # Whisper-base: layer indices 0 … 6
WIDTH = 512
COMBINES = ("concat", "mean")
DEFAULT_LAYERS = (3,)
_EPS = 1e-5


class WhisperEncoderNet:
    """The Whisper encoder in torch (float32, inference only), every layer's states out."""

    def __init__(self, weights: dict[str, np.ndarray]):
        import torch

        self._t = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in weights.items()}
        self.n_layers = sum(1 for k in weights if k.endswith("/self_attention/linear_0/weight"))
        self.heads = int(weights["encoder/num_heads"])
        self.width = int(weights["encoder/conv1/bias"].shape[0])
        if self.n_layers == 0 or self.width % self.heads:
            raise ModelError("Whisper encoder weights: no layers, or the width does not split into heads")

    @classmethod
    def from_model_dir(cls, path: str | Path) -> WhisperEncoderNet:
        m = read_ct2_model(path, select=lambda n: n.startswith("encoder/"))
        if m.spec != "WhisperSpec":
            raise ModelError(f"{m.path}: a {m.spec}, not a CTranslate2 Whisper model")
        return cls({n: m.float32(n) for n in m.variables})

    def _ln(self, x: Any, name: str) -> Any:
        import torch.nn.functional as F

        return F.layer_norm(x, (x.shape[-1],), self._t[f"{name}/gamma"], self._t[f"{name}/beta"], _EPS)

    def _linear(self, x: Any, name: str) -> Any:
        import torch.nn.functional as F

        return F.linear(x, self._t[f"{name}/weight"], self._t.get(f"{name}/bias"))

    def _block(self, x: Any, i: int) -> Any:
        import torch.nn.functional as F

        p = f"encoder/layer_{i}"
        b, t, d = x.shape
        qkv = self._linear(self._ln(x, f"{p}/self_attention/layer_norm"), f"{p}/self_attention/linear_0")
        q, k, v = (h.view(b, t, self.heads, d // self.heads).transpose(1, 2) for h in qkv.split(d, dim=-1))
        a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, t, d)
        x = x + self._linear(a, f"{p}/self_attention/linear_1")
        h = F.gelu(self._linear(self._ln(x, f"{p}/ffn/layer_norm"), f"{p}/ffn/linear_0"))
        return x + self._linear(h, f"{p}/ffn/linear_1")

    def forward(self, mels: np.ndarray, *, last: int | None = None) -> list[np.ndarray]:
        """(B, 80, T) log-mels (T even, at most 3000) -> (B, T/2, d) states of layers 0 … ``last``
        (default: all n_layers + 1); the blocks above ``last`` are not run."""
        import torch
        import torch.nn.functional as F

        t = self._t
        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(mels, dtype=np.float32))
            x = F.gelu(F.conv1d(x, t["encoder/conv1/weight"], t["encoder/conv1/bias"], padding=1))
            x = F.gelu(F.conv1d(x, t["encoder/conv2/weight"], t["encoder/conv2/bias"], stride=2, padding=1))
            x = x.transpose(1, 2)
            x = x + t["encoder/position_encodings/encodings"][: x.shape[1]]
            states = [x]
            top = self.n_layers if last is None else last
            for i in range(top):
                x = self._block(x, i)
                states.append(x)
            if top == self.n_layers:
                states[-1] = self._ln(x, "encoder/layer_norm")
            return [s.numpy() for s in states]


class _WhisperMel(WhisperExtractor):
    """``whisper-base``'s log-mel (:meth:`WhisperExtractor.log_mel`) without loading CTranslate2."""

    def _load(self) -> tuple[Any, Any]:
        if self._mel is None:
            from faster_whisper.feature_extractor import FeatureExtractor as MelExtractor

            self._mel = MelExtractor(feature_size=80)
        return None, self._mel


class WhisperLayersExtractor(FeatureExtractor):
    """Pooled states of chosen Whisper-base encoder layers (0 … 6; 6 is ``whisper-base``'s own;
    default 3).

    ``threads`` (torch intra-op threads while encoding) only changes speed, so it is not in
    :meth:`params`.

    >>> WhisperLayersExtractor(layers=(3, 4)).dim
    2048
    """

    name = "whisper-base-layers"

    def __init__(
        self,
        *,
        layers: Sequence[int] = DEFAULT_LAYERS,
        pooling: str = "mean+std",
        combine: str = "concat",
        threads: int = 1,
        cache_root: str | None = None,
    ):
        chosen = tuple(int(i) for i in layers)
        if not chosen or any(not 0 <= i <= N_LAYERS for i in chosen) or len(set(chosen)) != len(chosen):
            raise ConfigError(f"layers={list(layers)!r}: give distinct layer indices from 0 to {N_LAYERS}")
        check_choice("pooling", pooling, POOLINGS)
        check_choice("combine", combine, COMBINES)
        self.layers = chosen
        self.pooling = pooling
        self.combine = combine
        self.threads = int(threads)
        self.cache_root = cache_root
        self._net: WhisperEncoderNet | None = None
        self._mel = _WhisperMel("base", cache_root=cache_root)

    @property
    def dim(self) -> int:
        one = 2 * WIDTH if self.pooling == "mean+std" else WIDTH
        return one * (len(self.layers) if self.combine == "concat" else 1)

    def params(self) -> dict[str, Any]:
        return {"layers": list(self.layers), "pooling": self.pooling, "combine": self.combine}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_net"] = None
        return state

    def net(self) -> WhisperEncoderNet:
        if self._net is None:
            path = whisper_model_dir("base", cache_root=self.cache_root)
            self._net = WhisperEncoderNet.from_model_dir(path)
        return self._net

    def log_mel(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """The ``whisper-base`` extractor's real-length log-mel (80, even T)."""
        return self._mel.log_mel(samples, sample_rate)

    def layer_states(self, mels: np.ndarray, *, last: int | None = None) -> list[np.ndarray]:
        """(B, 80, T) log-mels -> (B, T/2, d) states of layers 0 … ``last`` (default: every
        layer), in 30-s pieces."""
        import torch

        net = self.net()
        old = torch.get_num_threads()
        torch.set_num_threads(max(1, self.threads))
        try:
            pieces = [
                net.forward(mels[:, :, a : a + MAX_MEL_FRAMES], last=last)
                for a in range(0, mels.shape[2], MAX_MEL_FRAMES)
            ]
        finally:
            torch.set_num_threads(old)
        return [np.concatenate([p[i] for p in pieces], axis=1) for i in range(len(pieces[0]))]

    def _pool(self, h: np.ndarray) -> np.ndarray:
        if self.pooling == "mean":
            return h.mean(axis=0)
        return np.concatenate([h.mean(axis=0), h.std(axis=0)])

    def _features(self, states: list[np.ndarray]) -> np.ndarray:
        """One clip's states (each (1, T/2, d)) -> its feature vector."""
        pooled = [self._pool(states[i][0]) for i in self.layers]
        out = np.concatenate(pooled) if self.combine == "concat" else np.mean(pooled, axis=0)
        return out.astype(np.float32)

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        mel = self.log_mel(samples, sample_rate)[None]
        return self._features(self.layer_states(mel, last=max(self.layers)))
