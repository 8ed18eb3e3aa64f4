"""Speech + words, evaluated honestly: held-out audio probabilities, clip transcripts, fusion.

:func:`held_out_audio` scores every clip of a corpus with an audio model trained without its
speaker (the recipe's folds; the recipe's other corpora always in training). The fusion of a
multimodal bundle is fitted on such probabilities and MELD dev words (:func:`fit_fusion`), and
:func:`cross_validate_multimodal` scores the whole system on unseen speakers: in each fold the
fusion is refitted without that fold's clips. Clips are transcribed once and cached
(:func:`clip_words`), for ``evaluate --manifest`` too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from emoscore.corpora.meld_text import load_meld_text
from emoscore.corpora.registry import default_data_root
from emoscore.errors import DataError
from emoscore.features.asr import Transcriber, clip_file_words
from emoscore.models.bundle import ModelBundle
from emoscore.models.multimodal import LateFusion, fused_model
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.text import TextEmotionModel
from emoscore.models.training import FeatureTable, fit_normalized, recipe_labels, take
from emoscore.protocols.evaluation import EvaluationResult, held_out_groups
from emoscore.protocols.metrics import classification_report
from emoscore.protocols.splits import make_splits
from emoscore.vocabulary import Protocol

#: the share of the fusion's training weight on MELD dev words (the rest: held-out speech clips)
MELD_SHARE = 0.5


def clip_words(
    paths: Sequence[str],
    transcriber: Transcriber | None = None,
    *,
    notify: Callable[[str], None] = lambda _m: None,
) -> list[str]:
    """The English words of each clip (translated where Whisper hears another language), ``""``
    where none are heard; transcripts are cached by content, so a second run reads them."""
    transcriber = transcriber or Transcriber()
    out: list[str] = []
    step = 100
    for a in range(0, len(paths), step):
        out += clip_file_words(list(paths[a : a + step]), transcriber, translate=True)
        if len(paths) > step:
            notify(f"transcribed {min(a + step, len(paths))}/{len(paths)} clips")
    return out


@dataclass(frozen=True)
class HeldOutAudio:
    """Audio probabilities (columns ``classes``) of the test corpus's rows ``index``, each from a
    model trained without that row's fold; ``fold`` per row."""

    index: np.ndarray
    proba: np.ndarray
    classes: tuple[str, ...]
    fold: np.ndarray


def held_out_audio(
    recipe: TrainingRecipe,
    table: FeatureTable,
    *,
    test_corpus: str,
    protocol: str = Protocol.SPEAKER_KFOLD,
    folds: int = 5,
    seed: int = 0,
) -> HeldOutAudio:
    """Out-of-fold audio probabilities of ``test_corpus`` (the splits of :func:`~emoscore.protocols.
    evaluation.cross_validate`)."""
    frame = table.frame
    is_test = (frame["corpus"] == test_corpus).to_numpy()
    if not is_test.any():
        raise DataError(f"corpus {test_corpus!r} has no clips in the evaluation table")
    test_idx, other_idx = np.flatnonzero(is_test), np.flatnonzero(~is_test)
    labels = frame["label"].astype(str).to_numpy()
    speakers = frame["speaker"].astype(str).to_numpy()
    classes = tuple(recipe_labels(recipe, labels.tolist()))
    proba = np.zeros((len(test_idx), len(classes)))
    fold = np.full(len(test_idx), -1)
    for k, (tr, te) in enumerate(
        make_splits(protocol, labels[test_idx], speakers[test_idx], folds=folds, seed=seed)
    ):
        train = np.concatenate([test_idx[tr], other_idx])
        est, normalizer = fit_normalized(recipe, take(table.X, train), frame.iloc[train])
        X = take(table.X, test_idx[te])
        if normalizer is not None:
            X = normalizer.transform(X, held_out_groups(frame.iloc[test_idx[te]]))
        p = np.asarray(est.predict_proba(X))
        cols = [list(est.classes_).index(c) if c in est.classes_ else -1 for c in classes]
        proba[te] = np.where(np.asarray(cols) >= 0, p[:, np.maximum(cols, 0)], 0.0)
        fold[te] = k
    return HeldOutAudio(test_idx, proba, classes, fold)


@dataclass(frozen=True)
class TextRows:
    """Words-only training rows for the fusion (MELD dev): text evidence and labels."""

    evidence: np.ndarray
    labels: np.ndarray


def meld_dev_rows(text: TextEmotionModel, data_root: str | Path | None = None) -> TextRows:
    """MELD dev utterances as words-only fusion rows."""
    dev = load_meld_text(Path(data_root or default_data_root()) / "meld-text", "dev")
    return TextRows(text.evidence(dev["text"].tolist()), dev["label"].to_numpy())


def fit_fusion(
    classes: Sequence[str],
    text: TextEmotionModel,
    audio_proba: np.ndarray,
    audio_words: Sequence[str],
    audio_labels: Sequence[str],
    words_only: TextRows,
    *,
    meld_share: float = MELD_SHARE,
) -> LateFusion:
    """Late-fusion weights from held-out speech clips (audio probabilities + their words) and
    words-only rows, each source carrying its share of the weight."""
    ev_audio = text.evidence(list(audio_words))
    keep = np.isin(words_only.labels, list(classes))
    ev = np.vstack([ev_audio, words_only.evidence[keep]])
    y = np.concatenate([np.asarray(audio_labels, dtype=object), words_only.labels[keep]])
    n_a, n_t = len(ev_audio), int(keep.sum())
    has = np.r_[np.ones(n_a, bool), np.zeros(n_t, bool)]
    weight = np.r_[np.full(n_a, (1 - meld_share) / max(n_a, 1)), np.full(n_t, meld_share / max(n_t, 1))]
    audio = np.vstack([audio_proba, np.full((n_t, len(classes)), 1.0 / len(classes))])
    return LateFusion(tuple(classes), tuple(text.labels)).fit(
        audio, ev, y, has_audio=has, sample_weight=weight
    )


def cross_validate_multimodal(
    bundle: ModelBundle,
    recipe: TrainingRecipe,
    table: FeatureTable,
    words: Sequence[str],
    words_only: TextRows,
    *,
    test_corpus: str,
    protocol: str = Protocol.SPEAKER_KFOLD,
    folds: int = 5,
    seed: int = 0,
    notify: Callable[[str], None] = lambda _m: None,
    held: HeldOutAudio | None = None,
) -> EvaluationResult:
    """The multimodal system on unseen speakers: audio out of fold, and in each fold a fusion
    fitted without that fold's clips (plus MELD dev). ``words`` are the test corpus rows' words,
    in table order; ``held`` reuses held-out audio probabilities already computed. The audio-only
    score of the same folds is reported through ``notify``."""
    fused = fused_model(bundle)
    if fused is None:
        raise DataError(f"model {bundle.name}: not a multimodal model")
    if held is None:
        held = held_out_audio(
            recipe, table, test_corpus=test_corpus, protocol=protocol, folds=folds, seed=seed
        )
    frame = table.frame.iloc[held.index]
    truth = frame["label"].astype(str).to_numpy()
    said = np.asarray(list(words), dtype=object)
    predicted = np.empty(len(truth), dtype=object)
    for k in np.unique(held.fold):
        tr, te = held.fold != k, held.fold == k
        fusion = fit_fusion(held.classes, fused.text, held.proba[tr], said[tr], truth[tr], words_only)
        p = fusion.combine(held.proba[te], fused.text.evidence(list(said[te])))
        predicted[te] = np.asarray(held.classes)[p.argmax(axis=1)]
    audio_pred = np.asarray(held.classes)[held.proba.argmax(axis=1)]
    audio = classification_report(truth, audio_pred, labels=list(held.classes))
    notify(f"audio alone on the same folds: UA {audio.ua:.3f}, WA {audio.wa:.3f}")
    preds = pd.DataFrame(
        {
            "path": frame["path"].to_numpy(),
            "label": truth,
            "predicted": predicted.astype(str),
            "fold": held.fold,
        }
    )
    report = classification_report(truth, preds["predicted"], labels=list(held.classes))
    return EvaluationResult(
        report,
        "cross-validation",
        protocol,
        int(held.fold.max()) + 1,
        test_corpus,
        bundle.name,
        preds,
        table.errors,
    )
