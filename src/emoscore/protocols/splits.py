"""Train/test splits that keep a speaker's (or artist's, song's) clips on one side.

``speaker-kfold`` and ``group-kfold`` are stratified group k-fold (all clips of a group in one
fold, label proportions kept as far as groups allow); ``loso`` leaves one speaker out per fold;
``random`` is stratified k-fold that ignores speakers and is therefore *leaky*: reported, never
claimed as speaker-independent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import LeaveOneGroupOut, StratifiedGroupKFold, StratifiedKFold

from emoscore.errors import ConfigError, DataError
from emoscore.vocabulary import LEAKY_PROTOCOLS, SPLIT_PROTOCOLS, Protocol, Task
from emoscore.vocabulary import PROTOCOLS as PROTOCOLS  # re-exported: every --protocol name

LEAKY = LEAKY_PROTOCOLS


def protocol_for_task(task: str, protocol: str) -> str:
    """The name a protocol is reported under: music and sound tasks fold by artist, song or
    group, so their speaker k-fold is called group k-fold (the same splitter).

    >>> protocol_for_task("quadrant", "speaker-kfold"), protocol_for_task("emotion", "speaker-kfold")
    ('group-kfold', 'speaker-kfold')
    """
    if task != Task.EMOTION and protocol == Protocol.SPEAKER_KFOLD:
        return Protocol.GROUP_KFOLD.value
    return str(protocol)


def make_splits(
    protocol: str,
    labels: Sequence[str],
    groups: Sequence[str],
    *,
    folds: int = 5,
    seed: int = 0,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train indices, test indices) per fold.

    >>> y = ["a", "b"] * 6
    >>> g = [f"s{i // 2}" for i in range(12)]
    >>> splits = make_splits("speaker-kfold", y, g, folds=3)
    >>> all(not set(np.take(g, tr)) & set(np.take(g, te)) for tr, te in splits)
    True
    """
    y = np.asarray(labels)
    grp = np.asarray(groups)
    idx = np.zeros(len(y))
    if protocol == Protocol.LOCO:
        raise ConfigError("loco holds out whole corpora, not folds of one: use evaluate --protocol loco")
    if protocol not in SPLIT_PROTOCOLS:
        raise ConfigError(f"unknown protocol {protocol!r}; choose one of {', '.join(SPLIT_PROTOCOLS)}")
    n_groups = len(set(grp.tolist()))
    if protocol in (Protocol.SPEAKER_KFOLD, Protocol.GROUP_KFOLD):
        if n_groups < folds:
            raise DataError(f"{protocol} needs at least {folds} speakers/groups, found {n_groups}")
        cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        return [(tr, te) for tr, te in cv.split(idx, y, grp)]
    if protocol == Protocol.LOSO:
        if n_groups < 2:
            raise DataError(f"loso needs at least 2 speakers, found {n_groups}")
        return [(tr, te) for tr, te in LeaveOneGroupOut().split(idx, y, grp)]
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(tr, te) for tr, te in cv.split(idx, y)]
