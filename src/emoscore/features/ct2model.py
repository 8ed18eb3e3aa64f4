"""Read the weights of a CTranslate2 model file (``model.bin``) with numpy.

CTranslate2 runs its models as a black box (its Whisper encoder returns only the last layer), so
a model that must be taken apart, e.g. to read the intermediate encoder layers, is re-built from
these arrays. The format, as ``ctranslate2.specs.model_spec.ModelSpec._serialize`` writes it
(binary version 6, all integers little-endian):

- ``uint32`` binary version, string spec name, ``uint32`` spec revision, ``uint32`` variable count;
- per variable: string name, ``uint8`` rank, ``uint32`` × rank shape, ``uint8`` dtype id
  (0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16), ``uint32`` byte count, raw bytes;
- ``uint32`` alias count, then pairs of strings (alias, name of the variable it stands for).

A string is a ``uint16`` length (counting a terminating NUL), the UTF-8 bytes and the NUL.
A truncated or foreign file is a one-line :class:`~emoscore.errors.ModelError` naming it.
"""

from __future__ import annotations

import operator
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import BinaryIO

import numpy as np

from emoscore.errors import ConfigError, ModelError

#: the binary versions whose layout is the one above (what ctranslate2 3.x and 4.x write)
BINARY_VERSIONS = (5, 6)
_DTYPES: dict[int, np.dtype] = {
    0: np.dtype("<f4"),
    1: np.dtype("i1"),
    2: np.dtype("<i2"),
    3: np.dtype("<i4"),
    4: np.dtype("<f2"),
    5: np.dtype("<u2"),  # bfloat16: the raw upper halves of float32, see _to_float32
}
_BFLOAT16 = 5


@dataclass(frozen=True)
class Ct2Model:
    """The variables of a CTranslate2 model file (aliases resolved to the arrays they name)."""

    path: Path
    binary_version: int
    spec: str
    revision: int
    variables: dict[str, np.ndarray] = field(repr=False)
    #: variable name → dtype id as stored (``variables`` holds float types as stored, bfloat16 as uint16)
    dtypes: dict[str, int] = field(repr=False)

    def float32(self, name: str) -> np.ndarray:
        """One variable as float32 (float16/bfloat16 widened); a missing name is a ModelError."""
        if name not in self.variables:
            raise ModelError(f"{self.path}: CTranslate2 model has no variable {name!r}")
        a = self.variables[name]
        if self.dtypes[name] == _BFLOAT16:
            return (a.astype(np.uint32) << 16).view(np.float32)
        return a.astype(np.float32)


class _Reader:
    def __init__(self, f: BinaryIO, path: Path):
        self.f = f
        self.path = path

    def take(self, n: int) -> bytes:
        b = self.f.read(n)
        if len(b) != n:
            raise ModelError(f"{self.path}: truncated CTranslate2 model file")
        return b

    def uint(self, fmt: str) -> int:
        return int(struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0])

    def string(self) -> str:
        n = self.uint("H")
        raw = self.take(n)
        if n == 0 or raw[-1] != 0:
            raise ModelError(f"{self.path}: malformed string in CTranslate2 model file")
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError:
            raise ModelError(f"{self.path}: malformed string in CTranslate2 model file") from None


def read_ct2_model(path: str | Path, *, select: Callable[[str], bool] | None = None) -> Ct2Model:
    """Variables of ``path`` (a ``model.bin`` or the folder holding it); ``select(name)`` keeps only
    some (the others are skipped without being read), e.g. ``lambda n: n.startswith("encoder/")``.
    """
    p = _model_file(path)
    variables: dict[str, np.ndarray] = {}
    dtypes: dict[str, int] = {}
    with open(p, "rb") as f:
        r = _Reader(f, p)
        version, spec, revision = _header(r)
        for _ in range(r.uint("I")):
            name, shape, dtype_id, nbytes = _variable_head(r)
            if select is not None and not select(name):
                f.seek(nbytes, 1)
                continue
            variables[name] = np.frombuffer(r.take(nbytes), dtype=_DTYPES[dtype_id]).reshape(shape)
            dtypes[name] = dtype_id
        aliases = [(r.string(), r.string()) for _ in range(r.uint("I"))]
    for alias, target in aliases:
        if select is not None and not select(alias):
            continue
        if target not in variables:  # the variable it stands for was skipped: read it after all
            extra = read_ct2_model(p, select=partial(operator.eq, target))
            if target not in extra.variables:
                raise ModelError(f"{p}: alias {alias!r} names a missing variable {target!r}")
            variables[target], dtypes[target] = extra.variables[target], extra.dtypes[target]
        variables[alias], dtypes[alias] = variables[target], dtypes[target]
    return Ct2Model(p, version, spec, revision, variables, dtypes)


_ENCODER_LAYER = re.compile(r"^encoder/layer_(\d+)/")


def write_shallow_encoder(source: str | Path, target: str | Path, depth: int) -> Path:
    """Copy the CTranslate2 Whisper ``model.bin`` at ``source`` to ``target`` keeping only encoder
    layers ``0 … depth-1`` (every other variable, the decoder included, byte for byte).

    CTranslate2 finds a model's layers by name, so the copy is a ``depth``-layer encoder whose output
    is the middle of the original one after its final LayerNorm, at the original's int8 speed (the
    middle layers carry more of how something is said; ``features/whisper.py``). Aliases of dropped
    variables are dropped too. A truncated or foreign file is a one-line ModelError.
    """
    src, dst = _model_file(source), Path(target)
    kept: set[str] = set()
    layers = 0
    with open(src, "rb") as f, open(dst, "wb") as out:
        r = _Reader(f, src)
        version, spec, revision = _header(r)
        out.write(struct.pack("<I", version) + _pack_string(spec) + struct.pack("<I", revision))
        count_at = out.tell()
        out.write(struct.pack("<I", 0))  # the variable count, written once it is known
        for _ in range(r.uint("I")):
            name, shape, dtype_id, nbytes = _variable_head(r)
            match = _ENCODER_LAYER.match(name)
            layer = int(match.group(1)) if match else None
            layers = max(layers, layer + 1) if layer is not None else layers
            if layer is not None and layer >= depth:
                f.seek(nbytes, 1)
                continue
            out.write(_pack_string(name) + struct.pack("<B", len(shape)))
            out.write(b"".join(struct.pack("<I", d) for d in shape) + struct.pack("<BI", dtype_id, nbytes))
            out.write(r.take(nbytes))
            kept.add(name)
        aliases = [(a, t) for a, t in ((r.string(), r.string()) for _ in range(r.uint("I"))) if t in kept]
        out.write(struct.pack("<I", len(aliases)))
        out.write(b"".join(_pack_string(a) + _pack_string(t) for a, t in aliases))
        out.seek(count_at)
        out.write(struct.pack("<I", len(kept)))
    if not 1 <= depth <= layers:
        dst.unlink()
        raise ConfigError(f"encoder depth {depth}: the model has {layers} encoder layers")
    return dst


def _model_file(path: str | Path) -> Path:
    """``path`` or the ``model.bin`` in it; a missing file is a one-line ModelError."""
    p = Path(path)
    if p.is_dir():
        p = p / "model.bin"
    if not p.is_file():
        raise ModelError(f"{p}: CTranslate2 model file is missing")
    return p


def _header(r: _Reader) -> tuple[int, str, int]:
    """Binary version (checked), spec name and spec revision."""
    version = r.uint("I")
    if version not in BINARY_VERSIONS:
        raise ModelError(
            f"{r.path}: CTranslate2 binary version {version} is not supported "
            f"(known: {', '.join(map(str, BINARY_VERSIONS))})"
        )
    return version, r.string(), r.uint("I")


def _variable_head(r: _Reader) -> tuple[str, tuple[int, ...], int, int]:
    """A variable's name, shape, dtype id and byte count (checked against each other); its bytes follow."""
    name = r.string()
    shape = tuple(r.uint("I") for _ in range(r.uint("B")))
    dtype_id = r.uint("B")
    nbytes = r.uint("I")
    if dtype_id not in _DTYPES:
        raise ModelError(f"{r.path}: variable {name!r} has unknown dtype id {dtype_id}")
    dtype = _DTYPES[dtype_id]
    if nbytes != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
        raise ModelError(f"{r.path}: variable {name!r} holds {nbytes} bytes, not {shape} × {dtype}")
    return name, shape, dtype_id, nbytes


def _pack_string(s: str) -> bytes:
    raw = s.encode("utf-8") + b"\0"
    return struct.pack("<H", len(raw)) + raw
