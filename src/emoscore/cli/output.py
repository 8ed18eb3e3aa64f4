"""Small helpers the commands share: atomic file writes, tables, JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emoscore.atomic import atomic_output


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
