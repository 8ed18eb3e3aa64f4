"""Which representation and head generalise to unseen corpora: leave-one-corpus-out of variants of
the default recipe on its cached features (no new extraction).

Variants (the default recipe's features are Whisper-base mean (512) + std (512) + eGeMAPS (88)):
pooling ``mean`` vs ``mean+std`` (statistics pooling) of the encoder frames, with and without
eGeMAPS, eGeMAPS alone, and the head: logistic regression (C tuned in inner folds by speaker)
against a small MLP (sklearn, early stopping, hidden sizes tuned the same way). Every variant is
scored by LOCO on the 6 shared classes and on neutral/happy/sad/angry, with RAVDESS 5 folds by
actor beside it (the other corpora always in training).

    .venv/bin/python benchmarks/representations.py [--variants NAME,...] [--json benchmarks/logs/representations.json]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from emoscore.corpora import load_corpora
from emoscore.features import FeatureCache
from emoscore.models.recipe import load_recipe
from emoscore.models.training import FeatureTable, recipe_extractor, training_table
from emoscore.protocols.evaluation import cross_validate, leave_one_corpus_out

MEAN, STD, EGEMAPS = slice(0, 512), slice(512, 1024), slice(1024, 1112)
VARIANTS: dict[str, tuple[list[slice], str]] = {
    "whisper mean+std + egemaps, logreg (default)": ([MEAN, STD, EGEMAPS], "logreg"),
    "whisper mean + egemaps, logreg": ([MEAN, EGEMAPS], "logreg"),
    "whisper mean+std, logreg": ([MEAN, STD], "logreg"),
    "whisper mean, logreg": ([MEAN], "logreg"),
    "egemaps, logreg": ([EGEMAPS], "logreg"),
    "whisper mean+std + egemaps, mlp": ([MEAN, STD, EGEMAPS], "mlp"),
}
FOUR = ["neutral", "happy", "sad", "angry"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", default="default")
    ap.add_argument("--variants", default=",".join(str(i) for i in range(len(VARIANTS))))
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    recipe = load_recipe(args.recipe)
    frame = load_corpora(list(recipe.corpora), labels=recipe.labels)
    table = training_table(frame, recipe_extractor(recipe), recipe, cache=FeatureCache())
    assert table.X.shape[1] == 1112, table.X.shape
    names = list(VARIANTS)
    out = []
    print("| variant | LOCO mean UA, 6 classes | 4 classes | RAVDESS 5-fold UA | per corpus (6) | CPU s |")
    print("|---|---|---|---|---|---|")
    for i in [int(v) for v in args.variants.split(",")]:
        name = names[i]
        cols, model = VARIANTS[name]
        sub = FeatureTable(table.frame, np.concatenate([table.X[:, c] for c in cols], axis=1), table.errors)
        variant = replace(recipe, model=model)
        t0 = time.process_time()
        loco = leave_one_corpus_out(variant, sub)
        four = loco.narrowed(FOUR)
        cv = cross_validate(variant, sub, test_corpus="ravdess", protocol="speaker-kfold", folds=5, seed=recipe.seed)
        cpu = time.process_time() - t0
        per = ", ".join(f"{r.corpus} {r.report.ua:.3f}" for r in loco.results)
        print(f"| {name} | {loco.mean_ua:.3f} | {four.mean_ua:.3f} | {cv.report.ua:.3f} | {per} | {cpu:.0f} |", flush=True)
        out.append({"variant": name, "loco6": loco.to_dict(), "loco4_mean_ua": four.mean_ua,
                    "ravdess_kfold": cv.report.to_dict(), "cpu_s": cpu})  # fmt: skip
        if args.json:
            Path(args.json).write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
