"""Write-then-rename, so a failed or interrupted run never leaves a half-written output
that looks complete (SPEC §7)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from emoscore.errors import ConfigError


@contextlib.contextmanager
def atomic_output(dest: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest`` (same suffix); rename it to ``dest`` on success.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_output(d / "x.txt") as tmp:
    ...     _ = tmp.write_text("done")
    >>> (d / "x.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('done', ['x.txt'])
    """
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{dest.stem}.", suffix=f".part{dest.suffix}", dir=dest.parent)
    except OSError as exc:
        raise ConfigError(f"{dest}: cannot write output ({exc.strerror})") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_folder(dest: str | Path, *, complete: Callable[[Path], bool]) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``dest``; on success it replaces ``dest`` (a stale or
    partial ``dest`` is removed first). Another process may win the race to build the same folder:
    its copy is kept when ``complete(dest)`` says it is whole.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_folder(d / "model", complete=lambda p: (p / "w.bin").is_file()) as tmp:
    ...     _ = (tmp / "w.bin").write_bytes(b"weights")
    >>> sorted(p.name for p in d.iterdir()), (d / "model" / "w.bin").read_bytes()
    (['model'], b'weights')
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}-"))
    try:
        yield tmp
        if dest.exists():
            shutil.rmtree(dest, ignore_errors=True)
        try:
            os.rename(tmp, dest)
        except OSError:
            if not complete(dest):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    """The process umask, read without changing it where Linux allows (thread-safe)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_figure(fig: Any, dest: str | Path, *, dpi: int = 120) -> Path:
    """Save a matplotlib figure atomically (format from the suffix, PNG by default) and close it."""
    import matplotlib.pyplot as plt

    dest = Path(dest)
    with atomic_output(dest) as tmp:
        fig.savefig(tmp, format=dest.suffix.lstrip(".") or "png", dpi=dpi)
    plt.close(fig)
    return dest
