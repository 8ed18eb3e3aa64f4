"""The text emotion model on MELD (official splits): train, compare with baselines, write text.emo.

    .venv/bin/python benchmarks/words_text.py                 # figures only
    .venv/bin/python benchmarks/words_text.py --write         # also writes src/emoscore/data/models/text.emo

Prints UA, WA and weighted-F1 on MELD test for: majority class, label prior (random draws from
the training prior, mean of 200 seeds), TF-IDF + logistic regression, and the shipped model
(all-MiniLM-L6-v2 sentence vectors + logistic regression; C chosen on dev by weighted-F1; no
class weights, so its probabilities keep the training prior). Ratio: model wF1 / TF-IDF wF1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, recall_score

from emoscore.corpora.meld_text import MELD_LABELS, load_meld_text
from emoscore.features import FeatureCache
from emoscore.models.registry import shipped_models_dir
from emoscore.models.text import embed_texts, text_bundle, text_classifier

DATA = Path(os.environ.get("EMOSCORE_DATA", "../shared/data")) / "meld-text"
LABELS = tuple(dict.fromkeys(MELD_LABELS.values()))
GRID = (0.01, 0.03, 0.1, 0.3, 1.0)


def scores(y, p) -> dict[str, float]:
    return {
        "ua": float(recall_score(y, p, labels=list(LABELS), average="macro", zero_division=0)),
        "wa": float(accuracy_score(y, p)),
        "wf1": float(f1_score(y, p, labels=list(LABELS), average="weighted", zero_division=0)),
    }


def line(name: str, s: dict[str, float]) -> str:
    return f"{name:<44} UA {s['ua']:.3f}  WA {s['wa']:.3f}  wF1 {s['wf1']:.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write src/emoscore/data/models/text.emo")
    args = ap.parse_args()
    tr, dev, te = (load_meld_text(DATA, s) for s in ("train", "dev", "test"))
    out: dict[str, dict[str, float]] = {}
    majority = tr["label"].value_counts().idxmax()
    out["majority (neutral)"] = scores(te["label"], [majority] * len(te))
    prior = tr["label"].value_counts(normalize=True)
    draws = [
        scores(te["label"], np.random.default_rng(s).choice(prior.index, size=len(te), p=prior.values))
        for s in range(200)
    ]
    out["label prior (mean of 200 draws)"] = {k: float(np.mean([d[k] for d in draws])) for k in draws[0]}

    tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True)
    Xtr, Xdev, Xte = (
        tfidf.fit_transform(tr["text"]),
        tfidf.transform(dev["text"]),
        tfidf.transform(te["text"]),
    )
    best = max(
        GRID + (3.0, 10.0),
        key=lambda c: scores(
            dev["label"], LogisticRegression(C=c, max_iter=3000).fit(Xtr, tr["label"]).predict(Xdev)
        )["wf1"],
    )
    lr = LogisticRegression(C=best, max_iter=3000).fit(Xtr, tr["label"])
    out[f"TF-IDF 1-2 grams + logistic regression (C={best:g})"] = scores(te["label"], lr.predict(Xte))

    cache = FeatureCache()
    t0 = time.process_time()
    Etr, Edev, Ete = (embed_texts(d["text"].tolist(), cache=cache) for d in (tr, dev, te))
    embed_cpu = time.process_time() - t0
    for balanced in (False, True):
        dev_wf1 = {
            c: scores(
                dev["label"], text_classifier(c, balanced=balanced).fit(Etr, tr["label"]).predict(Edev)
            )["wf1"]
            for c in GRID
        }
        c = max(dev_wf1, key=dev_wf1.__getitem__)
        est = text_classifier(c, balanced=balanced).fit(Etr, tr["label"])
        name = f"MiniLM-L6 + logistic regression{' (balanced)' if balanced else ''} (C={c:g})"
        out[name] = scores(te["label"], est.predict(Ete))
        out[name + " dev"] = scores(dev["label"], est.predict(Edev))
        if not balanced:
            shipped, shipped_name, shipped_c = est, name, c
    for name, s in out.items():
        print(line(name, s))
    tfidf_name = next(k for k in out if k.startswith("TF-IDF"))
    print(f"ratio wF1 shipped / TF-IDF: {out[shipped_name]['wf1'] / out[tfidf_name]['wf1']:.2f}")
    print(
        f"(embedding CPU time {embed_cpu:.1f} s for {len(tr) + len(dev) + len(te)} utterances; 0 when cached)"
    )
    if args.write:
        bundle = text_bundle(
            shipped,
            LABELS,
            {
                "name": "text",
                "version": "1.0.0",
                "description": "Text emotion, 7 classes (MELD names mapped to RAVDESS names): all-MiniLM-L6-v2 "
                "sentence vectors + logistic regression; MELD train, C chosen on MELD dev",
                "training": {"corpora": ["meld-text"], "split": "official train", "C": shipped_c},
                "prior": {k: float(v) for k, v in prior.items()},
                "metrics": {"corpus": "meld-text test", "n": len(te), **out[shipped_name]},
                "baselines": {k: v for k, v in out.items() if not k.endswith(" dev")},
            },
        )
        path = bundle.save(shipped_models_dir() / "text.emo")
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    json.dump(out, sys.stderr, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
