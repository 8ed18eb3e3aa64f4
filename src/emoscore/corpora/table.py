"""The corpus table every loader returns, and the file walk they share.

A corpus is a :class:`pandas.DataFrame` with one row per clip and these columns:

``path``
    absolute path of the audio file (str)
``label``
    common taxonomy class (``emoscore.taxonomy``), e.g. ``"angry"``
``code``
    the corpus's own label code, e.g. ``"05"`` (RAVDESS) or ``"W"`` (EmoDB)
``speaker``
    ``"<corpus>:<speaker id>"``, so speakers of different corpora never collide
``corpus``
    corpus name (``"ravdess"``, a manifest's file stem, a folder's name)

followed by corpus-specific extras (RAVDESS ``gender``, ``intensity``, …).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pandas as pd

COLUMNS = ("path", "label", "code", "speaker", "corpus")

AUDIO_SUFFIXES = frozenset(
    {".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".aif", ".aiff", ".wma"}
)


def audio_files(root: Path) -> Iterator[Path]:
    """Audio files under ``root`` (recursive, sorted), skipping hidden and AppleDouble ``._`` files."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in AUDIO_SUFFIXES:
                yield Path(dirpath, name)


def make_frame(rows: Iterable[Mapping[str, object]], extras: Iterable[str] = ()) -> pd.DataFrame:
    """A corpus table with the documented columns first, then ``extras``, in a stable order."""
    columns = [*COLUMNS, *extras]
    frame = pd.DataFrame(list(rows), columns=columns)
    return frame.sort_values("path", kind="stable").reset_index(drop=True)
