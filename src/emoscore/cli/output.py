"""Small helpers the commands share: atomic file writes, tables, JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emoscore.atomic import atomic_output
from emoscore.errors import ConfigError

PLOT_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg")


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write via a temporary file and rename, so readers never see a half-written file."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(data.encode() if isinstance(data, str) else data)
    return Path(path)


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(h) for h in header]] + [[_fmt(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [
        "  ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def _fmt(v: Any) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def _numeric(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def progress_bar(total: float, desc: str, unit: str = "s") -> Any:
    """A tqdm bar on an interactive stderr, otherwise None."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=round(total, 1), desc=desc, unit=unit, leave=False)


def check_plot_path(path: Path | None, option: str = "--plot") -> None:
    """Refuse a plot path matplotlib cannot write, before any work."""
    if path is not None and path.suffix.lower() not in PLOT_SUFFIXES:
        raise ConfigError(f"{option} {path}: a plot is written as {', '.join(PLOT_SUFFIXES)}")
    if path is not None:
        check_writable(path, option)


def check_writable(path: Path | None, option: str, *, folder: bool = False) -> None:
    """Refuse an output path that cannot be written (a file where a folder is needed, a folder
    that cannot be created or written), before the work whose result would be lost."""
    import os

    if path is None:
        return
    if not folder and path.is_dir():
        raise ConfigError(f"{option} {path}: is a folder; a file name is needed")
    if folder and path.exists() and not path.is_dir():
        raise ConfigError(f"{option} {path}: is a file; a folder is needed")
    probe = path if folder else path.parent
    probe = probe.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(f"{option} {path}: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"{option} {path}: cannot write in {probe} (permission denied)")
