"""Accuracy of every feature set × model kind, speaker-independent, in one table.

RAVDESS (8 classes): 5 folds grouped by actor; EmoDB (7 classes): leave one speaker out;
cross-corpus: train on one corpus, test on the other's shared classes (restricted labels).
Prints a Markdown table with WA, UA, macro-F1 and the chance UA beside each result.

    .venv/bin/python benchmarks/accuracy_table.py [--features egemaps,compare] [--models svm,logreg]
        [--tune] [--jobs 2] [--out docs/accuracy_table.md]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from emoscore.audio.preprocess import Preprocessing
from emoscore.corpora import load_corpora
from emoscore.features import FeatureCache, get_extractor
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.training import FeatureTable, compute_features, fit_normalized, take
from emoscore.protocols.evaluation import cross_validate, held_out_groups
from emoscore.protocols.metrics import classification_report
from emoscore.taxonomy import RAVDESS_EIGHT

EMODB_SEVEN = ("neutral", "happy", "sad", "angry", "fearful", "disgust", "boredom")


def subset(table: FeatureTable, mask: np.ndarray) -> FeatureTable:
    idx = np.flatnonzero(mask)
    return FeatureTable(table.frame.iloc[idx].reset_index(drop=True), take(table.X, idx), ())


def cross_corpus(
    recipe: TrainingRecipe, table: FeatureTable, source: str, target: str
) -> tuple[float, float, float]:
    f = table.frame
    src = (f["corpus"] == source).to_numpy()
    tgt_labels = set(f.loc[f["corpus"] == target, "label"])
    shared = sorted(set(f.loc[src, "label"]) & tgt_labels)
    tgt = ((f["corpus"] == target) & f["label"].isin(shared)).to_numpy()
    est, normalizer = fit_normalized(recipe, take(table.X, np.flatnonzero(src)), f[src])
    X_test = take(table.X, np.flatnonzero(tgt))
    if normalizer is not None:
        X_test = normalizer.transform(X_test, held_out_groups(f[tgt]))
    proba = est.predict_proba(X_test)
    classes = list(est.classes_)
    cols = [classes.index(c) for c in shared]
    pred = np.asarray(shared)[proba[:, cols].argmax(axis=1)]
    r = classification_report(f["label"][tgt], pred, labels=shared)
    return r.wa, r.ua, r.chance_ua


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--features", default="egemaps,compare,whisper-base,whisper-base+egemaps")
    ap.add_argument("--models", default="svm,mlp,knn,logreg,rf,lightgbm")
    ap.add_argument("--tune", action="store_true", help="tune inside the training folds (slower)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--trim", action="store_true", help="trim leading/trailing silence of training clips")
    ap.add_argument("--normalization", default="none", choices=("none", "speaker", "corpus"))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    pre = Preprocessing(trim_silence=args.trim)
    frame = load_corpora(["ravdess", "emodb"], labels=None)
    lines = [
        "| features | model | RAVDESS 5-fold WA | UA | F1 | EmoDB LOSO WA | UA | F1 | RAV→EmoDB UA | EmoDB→RAV UA |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    chance = {}
    for feats in args.features.split(","):
        base = TrainingRecipe(
            features=feats, preprocessing=pre, tune=args.tune, normalization=args.normalization
        )
        t0 = time.time()
        table = compute_features(frame, get_extractor(feats), base, cache=FeatureCache(), n_jobs=args.jobs)
        print(f"# {feats}: features in {time.time() - t0:.0f} s", flush=True)
        f = table.frame
        rav = subset(table, ((f["corpus"] == "ravdess") & f["label"].isin(RAVDESS_EIGHT)).to_numpy())
        emo = subset(table, (f["corpus"] == "emodb").to_numpy())
        for kind in args.models.split(","):
            t0 = time.time()
            rec = replace(base, model=kind)
            r1 = cross_validate(replace(rec, labels=RAVDESS_EIGHT), rav, test_corpus="ravdess").report
            r2 = cross_validate(
                replace(rec, labels=EMODB_SEVEN), emo, test_corpus="emodb", protocol="loso"
            ).report
            x1 = cross_corpus(rec, table, "ravdess", "emodb")
            x2 = cross_corpus(rec, table, "emodb", "ravdess")
            chance = {"rav": r1.chance_ua, "emo": r2.chance_ua, "x1": x1[2], "x2": x2[2]}
            lines.append(
                f"| {feats} | {kind} | {r1.wa:.3f} | {r1.ua:.3f} | {r1.macro_f1:.3f} | {r2.wa:.3f} | "
                f"{r2.ua:.3f} | {r2.macro_f1:.3f} | {x1[1]:.3f} | {x2[1]:.3f} |"
            )
            print(lines[-1], f"({time.time() - t0:.0f} s)", flush=True)
    lines.append(
        f"| chance (UA) | | | {chance.get('rav', 0):.3f} | | | {chance.get('emo', 0):.3f} | | "
        f"{chance.get('x1', 0):.3f} | {chance.get('x2', 0):.3f} |"
    )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
