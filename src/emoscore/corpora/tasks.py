"""Corpus tables relabelled for the music and sound tasks: quadrant (Q1..Q4), valence and
arousal (low/high), and the speech / music / other domain.

Speech clips join the valence and arousal tasks through the taxonomy's class coordinates
(SPEC §3): a class above 0.5 + ``margin`` is ``high``, below 0.5 − ``margin`` is ``low``, in
between (neutral valence, disgust arousal) is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emoscore.corpora.manifest import load_manifest
from emoscore.corpora.music import MUSIC_LOADERS, QUADRANT_SIGNS
from emoscore.corpora.registry import load_corpora, load_corpus
from emoscore.corpora.synthetic import MIX_CORPUS, OTHER_CORPUS, load_dialogue_over_music, load_other_sounds
from emoscore.errors import DataError
from emoscore.features.cache import default_cache_root
from emoscore.taxonomy import Taxonomy, load_taxonomy
from emoscore.vocabulary import QUADRANTS, TASK_LABELS, Task, parse_task

VA_MARGIN = 0.1


def _speech_level(label: str, dim: int, vad: Any, margin: float) -> str:
    coords = vad.get(label)
    if coords is None:
        return ""
    x = coords[dim]
    return "high" if x > 0.5 + margin else "low" if x < 0.5 - margin else ""


def task_frame(
    frame: pd.DataFrame, task: str, *, taxonomy: Taxonomy | None = None, margin: float = VA_MARGIN
) -> pd.DataFrame:
    """The rows of a corpus table usable for ``task``, relabelled; ``code`` keeps the old label.

    >>> f = pd.DataFrame({"path": ["a", "b", "c"], "label": ["Q2", "angry", "neutral"], "code": "",
    ...                   "speaker": ["m:1", "s:1", "s:2"], "corpus": ["mer-4q", "ravdess", "ravdess"]})
    >>> task_frame(f, "arousal")["label"].tolist(), task_frame(f, "valence")["label"].tolist()
    (['high', 'high', 'low'], ['low', 'low'])
    """
    task = parse_task(task, allow=TASK_LABELS)
    labels = frame["label"].astype(str)
    if task == Task.QUADRANT:
        out = labels.where(labels.isin(QUADRANTS), "")
    elif task == Task.DOMAIN:
        music = frame["corpus"].isin(MUSIC_LOADERS) | labels.isin(QUADRANTS)
        other = frame["corpus"] == OTHER_CORPUS
        out = pd.Series(np.where(other, "other", np.where(music, "music", "speech")), index=frame.index)
    else:
        dim = 0 if task == Task.VALENCE else 1
        vad = (taxonomy or load_taxonomy()).vad
        out = pd.Series(
            [
                lab
                if lab in ("low", "high")
                else ("high" if QUADRANT_SIGNS[lab][dim] > 0 else "low")
                if lab in QUADRANT_SIGNS
                else _speech_level(lab, dim, vad, margin)
                for lab in labels
            ],
            index=frame.index,
        )
    kept = frame.assign(code=labels, label=out)
    kept = kept[kept["label"] != ""].reset_index(drop=True)
    if kept.empty:
        raise DataError(f"no clips usable for task {task} (labels: {', '.join(sorted(set(labels)))})")
    return kept


def task_taxonomy(task: str) -> Taxonomy:
    """A taxonomy whose generic map accepts exactly the task's labels (for manifests)."""
    labels = TASK_LABELS[parse_task(task, allow=TASK_LABELS)]
    names = {lab: lab for lab in labels} | {lab.lower(): lab for lab in labels}
    return Taxonomy(vad={lab: (0.5, 0.5, 0.5) for lab in labels}, corpus_maps={"generic": names})


def load_task_manifest(csv_path: str | Path, task: str) -> pd.DataFrame:
    """A manifest CSV (``path,label[,speaker]``) whose labels are the task's (Q1..Q4, low/high);
    bad rows are named in ``attrs["bad_rows"]``."""
    result = load_manifest(csv_path, taxonomy=task_taxonomy(task))
    frame = result.frame
    frame.attrs["bad_rows"] = result.bad_rows
    return frame


def load_task_corpora(
    names: Sequence[str],
    task: str,
    data_root: str | Path | None = None,
    *,
    cache_root: str | Path | None = None,
) -> pd.DataFrame:
    """Named corpora (speech, music, the generated ones) relabelled for ``task``; generated clips
    are written once under ``cache_root`` (default: the feature cache's root)."""
    root = Path(cache_root) if cache_root is not None else default_cache_root()
    frames, bad = [], []
    for name in names:
        if name == OTHER_CORPUS:
            f = load_other_sounds(root)
        elif name == MIX_CORPUS:
            # English and German voices over 4Q songs
            speech, music = load_corpora(["ravdess", "emodb"], data_root), load_corpus("mer-4q", data_root)
            f = load_dialogue_over_music(root, speech, music)
        else:
            f = load_corpus(name, data_root)
        bad.extend(f.attrs.get("bad_rows", ()))
        f.attrs = {}
        frames.append(task_frame(f, task))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame.attrs["bad_rows"] = tuple(bad)
    return frame


def load_corpora_for(
    task: str,
    names: Sequence[str],
    data_root: str | Path | None = None,
    *,
    labels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The training/evaluation table of ``task``: speech emotion classes (only ``labels`` when
    given) or the corpora relabelled for a music/sound task; bad rows in ``attrs["bad_rows"]``."""
    if parse_task(task) == Task.EMOTION:
        return load_corpora(list(names), data_root, labels=labels)
    return load_task_corpora(names, task, data_root)


def load_source_for(
    task: str,
    *,
    corpus: str | None = None,
    manifest: str | Path | None = None,
    data_root: str | Path | None = None,
) -> pd.DataFrame:
    """One corpus or manifest as a table of ``task``'s labels (bad rows in ``attrs["bad_rows"]``)."""
    t = parse_task(task)
    if manifest is not None:
        return load_corpus(str(manifest), data_root) if t == Task.EMOTION else load_task_manifest(manifest, t)
    if corpus is None:
        raise DataError("give a corpus or a manifest")
    return load_corpus(corpus, data_root) if t == Task.EMOTION else load_task_corpora([corpus], t, data_root)
