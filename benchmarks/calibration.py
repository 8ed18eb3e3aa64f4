"""Calibrated confidence: ECE and a reliability diagram on corpora the model never trained on.

For each corpus of the recipe the recipe is fitted on the others (leave-one-corpus-out, the
held-out predictions the shipped temperature is fitted on), and the corpus's clips are scored
over every class that fit knows. Reported per corpus: ECE before, after the shipped temperature
(fitted on all corpora's held-out predictions) and after a temperature fitted on the other
corpora only (the honest figure), with the mean confidence beside the accuracy. ``--bundle``
writes the fitted calibration into a bundle's metadata (what ``train`` does for a recipe with
``calibration = "temperature"``; the weights are untouched).

    .venv/bin/python benchmarks/calibration.py [--recipe default] [--json benchmarks/logs/calibration.json]
        [--plot docs/calibration_reliability.png] [--bundle src/emoscore/data/models/default.emo]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from emoscore.corpora.tasks import load_corpora_for
from emoscore.features import FeatureCache
from emoscore.models.bundle import load_bundle
from emoscore.models.calibration import fit_calibration, pooled_reliability
from emoscore.models.recipe import load_recipe
from emoscore.models.training import recipe_extractor, training_table
from emoscore.plots import plot_reliability
from emoscore.protocols.calibration import held_out_probabilities


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", default="default")
    ap.add_argument("--json", default=None)
    ap.add_argument("--plot", default=None)
    ap.add_argument("--bundle", default=None, help="write the calibration into this bundle's metadata")
    args = ap.parse_args()
    recipe = load_recipe(args.recipe)
    frame = load_corpora_for(recipe.task, list(recipe.corpora), labels=recipe.labels)
    t0 = time.process_time()
    table = training_table(frame, recipe_extractor(recipe), recipe, cache=FeatureCache())
    held = held_out_probabilities(recipe, table)
    cal = fit_calibration(held, fitted_on=f"leave-one-corpus-out predictions of {', '.join(held.parts)}")
    print(f"# {len(held.parts)} held-out fits in {time.process_time() - t0:.0f} CPU s")
    print(f"recipe {recipe.name} {recipe.version}: temperature {cal.temperature:.3f} over {cal.n} held-out clips")
    print(f"pooled ECE {cal.ece_before:.3f} -> {cal.ece_after:.3f}; NLL {cal.nll_before:.3f} -> {cal.nll_after:.3f}")
    print("| corpus | n | accuracy | mean confidence before | ECE before | T without it | ECE after (cross-fitted) | ECE after (shipped T) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in cal.per_corpus.items():
        print(
            f"| {name} | {r['n']} | {r['accuracy']:.3f} | {r['mean_confidence_before']:.3f} | {r['ece_before']:.3f} "
            f"| {r['temperature_without']:.2f} | {r['ece_after_crossfit']:.3f} | {r['ece_after']:.3f} |"
        )
    if args.plot:
        curves = {
            "uncalibrated": pooled_reliability(held.proba, held.truth, 1.0),
            f"temperature {cal.temperature:.2f}": pooled_reliability(held.proba, held.truth, cal.temperature),
        }
        plot_reliability(
            curves, args.plot, title=f"{recipe.name} {recipe.version}, leave-one-corpus-out ({cal.n} clips)"
        )
        print(f"wrote {args.plot}")
    if args.json:
        Path(args.json).write_text(json.dumps({"recipe": recipe.to_dict(), "calibration": cal.to_dict()}, indent=2))
    if args.bundle:
        bundle = load_bundle(args.bundle)
        if bundle.version != recipe.version or bundle.name != recipe.name:
            raise SystemExit(f"{args.bundle}: is {bundle.name} {bundle.version}, not {recipe.name} {recipe.version}")
        bundle.meta["calibration"] = cal.to_dict()
        bundle.meta["recipe"]["calibration"] = "temperature"
        bundle.save(args.bundle)
        print(f"wrote the calibration into {args.bundle}")


if __name__ == "__main__":
    main()
