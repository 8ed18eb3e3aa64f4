"""Uploaded files: stored once under their content hash, never under the client's name."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


class UploadTooLarge(Exception):
    """The upload exceeds the configured maximum size."""


@dataclass(frozen=True)
class StoredUpload:
    sha256: str
    size: int
    path: Path


def display_name(raw: str | None, *, limit: int = 120) -> str:
    """The client's file name for display only: last path part, no control characters.

    >>> display_name("../../etc/passwd"), display_name("C:\\\\clips\\\\scene 1.wav"), display_name(None)
    ('passwd', 'scene 1.wav', 'upload')
    """
    name = re.split(r"[\\/]", raw or "")[-1]
    name = _UNSAFE.sub("", name).strip().lstrip(".") or "upload"
    return name[:limit]


def upload_path(uploads_dir: Path, sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return uploads_dir / sha256[:2] / sha256


def store_upload(src: BinaryIO, uploads_dir: Path, *, max_bytes: int) -> StoredUpload:
    """Copy ``src`` to ``uploads_dir/<h[:2]>/<sha256>`` while hashing it; identical content is
    stored once. Raises :class:`UploadTooLarge` past ``max_bytes`` (nothing is kept)."""
    uploads_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=uploads_dir, prefix=".upload.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(size)
                digest.update(chunk)
                out.write(chunk)
        dest = upload_path(uploads_dir, digest.hexdigest())
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return StoredUpload(digest.hexdigest(), size, dest)
