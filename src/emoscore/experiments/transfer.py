"""Paper 003: speech → music transfer (SER→MER) against music → music (MER→MER) and the
label-prior random baseline (its table 5.1), per task (quadrant, and the binary valence and
arousal that tell which dimension transfers).

SER→MER trains on every source (speech) clip and tests on every target (music) clip; MER→MER
is grouped k-fold cross-validation on the target (artists/songs never straddle a fold); the
random baseline guesses with the training label distribution, so its expected WA is
Σ p_train(c)·p_test(c) and its expected UA is 1/K.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from emoscore.protocols.metrics import classification_report
from emoscore.protocols.splits import make_splits
from emoscore.vocabulary import Protocol

EstimatorFactory = Callable[[], Any]
COLUMNS = ("task", "setting", "train", "test", "n_train", "n_test", "wa", "ua", "chance_wa", "chance_ua")


def random_baseline(
    train_labels: Sequence[str] | np.ndarray, test_labels: Sequence[str] | np.ndarray
) -> tuple[float, float]:
    """Expected (WA, UA) of a classifier that guesses with the training label prior.

    >>> random_baseline(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    (0.5, 0.5)
    """
    train = pd.Series(list(train_labels)).value_counts(normalize=True)
    test = pd.Series(list(test_labels)).value_counts(normalize=True)
    wa = float(sum(train.get(c, 0.0) * p for c, p in test.items()))
    ua = float(np.mean([train.get(c, 0.0) for c in test.index]))
    return round(wa, 6), round(ua, 6)


def _score(
    y_true: Sequence[str] | np.ndarray, y_pred: Sequence[str] | np.ndarray, labels: Sequence[str]
) -> tuple[float, float]:
    r = classification_report(
        list(y_true), list(y_pred), labels=[lab for lab in labels if lab in set(y_true)]
    )
    return r.wa, r.ua


def transfer_rows(
    X_source: Any,
    y_source: Sequence[str],
    X_target: Any,
    y_target: Sequence[str],
    groups_target: Sequence[str],
    *,
    make_estimator: EstimatorFactory,
    task: str,
    source: str,
    target: str,
    folds: int = 5,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """The three rows of one task: SER→MER, MER→MER (grouped CV) and the random baseline."""
    ys, yt = np.asarray(y_source, dtype=str), np.asarray(y_target, dtype=str)
    labels = sorted(set(ys) | set(yt))
    rows = []
    est = make_estimator().fit(X_source, ys)
    wa, ua = _score(yt, est.predict(X_target), labels)
    bwa, bua = random_baseline(ys, yt)
    rows.append(
        dict(
            task=task,
            setting="SER→MER",
            train=source,
            test=target,
            n_train=len(ys),
            n_test=len(yt),
            wa=wa,
            ua=ua,
            chance_wa=bwa,
            chance_ua=bua,
        )
    )
    pred = np.empty(len(yt), dtype=object)
    n_train = 0
    for tr, te in make_splits(
        Protocol.GROUP_KFOLD,
        yt.tolist(),
        np.asarray(groups_target, dtype=str).tolist(),
        folds=folds,
        seed=seed,
    ):
        pred[te] = make_estimator().fit(X_target[tr], yt[tr]).predict(X_target[te])
        n_train += len(tr)
    wa, ua = _score(yt, pred.astype(str), labels)
    bwa, bua = random_baseline(yt, yt)
    rows.append(
        dict(
            task=task,
            setting="MER→MER",
            train=f"{target} ({folds}-fold, grouped)",
            test=target,
            n_train=n_train // folds,
            n_test=len(yt),
            wa=wa,
            ua=ua,
            chance_wa=bwa,
            chance_ua=bua,
        )
    )
    bwa, bua = random_baseline(ys, yt)
    rows.append(
        dict(
            task=task,
            setting="random (SER prior)",
            train=source,
            test=target,
            n_train=len(ys),
            n_test=len(yt),
            wa=bwa,
            ua=bua,
            chance_wa=bwa,
            chance_ua=bua,
        )
    )
    return rows


def transfer_table(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a table with the documented columns."""
    return pd.DataFrame(list(rows), columns=list(COLUMNS))


def run_transfer(
    source: Sequence[str],
    target: Sequence[str],
    *,
    tasks: Sequence[str] = ("quadrant", "arousal", "valence"),
    data_root: Any = None,
    folds: int = 5,
    n_jobs: int = 1,
    notify: Callable[[str], None] = lambda _m: None,
) -> pd.DataFrame:
    """Paper 003 on real corpora with the shipped quadrant recipe's features and classifier.

    Speech classes become quadrants / low-high through the taxonomy coordinates
    (:func:`emoscore.corpora.tasks.task_frame`); classes near the centre are left out.
    """
    from emoscore.corpora.tasks import load_task_corpora
    from emoscore.features import FeatureCache
    from emoscore.models.recipe import recipe_for
    from emoscore.models.training import build_estimator, compute_features, recipe_extractor

    cache = FeatureCache()
    rows: list[dict[str, Any]] = []
    for task in tasks:
        recipe = recipe_for(task)
        extractor = recipe_extractor(recipe)
        if task == "quadrant":  # speech classes become quadrants first, then the task keeps them
            from emoscore.corpora import load_corpora

            src = _speech_quadrants(load_corpora(list(source), data_root))
        else:
            src = load_task_corpora(list(source), task, data_root, cache_root=cache.root)
        tgt = load_task_corpora(list(target), task, data_root, cache_root=cache.root)
        notify(f"{task}: {len(src)} source and {len(tgt)} target clips, features {extractor.name}")
        ts = compute_features(src, extractor, recipe, cache=cache, n_jobs=n_jobs)
        tt = compute_features(tgt, extractor, recipe, cache=cache, n_jobs=n_jobs)
        rows += transfer_rows(
            ts.X,
            ts.frame["label"],
            tt.X,
            tt.frame["label"],
            tt.frame["speaker"],
            make_estimator=partial(build_estimator, recipe),
            task=task,
            source="+".join(source),
            target="+".join(target),
            folds=folds,
        )
    return transfer_table(rows)


def _speech_quadrants(frame: pd.DataFrame, margin: float = 0.1) -> pd.DataFrame:
    """Speech rows of a corpus table as quadrants via the taxonomy (music rows are kept)."""
    from emoscore.corpora.music import QUADRANTS, quadrant_of
    from emoscore.taxonomy import load_taxonomy

    vad = load_taxonomy().vad
    labels = []
    for lab in frame["label"].astype(str):
        if lab in QUADRANTS:
            labels.append(lab)
            continue
        v, a, _ = vad.get(lab, (0.5, 0.5, 0.5))
        near = abs(v - 0.5) <= margin or abs(a - 0.5) <= margin
        labels.append("" if near else quadrant_of(v - 0.5, a - 0.5))
    out = frame.assign(code=frame["label"], label=labels)
    return out[out["label"] != ""].reset_index(drop=True)
