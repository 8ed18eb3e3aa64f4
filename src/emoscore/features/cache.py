"""On-disk feature cache keyed by file content hash + every setting that changes the features.

Entries are ``.npy`` files named by the sha256 of a canonical JSON key, written atomically
(temporary file + rename), so parallel workers and interrupted runs never leave a half entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def default_cache_root() -> Path:
    """``$EMOSCORE_CACHE`` or ``~/.cache/emoscore``."""
    env = os.environ.get("EMOSCORE_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "emoscore"


def file_digest(path: str | os.PathLike[str]) -> str:
    """sha256 of a file's bytes (content, not name or mtime, identifies a clip)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_key(**parts: Any) -> str:
    """Stable hash of JSON-serialisable parts.

    >>> cache_key(a=1, b=[2, 3]) == cache_key(b=[2, 3], a=1)
    True
    """
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class FeatureCache:
    """Feature arrays on disk under ``<root>/features/``."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root).expanduser() if root is not None else default_cache_root()
        self.dir = self.root / "features"

    def __repr__(self) -> str:
        return f"FeatureCache({str(self.root)!r})"

    def path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.npy"

    def get(self, key: str) -> np.ndarray | None:
        """The stored array, or None when absent or unreadable (a damaged entry is recomputed)."""
        p = self.path(key)
        try:
            return np.load(p, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None

    def put(self, key: str, value: np.ndarray) -> None:
        p = self.path(key)
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=p.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, np.asarray(value), allow_pickle=False)
            os.replace(tmp, p)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def __contains__(self, key: str) -> bool:
        return self.path(key).exists()

    def __len__(self) -> int:
        return sum(1 for _ in self.dir.glob("*/*.npy")) if self.dir.exists() else 0
