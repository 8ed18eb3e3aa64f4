"""``musicnn-msd`` / ``musicnn-mtt``: pretrained music-tagging embeddings (Pons & Serra 2019).

The weights are the TF1 checkpoints inside the ``musicnn`` PyPI wheel (ISC licence; trained on
the Million Song Dataset, MSD, and MagnaTagATune, MTT, 50 tags each). The wheel's own code needs
TensorFlow 1-style graphs and an old numpy, so it is installed with ``--no-deps`` and never
imported: :mod:`~emoscore.features.tfcheckpoint` reads the checkpoint with numpy and
:class:`MusicnnNet` is the same network in torch (checked against the original graph run under
TensorFlow, max abs difference ≈1e-5; see ``docs/music_emotion.md``).

Input, as musicnn computes it: 16 kHz, 96-band mel power spectrogram (n_fft 512, hop 256),
``log10(10000·x + 1)``, cut into 187-frame (3-s) patches. A clip longer than one patch is
covered by ⌈frames/187⌉ patches spread evenly from its start to its end (a 4-s window: 2
overlapping patches); a shorter one is one patch of its own length (the network pools over time
globally). Each patch gives the chosen ``layer`` and the patches are pooled to one vector:

- ``penultimate``: the 200-unit dense layer before the tags (default);
- ``tags``: the 50 tag probabilities (MSD tags include ``happy``, ``sad``, ``Mellow``, ``chill``);
- ``pool``: max and mean over time of the 753 mid-end features (1506 values).
"""

from __future__ import annotations

import importlib.util
import os
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emoscore.errors import ConfigError, ModelError
from emoscore.features.base import FeatureExtractor, at_rate, check_choice
from emoscore.features.tfcheckpoint import read_checkpoint

SAMPLE_RATE = 16_000
N_FFT = 512
HOP = 256
N_MELS = 96
PATCH_FRAMES = 187  # 3 s, the length the models were trained on
PACKAGE = "musicnn"
MODELS = ("MSD_musicnn", "MTT_musicnn")
LAYERS = {"penultimate": 200, "tags": 50, "pool": 1506}
POOLINGS = ("mean+std", "mean")
BN_EPSILON = 1e-3  # tf.compat.v1.layers.batch_normalization's default

MSD_TAGS = (
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists", "dance", "00s",
    "alternative rock", "jazz", "beautiful", "metal", "chillout", "male vocalists", "classic rock",
    "soul", "indie rock", "Mellow", "electronica", "80s", "folk", "90s", "chill", "instrumental",
    "punk", "oldies", "blues", "hard rock", "ambient", "acoustic", "experimental",
    "female vocalist", "guitar", "Hip-Hop", "70s", "party", "country", "easy listening", "sexy",
    "catchy", "funk", "electro", "heavy metal", "Progressive rock", "60s", "rnb", "indie pop", "sad",
    "House", "happy",
)  # fmt: skip
MTT_TAGS = (
    "guitar", "classical", "slow", "techno", "strings", "drums", "electronic", "rock", "fast",
    "piano", "ambient", "beat", "violin", "vocal", "synth", "female", "indian", "opera", "male",
    "singing", "vocals", "no vocals", "harpsichord", "loud", "quiet", "flute", "woman",
    "male vocal", "no vocal", "pop", "soft", "sitar", "solo", "man", "classic", "choir", "voice",
    "new age", "dance", "male voice", "female vocal", "beats", "harp", "cello", "no voice", "weird",
    "country", "metal", "female voice", "choral",
)  # fmt: skip
TAGS = {"MSD_musicnn": MSD_TAGS, "MTT_musicnn": MTT_TAGS}

# tf.compat.v1.layers numbers its variables in creation order (models.py, build_musicnn)
_INPUT_BN = "batch_normalization"
_TIMBRAL = (("conv2d", "batch_normalization_1"), ("conv2d_1", "batch_normalization_2"))
_TEMPORAL = (
    ("conv2d_2", "batch_normalization_3"),
    ("conv2d_3", "batch_normalization_4"),
    ("conv2d_4", "batch_normalization_5"),
)
_MIDEND = (
    ("conv2d_5", "batch_normalization_6"),
    ("conv2d_6", "batch_normalization_7"),
    ("conv2d_7", "batch_normalization_8"),
)
_BACKEND_BN, _DENSE, _DENSE_BN, _OUTPUT = (
    "batch_normalization_9",
    "dense",
    "batch_normalization_10",
    "dense_1",
)


def checkpoint_prefix(model: str) -> str:
    """``PREFIX`` of the installed wheel's checkpoint (its files are ``PREFIX.index`` …)."""
    if model not in MODELS:
        raise ConfigError(f"musicnn model {model!r}: known models are {', '.join(MODELS)}")
    spec = importlib.util.find_spec(PACKAGE)  # finds the wheel without importing it (TF1 code)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"musicnn weights: Python package {PACKAGE!r} is not installed "
            "(pip install --no-deps musicnn==0.1.0)"
        )
    # the wheel saved each model with an empty file prefix inside its folder: MODEL/.index
    return os.path.join(next(iter(spec.submodule_search_locations)), model, "")


def checkpoint_variables() -> list[str]:
    """Names of the variables :class:`MusicnnNet` needs (the optimiser's slots are skipped)."""
    names = [f"{_INPUT_BN}/{p}" for p in ("gamma", "beta", "moving_mean", "moving_variance")]
    for conv, bn in (*_TIMBRAL, *_TEMPORAL, *_MIDEND, (_DENSE, _DENSE_BN)):
        names += [f"{conv}/kernel", f"{conv}/bias"]
        names += [f"{bn}/{p}" for p in ("gamma", "beta", "moving_mean", "moving_variance")]
    names += [f"{_BACKEND_BN}/{p}" for p in ("gamma", "beta", "moving_mean", "moving_variance")]
    return names + [f"{_OUTPUT}/kernel", f"{_OUTPUT}/bias"]


def log_mel(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """(frames, 96) input of the network, computed as musicnn's ``batch_data`` does."""
    import librosa

    y = at_rate(samples, sample_rate, SAMPLE_RATE)
    if len(y) == 0:
        raise ConfigError("musicnn features need at least one sample of audio")
    # musicnn was trained with librosa's reflect padding (the default until librosa 0.10)
    mel = librosa.feature.melspectrogram(
        y=y, sr=SAMPLE_RATE, hop_length=HOP, n_fft=N_FFT, n_mels=N_MELS, pad_mode="reflect"
    ).T
    # musicnn stores the spectrogram as float16 before the log; clip so a loud input stays finite
    mel16 = np.minimum(mel, np.finfo(np.float16).max).astype(np.float16)
    return np.log10(10000 * mel16.astype(np.float32) + 1).astype(np.float32)


def patch_starts(n_frames: int, patch: int = PATCH_FRAMES) -> list[int]:
    """Starts of the patches covering ``n_frames`` frames, spread evenly, first and last flush.

    >>> patch_starts(251)  # a 4-s window
    [0, 64]
    >>> patch_starts(100)
    [0]
    """
    if n_frames <= patch:
        return [0]
    k = -(-n_frames // patch)
    return [int(s) for s in np.linspace(0, n_frames - patch, k).round()]


class MusicnnNet:
    """The musicnn network (front-end CNN, dense mid-end, pooled back-end) in torch, inference only.

    ``forward`` maps (batch, frames, 96) log-mels to a dict of per-patch outputs:
    ``tags`` (50 sigmoid probabilities), ``penultimate`` (200), ``pool`` (1506).
    """

    def __init__(self, weights: dict[str, np.ndarray]):
        import torch

        self._t = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in weights.items()}

    @classmethod
    def from_checkpoint(cls, prefix: str | Path) -> MusicnnNet:
        return cls(read_checkpoint(prefix, checkpoint_variables()))

    def _bn(self, x: Any, name: str, dim: int) -> Any:
        t = self._t
        shape = [1] * x.dim()
        shape[dim] = -1
        scale = t[f"{name}/gamma"] / (t[f"{name}/moving_variance"] + BN_EPSILON).sqrt()
        shift = t[f"{name}/beta"] - t[f"{name}/moving_mean"] * scale
        return x * scale.view(shape) + shift.view(shape)

    def _conv2d(self, x: Any, name: str) -> Any:
        import torch.nn.functional as F

        kernel = self._t[f"{name}/kernel"].permute(3, 2, 0, 1)  # TF HWIO -> torch OIHW
        return F.relu(F.conv2d(x, kernel, self._t[f"{name}/bias"]))

    def forward(self, mel: np.ndarray) -> dict[str, np.ndarray]:
        import torch
        import torch.nn.functional as F

        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(mel, dtype=np.float32))[:, None]  # (B, 1, T, 96)
            x = self._bn(x, _INPUT_BN, 1)
            front = []
            padded = F.pad(x, (0, 0, 3, 3))
            for conv, bn in _TIMBRAL:
                front.append(self._bn(self._conv2d(padded, conv), bn, 1).amax(dim=3))
            for conv, bn in _TEMPORAL:
                k = self._t[f"{conv}/kernel"].shape[0]
                # TF "same" padding puts the odd extra frame after the input
                same = F.pad(x, (0, 0, (k - 1) // 2, k // 2))
                front.append(self._bn(self._conv2d(same, conv), bn, 1).amax(dim=3))
            h = torch.cat(front, dim=1)  # (B, 561, T)
            layers = [h]
            for i, (conv, bn) in enumerate(_MIDEND):
                kernel = self._t[f"{conv}/kernel"][:, :, 0, :].permute(2, 1, 0)  # (out, in, 7)
                y = self._bn(F.relu(F.conv1d(F.pad(h, (3, 3)), kernel, self._t[f"{conv}/bias"])), bn, 1)
                h = y if i == 0 else y + h
                layers.append(h)
            mid = torch.cat(layers, dim=1)  # (B, 753, T)
            max_pool, mean_pool = mid.amax(dim=2), mid.mean(dim=2)
            flat = torch.stack([max_pool, mean_pool], dim=2).flatten(1)  # TF's (753, 2) flattening
            flat = self._bn(flat, _BACKEND_BN, 1)
            dense = F.relu(flat @ self._t[f"{_DENSE}/kernel"] + self._t[f"{_DENSE}/bias"])
            penultimate = self._bn(dense, _DENSE_BN, 1)
            logits = penultimate @ self._t[f"{_OUTPUT}/kernel"] + self._t[f"{_OUTPUT}/bias"]
            return {
                "tags": torch.sigmoid(logits).numpy(),
                "penultimate": penultimate.numpy(),
                "pool": torch.cat([max_pool, mean_pool], dim=1).numpy(),
            }


class MusicnnExtractor(FeatureExtractor):
    """Pooled musicnn outputs of a clip's 3-s patches.

    ``threads`` (torch intra-op threads while extracting) and ``batch_size`` (patches per forward
    pass) only change speed, so they are not in :meth:`params`. On one thread single patches
    are fastest (measured: 40 ms a patch alone, 57 ms in batches of 8, 87 ms in batches of 30:
    the front-end's feature maps outgrow the CPU caches). ``checkpoint`` replaces the wheel's
    checkpoint prefix (tests, other weights).
    """

    def __init__(
        self,
        model: str = "MSD_musicnn",
        *,
        layer: str = "penultimate",
        pooling: str = "mean+std",
        threads: int = 1,
        batch_size: int = 1,
        checkpoint: str | None = None,
    ):
        if model not in MODELS:
            raise ConfigError(f"musicnn model {model!r}: known models are {', '.join(MODELS)}")
        check_choice("layer", layer, LAYERS)
        check_choice("pooling", pooling, POOLINGS)
        self.model = model
        self.layer = layer
        self.pooling = pooling
        self.threads = int(threads)
        self.batch_size = max(1, int(batch_size))
        self.checkpoint = checkpoint
        base = "musicnn-msd" if model == "MSD_musicnn" else "musicnn-mtt"
        self.name = base if layer == "penultimate" else f"{base}-{layer}"
        self._net: MusicnnNet | None = None

    @property
    def dim(self) -> int:
        d = LAYERS[self.layer]
        return 2 * d if self.pooling == "mean+std" else d

    def params(self) -> dict[str, Any]:
        p: dict[str, Any] = {"model": self.model, "layer": self.layer, "pooling": self.pooling}
        if self.checkpoint is not None:
            p["checkpoint"] = self.checkpoint
        return p

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_net"] = None
        return state

    def net(self) -> MusicnnNet:
        if self._net is None:
            prefix = self.checkpoint if self.checkpoint is not None else checkpoint_prefix(self.model)
            self._net = MusicnnNet.from_checkpoint(prefix)
        return self._net

    def patch_outputs(self, clips: Sequence[np.ndarray], sample_rate: int) -> list[dict[str, np.ndarray]]:
        """Every layer's per-patch output of each clip (``batch_size`` equal-length patches a pass)."""
        import torch

        net = self.net()
        mels = [log_mel(c, sample_rate) for c in clips]
        groups: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for i, m in enumerate(mels):
            n = min(len(m), PATCH_FRAMES)
            for s in patch_starts(len(m)):
                groups[n].append((i, s))
        rows: list[dict[str, list[np.ndarray]]] = [defaultdict(list) for _ in clips]
        old = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            for n, members in groups.items():
                for a in range(0, len(members), self.batch_size):
                    part = members[a : a + self.batch_size]
                    out = net.forward(np.stack([mels[i][s : s + n] for i, s in part]))
                    for j, (i, _) in enumerate(part):
                        for k, v in out.items():
                            rows[i][k].append(v[j])
        finally:
            torch.set_num_threads(old)
        return [{k: np.stack(v) for k, v in r.items()} for r in rows]

    def pool(self, h: np.ndarray) -> np.ndarray:
        """One vector from per-patch outputs (patches, d): their mean, or mean and std."""
        if self.pooling == "mean":
            return h.mean(axis=0).astype(np.float32)
        return np.concatenate([h.mean(axis=0), h.std(axis=0)]).astype(np.float32)

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        return self.batch([samples], sample_rate)[0]

    def batch(self, clips: Sequence[np.ndarray], sample_rate: int) -> list[np.ndarray]:
        return [self.pool(o[self.layer]) for o in self.patch_outputs(clips, sample_rate)]
