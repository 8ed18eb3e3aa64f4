"""Music representations for the quadrant / valence / arousal task models (issue 14).

Two steps, both through the library's own feature cache and cross-validation:

``prefill``  runs each musicnn network once per analysis window of every clip and stores all
             three layers (penultimate, tags, pool) in the feature cache under the keys that
             ``emoscore train --features musicnn-*`` looks up, so the six musicnn feature sets
             cost one forward pass per model instead of three. Spot-checks that a cached entry
             equals a fresh extraction.
``evaluate`` cross-validates a recipe with several feature sets (artist-grouped 5-fold CV, the
             numbers ``emoscore train`` prints) and prints a markdown table with chance baselines.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/accuracy_music_repr.py prefill \
        --corpus mer-4q --max-windows 7
    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/accuracy_music_repr.py evaluate \
        --task quadrant --features musicnn-msd,musicnn-mtt,whisper-base+musicnn-msd
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from typing import Any

import numpy as np

from emoscore.corpora.tasks import load_corpora_for
from emoscore.features import FeatureCache
from emoscore.features.cache import file_digest
from emoscore.features.extract import load_clip
from emoscore.features.musicnn import MODELS, MusicnnExtractor
from emoscore.features.windowed import _length_key, _part_key, excerpt_spans
from emoscore.models.recipe import load_recipe
from emoscore.models.training import compute_features, recipe_extractor
from emoscore.protocols.evaluation import cross_validate


def prefill(
    corpora: list[str], task: str, window: float, max_windows: int, limit: int | None, models: list[str]
) -> None:
    recipe = load_recipe(task)
    pre = recipe.preprocessing
    rate = pre.sample_rate
    cache = FeatureCache()
    frame = load_corpora_for(recipe.task, corpora, None, labels=recipe.labels)
    paths = frame["path"].tolist()[:limit]
    nets = {m: MusicnnExtractor(m) for m in MODELS}
    parts = {
        m: [MusicnnExtractor(m, layer=layer) for layer in ("penultimate", "tags", "pool")] for m in MODELS
    }
    t0, cpu0 = time.time(), resource.getrusage(resource.RUSAGE_SELF).ru_utime
    seconds = 0.0
    done = 0
    for i, path in enumerate(paths):
        digest = file_digest(path)
        clip = load_clip(path, pre, None, digest)
        n = len(clip)
        cache.put(_length_key(digest, pre), np.array([n]))
        spans = excerpt_spans(n, rate, window, max_windows)
        whole = spans == [(0, n)]
        for m in models:
            todo = [
                s for s in spans if any(_part_key(digest, p, pre, s, whole) not in cache for p in parts[m])
            ]
            if not todo:
                continue
            outs = nets[m].patch_outputs([clip[a:b] for a, b in todo], rate)
            for span, out in zip(todo, outs, strict=True):
                for p in parts[m]:
                    cache.put(_part_key(digest, p, pre, span, whole), p.pool(out[p.layer]))
            seconds += sum(b - a for a, b in todo) / rate
        done += 1
        if i % 25 == 0:
            cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu0
            print(f"{i + 1}/{len(paths)} files, {time.time() - t0:.0f} s wall, {cpu:.0f} s CPU", flush=True)
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu0
    print(
        f"prefilled {done} files ({seconds / 60:.1f} min of windows, {'+'.join(models)}): {time.time() - t0:.0f} s wall, "
        f"{cpu:.0f} s CPU = {cpu / max(seconds / 60, 1e-9):.2f} CPU s per minute of windows (all models)"
    )
    # the cache entries must be what the library computes itself
    check = paths[: min(2, len(paths))]
    for spec in [f"musicnn-{m[:3].lower()}" for m in models]:
        ex = recipe_extractor(
            recipe.with_overrides(
                features=spec, params={**recipe.params, "window": window, "max_windows": max_windows}
            )
        )
        for path in check:
            clip = load_clip(path, pre)
            fresh = ex.batch([clip], rate)[0]
            table = compute_features(frame[frame["path"] == path], ex, recipe, cache=cache)
            diff = float(np.max(np.abs(table.X[0] - fresh)))
            print(f"check {spec} {path.rsplit('/', 1)[-1]}: cached vs fresh max|diff| = {diff:.2e}")


def evaluate(
    task: str, specs: list[str], params: dict[str, float], model: str | None, Cs: list[float]
) -> None:
    base = load_recipe(task)
    cache = FeatureCache()
    frame = load_corpora_for(base.task, list(base.corpora), None, labels=base.labels)
    print(
        "| features | model | C | windows | n | WA | UA | macro-F1 | chance UA | chance WA (majority) | s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for spec in specs:
        recipe = base.with_overrides(features=spec, model=model, params={**base.params, **params})
        table = compute_features(frame, recipe_extractor(recipe), recipe, cache=cache)
        for C in Cs or [recipe.params.get("C")]:
            _score(recipe.with_overrides(params={**recipe.params, "C": C}), table, spec)


def _score(recipe: Any, table: Any, spec: str) -> None:
    t = time.time()
    # what train_recipe runs: speaker k-fold, i.e. folds by artist for the music corpora
    res = cross_validate(
        recipe, table, test_corpus=str(table.frame["corpus"].iloc[0]), folds=5, seed=recipe.seed
    )
    d = res.to_dict()
    p = recipe.params
    print(
        f"| {spec} | {recipe.model} | {p.get('C')} | {p.get('max_windows')} | {d['n']} | {d['wa']:.3f} | "
        f"{d['ua']:.3f} | {d['macro_f1']:.3f} | {d['chance_ua']:.3f} | {d['chance_wa']:.3f} | "
        f"{time.time() - t:.0f} | recall {d['per_class_recall']}",
        flush=True,
    )


def _ccc(x: np.ndarray, y: np.ndarray) -> float:
    """Lin's concordance: correlation that also pays for a shift or a change of scale."""
    return float(2 * np.cov(x, y, bias=True)[0, 1] / (x.var() + y.var() + (x.mean() - y.mean()) ** 2))


def curves(models: list[str]) -> None:
    """emoMusic: per-clip Pearson r of predicted vs human curves (``experiment curves``), and over
    the 10 clips r / CCC of the clip's mean prediction (2·P(high) − 1) vs its static rating."""
    import pandas as pd

    from emoscore.corpora import load_corpus
    from emoscore.experiments.music import curve_correlations, predicted_curve
    from emoscore.models.registry import load_model

    clips = load_corpus("emomusic")
    for pair in models:
        valence, arousal = pair.split(",")
        row = [f"{valence} / {arousal}"]
        for smooth in (0.0, 5.0):
            t = curve_correlations(valence=valence, arousal=arousal, smooth=smooth)
            row += [f"{t['r_arousal'].iloc[-1]:.3f}", f"{t['r_valence'].iloc[-1]:.3f}"]
        for dim, name in (("arousal", arousal), ("valence", valence)):
            bundle = load_model(name)
            pred = np.array(
                [2 * predicted_curve(p, bundle)["value"].mean() - 1 for p in clips["path"]], dtype=float
            )
            truth = pd.to_numeric(clips[dim]).to_numpy(dtype=float)
            row += [f"{np.corrcoef(pred, truth)[0, 1]:.3f}", f"{_ccc(pred, truth):.3f}"]
        print("| " + " | ".join(row) + " |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prefill")
    p.add_argument("--corpus", default="mer-4q")
    p.add_argument("--task", default="quadrant", help="recipe whose preprocessing and labels to use")
    p.add_argument("--window", type=float, default=4.0)
    p.add_argument("--max-windows", type=int, default=7)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--models", default=",".join(MODELS))
    e = sub.add_parser("evaluate")
    e.add_argument("--task", default="quadrant")
    e.add_argument("--features", required=True, help="comma-separated feature sets")
    e.add_argument("--C", default=None, help="comma-separated values of C to try")
    e.add_argument("--model", default=None, help="model kind (default: the recipe's)")
    e.add_argument("--max-windows", type=int, default=None)
    c = sub.add_parser("curves")
    c.add_argument("--models", required=True, help="VALENCE,AROUSAL bundle pairs joined by ';'")
    a = ap.parse_args()
    print("$", " ".join(sys.argv), flush=True)
    if a.cmd == "prefill":
        prefill(a.corpus.split(","), a.task, a.window, a.max_windows, a.limit, a.models.split(","))
    elif a.cmd == "curves":
        print(
            "| valence / arousal bundles | mean r arousal | mean r valence | r arousal, smooth 5 s | "
            "r valence, smooth 5 s | clip r arousal | clip CCC arousal | clip r valence | clip CCC valence |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        curves(a.models.split(";"))
    else:
        params: dict[str, float] = {}
        if a.max_windows is not None:
            params["max_windows"] = a.max_windows
        Cs = [float(c) for c in a.C.split(",")] if a.C else []
        evaluate(a.task, a.features.split(","), params, a.model, Cs)


if __name__ == "__main__":
    main()
