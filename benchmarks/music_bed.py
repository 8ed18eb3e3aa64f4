"""Music-bed robustness: RAVDESS speaker-fold test clips mixed over 4Q music, UA against clean.

For each of the recipe's 5 RAVDESS folds by actor (the folds of ``evaluate --corpus ravdess``:
stratified group k-fold, the recipe's seed, the recipe's other corpora always in training) the
recipe is fitted once and scores the fold's clips clean and mixed over a 4Q music clip at each
speech-to-music ratio (whole-clip power, ``audio.augment.add_music_bed``). Each clip gets one
seeded music clip and offset, the same at every ratio; the mixes are written once under
``<cache>/music-bed-v1/<snr>dB/``. A recipe with ``[augment]`` trains on its augmented copies too
(never those of a test-fold actor); its music beds must not be 4Q clips. Test speakers are normalised by their own (mixed) clips,
as at inference. Prints UA per condition and the drop against clean (the issue's target:
≤ 0.05 at +10 dB).

    .venv/bin/python benchmarks/music_bed.py [--recipe default] [--snr 0,10,20] [--jobs 1]
        [--json benchmarks/logs/music_bed.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from emoscore.audio.augment import add_music_bed
from emoscore.audio.decode import load_audio
from emoscore.corpora import load_corpora, load_corpus
from emoscore.features import FeatureCache, default_cache_root
from emoscore.models.recipe import load_recipe
from emoscore.models.training import (
    augmented_rows,
    compute_features,
    fit_normalized,
    recipe_extractor,
    take,
    training_table,
)
from emoscore.protocols.evaluation import held_out_groups
from emoscore.protocols.metrics import classification_report
from emoscore.protocols.splits import make_splits

RATE = 16_000
VERSION = 1


def write_mixes(
    speech: list[str], music: list[str], snrs: list[float], seed: int = 0
) -> dict[float, list[str]]:
    """One mix per speech clip and ratio (written once); returns the mix paths per ratio."""
    rng = np.random.default_rng([VERSION, seed])
    picks = rng.integers(0, len(music), size=len(speech))
    offsets = rng.uniform(0.0, 1.0, size=len(speech))
    root = default_cache_root() / f"music-bed-v{VERSION}"
    out: dict[float, list[str]] = {snr: [] for snr in snrs}
    for path, pick, offset in zip(speech, picks, offsets, strict=True):
        targets = {snr: root / f"{snr:g}dB" / f"{Path(path).stem}.flac" for snr in snrs}
        if not all(t.is_file() for t in targets.values()):
            y = load_audio(path, sample_rate=RATE).samples
            bed = load_audio(music[int(pick)], sample_rate=RATE).samples
            for snr, target in targets.items():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_suffix(".tmp.flac")
                sf.write(tmp, add_music_bed(y, bed, snr_db=snr, offset=float(offset)), RATE, subtype="PCM_16")
                os.replace(tmp, target)
        for snr, target in targets.items():
            out[snr].append(str(target))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", default="default", help="shipped recipe name or recipe TOML")
    ap.add_argument("--snr", default="0,10,20", help="speech-to-music ratios in dB, comma separated")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--json", default=None, help="also write the results here")
    args = ap.parse_args()
    snrs = [float(s) for s in args.snr.split(",")]
    recipe = load_recipe(args.recipe)
    cache = FeatureCache()
    extractor = recipe_extractor(recipe)
    frame = load_corpora(list(recipe.corpora), labels=recipe.labels)
    t0 = time.time()
    table = training_table(frame, extractor, recipe, cache=cache, n_jobs=args.jobs)
    f = table.frame
    augmented = augmented_rows(f)
    rav = np.flatnonzero((f["corpus"] == "ravdess").to_numpy() & ~augmented)
    other = np.flatnonzero((f["corpus"] != "ravdess").to_numpy() & ~augmented)
    copies = np.flatnonzero(augmented)  # augmented copies train with their speaker's folds
    music = load_corpus("mer-4q")["path"].tolist()
    mixes = write_mixes(f["path"].to_numpy()[rav].tolist(), music, snrs, seed=recipe.seed)
    mixed = {}
    for snr, paths in mixes.items():
        rows = f.iloc[rav].assign(path=paths).reset_index(drop=True)
        mixed[snr] = compute_features(rows, extractor, recipe, cache=cache, n_jobs=args.jobs).X
    print(f"# features and mixes in {time.time() - t0:.0f} s", flush=True)
    labels = f["label"].astype(str).to_numpy()
    speakers = f["speaker"].astype(str).to_numpy()
    splits = make_splits("speaker-kfold", labels[rav], speakers[rav], folds=args.folds, seed=recipe.seed)
    conditions: dict[str, np.ndarray] = {"clean": np.empty(len(rav), dtype=object)}
    conditions |= {f"{snr:g} dB": np.empty(len(rav), dtype=object) for snr in snrs}
    for k, (tr, te) in enumerate(splits):
        t1 = time.time()
        kept = copies[~np.isin(speakers[copies], speakers[rav[te]])]
        train = np.concatenate([rav[tr], other, kept])
        est, normalizer = fit_normalized(recipe, take(table.X, train), f.iloc[train])
        groups = held_out_groups(f.iloc[rav[te]])
        for name, X in [("clean", take(table.X, rav[te]))] + [(f"{s:g} dB", mixed[s][te]) for s in snrs]:
            Xn = normalizer.transform(X, groups) if normalizer is not None else X
            conditions[name][te] = est.predict(Xn)
        print(f"# fold {k + 1}/{len(splits)} in {time.time() - t1:.0f} s", flush=True)
    truth = labels[rav]
    order = [lab for lab in (recipe.labels or sorted(set(truth))) if lab in set(truth)]
    results = {}
    for name, pred in conditions.items():
        r = classification_report(truth, pred.astype(str), labels=order)
        results[name] = {"n": r.n, "wa": r.wa, "ua": r.ua, "macro_f1": r.macro_f1, "chance_ua": r.chance_ua}
    clean = results["clean"]["ua"]
    print(
        f"recipe {recipe.name} {recipe.version}: RAVDESS {len(splits)} folds by actor, {len(order)} classes"
    )
    print("| condition | n | WA | UA | macro-F1 | UA drop vs clean |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['n']} | {r['wa']:.3f} | {r['ua']:.3f} | {r['macro_f1']:.3f} | {clean - r['ua']:+.3f} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"recipe": recipe.to_dict(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
