"""Leave-one-corpus-out of a training recipe (no bundle needed), and of a fitted model on the corpora
it never saw, on the classes every corpus shares and on narrower class sets.

``emoscore evaluate --model M --protocol loco`` does the first for a trained model; this script
runs it for a recipe that has no bundle yet (an augmentation variant) and prints each class set
without refitting (``LocoResult.narrowed``). ``--unseen-by MODEL`` adds, for each corpus that
MODEL was not trained on, MODEL's own held-out score (the old model's view of a new corpus).

    .venv/bin/python benchmarks/loco.py --recipe default --corpora ravdess,emodb,emovo,spanish-students
        [--narrow neutral,happy,sad,angry] [--unseen-by default] [--json benchmarks/logs/loco.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from emoscore.corpora import load_corpora
from emoscore.features import FeatureCache
from emoscore.models.recipe import load_recipe
from emoscore.models.registry import load_model
from emoscore.models.training import compute_features, recipe_extractor, training_table
from emoscore.protocols.evaluation import LocoResult, evaluate_bundle, leave_one_corpus_out


def markdown(result: LocoResult, title: str) -> str:
    lines = [
        f"{title}: classes {', '.join(result.classes)}",
        "| corpus | n | classes | WA | UA | macro-F1 | chance UA |",
    ]
    lines.append("|---|---|---|---|---|---|---|")
    for r in result.table().itertuples(index=False):
        lines.append(
            f"| {r.corpus} | {r.n} | {r.classes} | {r.wa:.3f} | {r.ua:.3f} | {r.macro_f1:.3f} | {r.chance_ua:.3f} |"
        )
    lines.append(f"| mean | | | | **{result.mean_ua:.3f}** | | |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", default="default")
    ap.add_argument("--corpora", default="ravdess,emodb,emovo,spanish-students")
    ap.add_argument("--labels", default=None, help="score only these classes (default: every shared one)")
    ap.add_argument("--narrow", action="append", default=[], help="also score this class subset")
    ap.add_argument("--unseen-by", default=None, help="a model scored on the corpora it was not trained on")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    recipe = load_recipe(args.recipe)
    corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    frame = load_corpora(corpora, labels=recipe.labels)
    cache = FeatureCache()
    t0 = time.time()
    table = training_table(frame, recipe_extractor(recipe), recipe, cache=cache, n_jobs=args.jobs)
    print(f"# features in {time.time() - t0:.0f} s ({len(table.frame)} rows)", flush=True)
    t0 = time.time()
    full = leave_one_corpus_out(recipe, table, labels=args.labels.split(",") if args.labels else None)
    print(f"# {len(corpora)} fits in {time.time() - t0:.0f} s", flush=True)
    sets = [full] + [full.narrowed(n.split(",")) for n in args.narrow]
    out: dict = {"recipe": recipe.to_dict(), "loco": [r.to_dict() for r in sets]}
    for r in sets:
        print(markdown(r, f"LOCO of recipe {recipe.name} {recipe.version}"), "\n", flush=True)
    if args.unseen_by:
        bundle = load_model(args.unseen_by)
        seen = set(bundle.meta.get("training", {}).get("corpora", []))
        out["unseen"] = {}
        for classes in [r.classes for r in sets]:
            rows = []
            for corpus in [c for c in corpora if c not in seen]:
                part = frame[(frame["corpus"] == corpus) & frame["label"].isin(classes)].reset_index(
                    drop=True
                )
                feats = compute_features(part, bundle.extractor, recipe, cache=cache, n_jobs=args.jobs)
                res = evaluate_bundle(bundle, feats, corpus=corpus, restrict_labels=True)
                r = res.report
                rows.append(
                    f"| {corpus} | {r.n} | {len(r.labels)} | {r.wa:.3f} | {r.ua:.3f} | {r.macro_f1:.3f} | {r.chance_ua:.3f} |"
                )
                out["unseen"].setdefault(",".join(classes), []).append(res.to_dict())
            print(
                f"model {args.unseen_by} {bundle.meta.get('version')} on corpora it never saw: classes {', '.join(classes)}"
            )
            print("| corpus | n | classes | WA | UA | macro-F1 | chance UA |\n|---|---|---|---|---|---|---|")
            print("\n".join(rows), "\n", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
