"""Read a TensorFlow checkpoint (``PREFIX.index`` + ``PREFIX.data-00000-of-00001``) with numpy.

Pretrained weights that ship only as TF1 checkpoints (musicnn) can then be used without
TensorFlow at run time. The format is TensorFlow's *tensor bundle*: the ``.index`` file is a
LevelDB-style table (sorted keys, prefix-compressed blocks, a 48-byte footer) mapping each
variable name to a ``BundleEntryProto`` (dtype, shape, offset, size, CRC32C) that locates its
raw little-endian bytes in the data file. Every block and tensor checksum is verified, so a
truncated or damaged file is a one-line :class:`~emoscore.errors.ModelError` naming it, never
silently wrong weights.

>>> hex(crc32c(b"123456789"))  # the CRC-32C check value
'0xe3069283'
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emoscore.errors import ModelError

_MAGIC = 0xDB4775248B80FB57
_FOOTER = 48
_TRAILER = 5  # compression type byte + masked CRC32C of the block
#: TensorFlow DataType enum → numpy dtype (the ones a checkpoint of weights holds)
_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64, 10: np.bool_, 19: np.float16}
_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected


def _crc_table() -> np.ndarray:
    t = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        t = np.where(t & 1, (t >> 1) ^ np.uint32(_POLY), t >> 1).astype(np.uint32)
    return t


_TABLE = _crc_table()
_TABLE_LIST = [int(v) for v in _TABLE]


def _crc_bytes(reg: int, data: bytes) -> int:
    for b in data:
        reg = _TABLE_LIST[(reg ^ b) & 0xFF] ^ (reg >> 8)
    return reg


def _zero_shift_matrix(n_bytes: int) -> list[int]:
    """Columns of the GF(2) operator that feeds ``n_bytes`` zero bytes through the register."""
    cols = (np.uint32(1) << np.arange(32, dtype=np.uint32)).astype(np.uint32)
    for _ in range(n_bytes):
        cols = _TABLE[cols & 0xFF] ^ (cols >> 8)
    return [int(c) for c in cols]


def _apply(cols: list[int], v: int) -> int:
    out = 0
    i = 0
    while v:
        if v & 1:
            out ^= cols[i]
        v >>= 1
        i += 1
    return out


def crc32c(data: bytes, *, chunk: int = 4096) -> int:
    """CRC-32C of ``data``; large buffers are checked as parallel numpy lanes, then combined.

    The register is linear over GF(2), so the CRC of ``A || B`` is the CRC of ``A`` shifted
    over ``len(B)`` zero bytes, xor the zero-initialised CRC of ``B``.
    """
    n_lanes = len(data) // chunk
    if n_lanes < 8:
        return _crc_bytes(0xFFFFFFFF, data) ^ 0xFFFFFFFF
    body = np.frombuffer(data, dtype=np.uint8, count=n_lanes * chunk).reshape(n_lanes, chunk)
    reg = np.zeros(n_lanes, dtype=np.uint32)
    for i in range(chunk):
        reg = _TABLE[(reg ^ body[:, i]) & 0xFF] ^ (reg >> 8)
    shift = _zero_shift_matrix(chunk)
    total = _apply(shift, 0xFFFFFFFF)  # the initial register, moved over the first lane
    total ^= int(reg[0])
    for lane in reg[1:]:
        total = _apply(shift, total) ^ int(lane)
    total = _crc_bytes(total, data[n_lanes * chunk :])
    return total ^ 0xFFFFFFFF


def _mask(crc: int) -> int:
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The checksum as TensorFlow stores it (rotated and offset, so CRCs of CRCs stay strong)."""
    return _mask(crc32c(data))


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("varint runs past the end")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _proto_fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) of a protobuf message: ints for varints/fixed, bytes for the rest."""
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(buf):
        tag, pos = _varint(buf, pos)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            val, pos = _varint(buf, pos)
            out.append((field, val))
        elif wire == 1:
            out.append((field, struct.unpack_from("<Q", buf, pos)[0]))
            pos += 8
        elif wire == 5:
            out.append((field, struct.unpack_from("<I", buf, pos)[0]))
            pos += 4
        elif wire == 2:
            n, pos = _varint(buf, pos)
            out.append((field, bytes(buf[pos : pos + n])))
            pos += n
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    return out


@dataclass(frozen=True)
class TensorEntry:
    """Where one variable's bytes are in the data file."""

    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    offset: int
    size: int
    crc: int  # masked CRC32C of the bytes


def _entry(name: str, value: bytes) -> TensorEntry:
    dtype_code, offset, size, crc, shard = 1, 0, 0, 0, 0
    shape: tuple[int, ...] = ()
    for field, v in _proto_fields(value):
        if field == 1:
            dtype_code = int(v)  # type: ignore[arg-type]
        elif field == 2:
            dims = []
            for f2, dim in _proto_fields(v):  # type: ignore[arg-type]
                if f2 == 2:
                    size_fields = [int(x) for f3, x in _proto_fields(dim) if f3 == 1]  # type: ignore[arg-type]
                    dims.append(size_fields[0] if size_fields else 0)
            shape = tuple(dims)
        elif field == 3:
            shard = int(v)  # type: ignore[arg-type]
        elif field == 4:
            offset = int(v)  # type: ignore[arg-type]
        elif field == 5:
            size = int(v)  # type: ignore[arg-type]
        elif field == 6:
            crc = int(v)  # type: ignore[arg-type]
        elif field == 7:
            raise ValueError(f"{name}: partitioned (sliced) variables are not supported")
    if dtype_code not in _DTYPES:
        raise ValueError(f"{name}: unsupported TensorFlow dtype {dtype_code}")
    if shard != 0:
        raise ValueError(f"{name}: multi-shard checkpoints are not supported")
    return TensorEntry(name, np.dtype(_DTYPES[dtype_code]), shape, offset, size, crc)


def _block(raw: bytes, offset: int, size: int) -> bytes:
    end = offset + size + _TRAILER
    if offset < 0 or end > len(raw):
        raise ValueError(f"block at {offset} (+{size}) runs past the end of the file")
    contents = raw[offset : offset + size]
    kind = raw[offset + size]
    (stored,) = struct.unpack_from("<I", raw, offset + size + 1)
    if masked_crc32c(contents + bytes([kind])) != stored:
        raise ValueError(f"block at {offset}: checksum mismatch")
    if kind != 0:
        raise ValueError(f"block at {offset}: compressed blocks (type {kind}) are not supported")
    return contents


def _block_entries(block: bytes) -> list[tuple[bytes, bytes]]:
    (n_restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    limit = len(block) - 4 - 4 * n_restarts
    out: list[tuple[bytes, bytes]] = []
    key = b""
    pos = 0
    while pos < limit:
        shared, pos = _varint(block, pos)
        non_shared, pos = _varint(block, pos)
        n_value, pos = _varint(block, pos)
        key = key[:shared] + block[pos : pos + non_shared]
        pos += non_shared
        out.append((key, block[pos : pos + n_value]))
        pos += n_value
    return out


def read_index(prefix: str | Path) -> dict[str, TensorEntry]:
    """Every variable of a checkpoint by name (from ``PREFIX.index``)."""
    path = Path(f"{prefix}.index")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path}: checkpoint index cannot be read ({exc.strerror or exc})") from None
    try:
        if len(raw) < _FOOTER or struct.unpack_from("<Q", raw, len(raw) - 8)[0] != _MAGIC:
            raise ValueError("not a TensorFlow table (bad footer)")
        footer = raw[len(raw) - _FOOTER :]
        pos = 0
        _, pos = _varint(footer, pos)  # metaindex offset (unused)
        _, pos = _varint(footer, pos)
        index_offset, pos = _varint(footer, pos)
        index_size, pos = _varint(footer, pos)
        entries: dict[str, TensorEntry] = {}
        for _, handle in _block_entries(_block(raw, index_offset, index_size)):
            off, p = _varint(handle, 0)
            size, _ = _varint(handle, p)
            for key, value in _block_entries(_block(raw, off, size)):
                if key:  # the empty key is the bundle header
                    name = key.decode("utf-8")
                    entries[name] = _entry(name, value)
    except (ValueError, struct.error, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: corrupt TensorFlow checkpoint index ({exc})") from None
    if not entries:
        raise ModelError(f"{path}: TensorFlow checkpoint index holds no variables")
    return entries


def read_checkpoint(prefix: str | Path, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """The named variables (default: all) as numpy arrays, each checked against its CRC32C.

    Raises :class:`ModelError` naming the file when a file is missing, truncated or damaged,
    or a requested variable is absent.
    """
    index = read_index(prefix)
    wanted = list(index) if names is None else list(names)
    missing = [n for n in wanted if n not in index]
    if missing:
        raise ModelError(f"{prefix}.index: checkpoint has no variable {missing[0]!r}")
    data_path = Path(f"{prefix}.data-00000-of-00001")
    try:
        raw = data_path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{data_path}: checkpoint data cannot be read ({exc.strerror or exc})") from None
    out: dict[str, np.ndarray] = {}
    for name in wanted:
        e = index[name]
        n_expected = int(np.prod(e.shape, dtype=np.int64)) * e.dtype.itemsize
        if e.size != n_expected or e.offset + e.size > len(raw):
            raise ModelError(f"{data_path}: variable {name!r} is truncated or malformed (file too short?)")
        chunk = raw[e.offset : e.offset + e.size]
        if masked_crc32c(chunk) != e.crc:
            raise ModelError(f"{data_path}: variable {name!r} fails its checksum (corrupt file)")
        out[name] = np.frombuffer(chunk, dtype=e.dtype.newbyteorder("<")).reshape(e.shape).copy()
    return out
