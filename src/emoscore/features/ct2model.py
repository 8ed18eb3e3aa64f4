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
    p = Path(path)
    if p.is_dir():
        p = p / "model.bin"
    if not p.is_file():
        raise ModelError(f"{p}: CTranslate2 model file is missing")
    variables: dict[str, np.ndarray] = {}
    dtypes: dict[str, int] = {}
    with open(p, "rb") as f:
        r = _Reader(f, p)
        version = r.uint("I")
        if version not in BINARY_VERSIONS:
            raise ModelError(
                f"{p}: CTranslate2 binary version {version} is not supported "
                f"(known: {', '.join(map(str, BINARY_VERSIONS))})"
            )
        spec = r.string()
        revision = r.uint("I")
        for _ in range(r.uint("I")):
            name = r.string()
            shape = tuple(r.uint("I") for _ in range(r.uint("B")))
            dtype_id = r.uint("B")
            nbytes = r.uint("I")
            if dtype_id not in _DTYPES:
                raise ModelError(f"{p}: variable {name!r} has unknown dtype id {dtype_id}")
            dtype = _DTYPES[dtype_id]
            if nbytes != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
                raise ModelError(f"{p}: variable {name!r} holds {nbytes} bytes, not {shape} × {dtype}")
            if select is not None and not select(name):
                f.seek(nbytes, 1)
                continue
            variables[name] = np.frombuffer(r.take(nbytes), dtype=dtype).reshape(shape)
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
    src, dst = Path(source), Path(target)
    if src.is_dir():
        src = src / "model.bin"
    if not src.is_file():
        raise ModelError(f"{src}: CTranslate2 model file is missing")

    def string(r: _Reader) -> bytes:
        n = r.uint("H")
        return struct.pack("<H", n) + r.take(n)

    kept: list[bytes] = []
    names: set[bytes] = set()
    with open(src, "rb") as f:
        r = _Reader(f, src)
        head = r.take(4)
        if struct.unpack("<I", head)[0] not in BINARY_VERSIONS:
            raise ModelError(f"{src}: CTranslate2 binary version is not supported")
        head += string(r) + r.take(4)
        layers = 0
        for _ in range(r.uint("I")):
            name = string(r)
            rank = r.take(1)
            shape = r.take(4 * rank[0])
            dtype = r.take(1)
            size = r.take(4)
            data = r.take(struct.unpack("<I", size)[0])
            match = _ENCODER_LAYER.match(name[2:-1].decode("utf-8", "replace"))
            if match:
                layers = max(layers, int(match.group(1)) + 1)
                if int(match.group(1)) >= depth:
                    continue
            kept.append(name + rank + shape + dtype + size + data)
            names.add(name[2:])
        aliases = [(string(r), string(r)) for _ in range(r.uint("I"))]
    if not 1 <= depth <= layers:
        raise ConfigError(f"encoder depth {depth}: the model has {layers} encoder layers")
    aliases = [(a, t) for a, t in aliases if t[2:] in names]
    with open(dst, "wb") as out:
        out.write(head + struct.pack("<I", len(kept)))
        for record in kept:
            out.write(record)
        out.write(struct.pack("<I", len(aliases)))
        for alias, name in aliases:
            out.write(alias + name)
    return dst
