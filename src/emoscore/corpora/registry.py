"""Load a corpus by name, manifest or folder, and summarise it.

Names are the corpora of ``data/corpora.toml`` (ravdess, emodb, emovo, spanish-students, cremad,
tess, savee and the music corpora), found under a data root; anything else is a manifest ``.csv``
or a folder-per-label directory.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from emoscore.corpora.catalog import CorpusInfo, corpus_catalog
from emoscore.corpora.layouts import LOADERS, load_label_folders
from emoscore.corpora.manifest import load_manifest, load_manifest_corpus
from emoscore.corpora.music import MUSIC_LOADERS
from emoscore.errors import AudioError, DataError
from emoscore.taxonomy import load_taxonomy

ENV_DATA_ROOT = "EMOSCORE_DATA"
DEFAULT_DATA_ROOT = Path("..", "shared", "data")


def default_data_root() -> Path:
    """``$EMOSCORE_DATA`` if set, else ``../shared/data`` relative to the working directory."""
    env = os.environ.get(ENV_DATA_ROOT)
    if env:
        root = Path(env)
        if not root.is_dir():
            raise DataError(f"{root}: data root from ${ENV_DATA_ROOT} is not a folder")
        return root
    if DEFAULT_DATA_ROOT.is_dir():
        return DEFAULT_DATA_ROOT
    raise DataError(
        f"no data root: {DEFAULT_DATA_ROOT} not found; pass --data-root DIR or set ${ENV_DATA_ROOT}"
    )


def _data_root(data_root: str | Path | None) -> Path:
    if data_root is None:
        return default_data_root()
    root = Path(data_root)
    if not root.is_dir():
        raise DataError(f"{root}: data root not found")
    return root


def resolve_name(name: str) -> CorpusInfo | None:
    """The catalogue entry for a corpus name or alias (case-insensitive), else None."""
    key = name.strip().lower()
    for info in corpus_catalog().values():
        if key == info.name or key in (a.lower() for a in info.aliases):
            return info
    return None


def find_corpus_folder(info: CorpusInfo, data_root: str | Path | None = None) -> Path | None:
    """The corpus's folder under the data root (first of its known folder names), or None."""
    root = _data_root(data_root)
    for folder in info.folders:
        if (root / folder).is_dir():
            return root / folder
    return None


def load_corpus(
    name: str | Path, data_root: str | Path | None = None, *, labels: Sequence[str] | None = None
) -> pd.DataFrame:
    """One corpus as a table (columns: see :mod:`emoscore.corpora.table`).

    ``name`` is a catalogue name, a manifest ``.csv`` or a folder-per-label directory.
    ``labels`` keeps only rows with those common classes (e.g. the 8 RAVDESS classes drop
    EmoDB boredom). A manifest's bad-row messages are in ``frame.attrs["bad_rows"]``.
    """
    info = resolve_name(str(name))
    bad_rows: tuple[str, ...] = ()
    if info is not None:
        folder = find_corpus_folder(info, data_root)
        if folder is None:
            root = _data_root(data_root)
            raise DataError(f"{root / info.folder}: {info.name} not found; to get it, {info.obtain}")
        if info.manifest is not None:
            frame = load_manifest_corpus(folder, info.name, manifest=info.manifest)
        else:
            frame = {**LOADERS, **MUSIC_LOADERS}[info.name](folder)
        bad_rows = tuple(frame.attrs.get("bad_rows", ()))  # e.g. MIDI files that could not be rendered
    else:
        path = Path(name)
        if path.suffix.lower() == ".csv" or path.is_file():
            result = load_manifest(path)
            frame, bad_rows = result.frame, result.bad_rows
        elif path.is_dir():
            frame = load_label_folders(path)
        else:
            known = ", ".join(sorted(corpus_catalog()))
            raise DataError(f"{name}: unknown corpus (known: {known}; or a manifest .csv or a label folder)")
    if labels is not None:
        frame = _keep_labels(frame, labels, str(name))
    frame.attrs["bad_rows"] = bad_rows
    return frame


def _keep_labels(frame: pd.DataFrame, labels: Sequence[str], source: str) -> pd.DataFrame:
    wanted = [labels] if isinstance(labels, str) else list(labels)
    unknown = sorted(set(wanted) - set(load_taxonomy().emotions))
    if unknown:
        raise DataError(f"{source}: unknown label(s) {', '.join(map(repr, unknown))} in the label filter")
    kept = frame[frame["label"].isin(wanted)].reset_index(drop=True)
    if kept.empty:
        raise DataError(f"{source}: no clips with label(s) {', '.join(wanted)}")
    return kept


def load_corpora(
    names: str | Sequence[str | Path],
    data_root: str | Path | None = None,
    *,
    labels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Several corpora in one table; ``names`` may be comma separated (``"ravdess,emodb"``).

    Extra columns one corpus lacks are NaN/None for its rows.
    """
    items = [n.strip() for n in names.split(",") if n.strip()] if isinstance(names, str) else list(names)
    if not items:
        raise DataError("no corpus named")
    unique = list(dict.fromkeys(str(n) for n in items))
    if len(unique) < len(items):  # read twice, every clip would count twice
        again = [n for n in unique if [str(i) for i in items].count(n) > 1]
        warnings.warn(f"{', '.join(again)}: corpus named more than once; read once", stacklevel=2)
        items = list(unique)
    frames = [load_corpus(n, data_root, labels=labels) for n in items]
    bad = tuple(msg for f in frames for msg in f.attrs.get("bad_rows", ()))
    for f in frames:
        f.attrs = {}
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    frame.attrs["bad_rows"] = bad
    return frame


def describe_corpus(frame: pd.DataFrame, *, durations: bool = True) -> dict[str, Any]:
    """Counts (clips, speakers, per label, per corpus), total duration and each corpus's licence.

    Durations come from file headers (no decoding); files whose header cannot be read are
    counted in ``unreadable``. ``durations=False`` skips the headers entirely.
    """
    catalog = corpus_catalog()
    corpora = list(dict.fromkeys(frame["corpus"]))
    out: dict[str, Any] = {
        "corpora": corpora,
        "clips": int(len(frame)),
        "speakers": int(frame["speaker"].nunique()),
        "labels": {str(k): int(v) for k, v in frame["label"].value_counts().items()},
        "clips_per_corpus": {str(k): int(v) for k, v in frame["corpus"].value_counts(sort=False).items()},
        "licences": {c: catalog[c].licence if c in catalog else "see the data's own terms" for c in corpora},
    }
    if durations:
        from emoscore.audio import probe_audio

        total, unreadable = 0.0, 0
        for path in frame["path"]:
            try:
                seconds = probe_audio(path).duration
            except AudioError:
                seconds = None
            if seconds is None:
                unreadable += 1
            else:
                total += seconds
        out["duration_s"] = round(total, 3)
        out["unreadable"] = unreadable
    if frame.attrs.get("bad_rows"):
        out["bad_rows"] = list(frame.attrs["bad_rows"])
    return out
