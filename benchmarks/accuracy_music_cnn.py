"""Paper 003's neural models (DCNN, attention dilated CNN-RNN) on logmel3 for 4Q music quadrants.

4Q audio (``mer-4q``, 579 clips, labels Q1..Q4), folds grouped by artist (``speaker`` column;
StratifiedGroupKFold, shuffle, ``random_state=0``, the same folds for every arch and seed).
To bound the cost on a CPU, each clip is cut to its **middle** ``--excerpt`` seconds (10 s by
default; the whole clip when shorter) before logmel3 ``(3, 40, frames)`` is computed; the
arrays are cached in a ``.npz`` (``--cache``) so reruns skip decoding. Each fold trains
:class:`emoscore.models.neural.LogMelCNN` with early stopping on an artist-grouped validation
split of the training fold and restores the best epoch's weights. Predictions are pooled over
the folds per (arch, seed); the script prints per-seed and mean ± sd WA / UA / macro-F1 beside
chance UA (1/4) and a Markdown table.

    .venv/bin/python benchmarks/accuracy_music_cnn.py [--folds 3] [--seeds 0,1] [--epochs 12]
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from emoscore.audio import load_audio
from emoscore.corpora import load_corpus
from emoscore.features import get_extractor
from emoscore.models.neural import LogMelCNN
from emoscore.protocols.metrics import classification_report


def middle_excerpt_logmel3(path: str, excerpt_s: float) -> np.ndarray:
    """logmel3 of the middle ``excerpt_s`` seconds of ``path`` (the whole clip if shorter)."""
    audio = load_audio(path)
    n = int(round(excerpt_s * audio.sample_rate))
    x = audio.samples
    if len(x) > n:
        start = (len(x) - n) // 2
        x = x[start : start + n]
    return get_extractor("logmel3")(x, audio.sample_rate)


def load_features(paths: list[str], excerpt_s: float, cache: Path, workers: int) -> list[np.ndarray]:
    """Cached logmel3 excerpts, keyed by the file list and the excerpt length."""
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            if z["paths"].tolist() == paths and float(z["excerpt_s"]) == excerpt_s:
                return [z[f"x{i}"] for i in range(len(paths))]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        X = list(pool.map(middle_excerpt_logmel3, paths, [excerpt_s] * len(paths), chunksize=8))
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        cache,
        paths=np.array(paths),
        excerpt_s=np.float64(excerpt_s),
        **{f"x{i}": x for i, x in enumerate(X)},
    )
    return X


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-root", default=None, help="default: the catalogue's data root")
    ap.add_argument("--archs", default="dcnn,adcrnn")
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--max-folds", type=int, default=None, help="stop after this many folds (timing)")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--patience", type=int, default=4)
    ap.add_argument("--crop-frames", type=int, default=300)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--excerpt", type=float, default=10.0, help="seconds from the middle of each clip")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default="/tmp/emoscore_mer4q_logmel3.npz")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)
    archs = [a.strip() for a in args.archs.split(",") if a.strip()]
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]

    t0 = time.perf_counter()
    frame = load_corpus("mer-4q", args.data_root)
    paths = frame["path"].tolist()
    X = load_features(paths, args.excerpt, Path(args.cache), args.threads)
    y = frame["label"].to_numpy()
    groups = frame["speaker"].to_numpy()
    frames = np.array([x.shape[2] for x in X])
    print(
        f"{len(X)} clips, {len(set(groups))} artists, classes {sorted(set(y))}; logmel3 of the middle "
        f"{args.excerpt:g} s in {time.perf_counter() - t0:.0f} s; frames median {np.median(frames):.0f}, "
        f"min {frames.min()}, max {frames.max()}",
        flush=True,
    )

    splits = list(
        StratifiedGroupKFold(n_splits=args.folds, shuffle=True, random_state=0).split(
            np.zeros(len(y)), y, groups
        )
    )[: args.max_folds]
    tested = np.sort(np.concatenate([te for _, te in splits]))

    runs = []
    for arch in archs:
        for seed in seeds:
            y_pred = np.empty_like(y)
            fold_info = []
            for k, (tr, te) in enumerate(splits):
                t1 = time.perf_counter()
                model = LogMelCNN(
                    arch,
                    epochs=args.epochs,
                    patience=args.patience,
                    crop_frames=args.crop_frames,
                    width=args.width,
                    n_threads=args.threads,
                    seed=seed,
                )
                model.fit([X[i] for i in tr], y[tr], groups=groups[tr])
                y_pred[te] = model.predict([X[i] for i in te])
                rep = classification_report(y[te], y_pred[te])
                secs = time.perf_counter() - t1
                fold_info.append(
                    {
                        "fold": k,
                        "ua": rep.ua,
                        "epochs": model.n_epochs_,
                        "best_epoch": model.best_epoch_,
                        "s": round(secs, 1),
                    }
                )
                print(
                    f"{arch} seed {seed} fold {k}: WA {rep.wa:.3f} UA {rep.ua:.3f} epochs "
                    f"{model.n_epochs_} (best {model.best_epoch_}) {secs:.0f} s",
                    flush=True,
                )
            rep = classification_report(y[tested], y_pred[tested])
            runs.append({"arch": arch, "seed": seed, "report": rep, "folds": fold_info})
            print(
                f"{arch} seed {seed} pooled: WA {rep.wa:.3f} UA {rep.ua:.3f} macro-F1 {rep.macro_f1:.3f} "
                "recall " + ", ".join(f"{c} {v:.2f}" for c, v in rep.per_class_recall.items()),
                flush=True,
            )

    total = time.perf_counter() - t0
    print(
        f"\n4Q quadrants, n={len(tested)}, {len(splits)} of {args.folds} artist-grouped folds, "
        f"middle {args.excerpt:g} s, logmel3, epochs ≤ {args.epochs}, patience {args.patience}, "
        f"crop {args.crop_frames}, width {args.width}, {args.threads} threads; total {total:.0f} s\n"
    )
    print("| model | seeds | n | WA | UA | macro-F1 | chance UA | chance WA (majority) |")
    print("|---|---|---|---|---|---|---|---|")
    for arch in archs:
        reps = [r["report"] for r in runs if r["arch"] == arch]
        cell = {m: [getattr(r, m) for r in reps] for m in ("wa", "ua", "macro_f1")}
        majority = max(np.mean(y[tested] == c) for c in set(y[tested]))
        print(
            f"| {arch} | {','.join(map(str, seeds))} | {len(tested)} | "
            + " | ".join(f"{np.mean(v):.3f} ± {np.std(v):.3f}" for v in cell.values())
            + f" | {reps[0].chance_ua:.3f} | {majority:.3f} |"
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "args": vars(args),
                    "seconds": round(total, 1),
                    "runs": [
                        {
                            "arch": r["arch"],
                            "seed": r["seed"],
                            "folds": r["folds"],
                            "pooled": r["report"].to_dict(),
                        }
                        for r in runs
                    ],
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
