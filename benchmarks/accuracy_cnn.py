"""Speaker-independent accuracy of the logmel3 CNN (:class:`emoscore.models.neural.LogMelCNN`).

RAVDESS speech, 8 classes, 5 folds grouped by actor (StratifiedGroupKFold, shuffle, seed 0).
Each clip is decoded at 16 kHz mono, trimmed (30 dB) and turned into logmel3 ``(3, 40, frames)``;
the CNN standardises with statistics of the training fold only and early-stops on a held-out
group of training actors. Prints per-fold and mean WA / UA beside the chance level (1/8).

    .venv/bin/python benchmarks/accuracy_cnn.py [--data-root ../shared/data] [--epochs 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from emoscore.audio import load_audio
from emoscore.audio.preprocess import trim_silence
from emoscore.corpora import load_ravdess
from emoscore.features.logmel import LogMel3Extractor
from emoscore.models.neural import LogMelCNN
from emoscore.protocols.metrics import classification_report


def logmel3_clips(paths: list[str]) -> list[np.ndarray]:
    extractor = LogMel3Extractor()
    out = []
    for p in paths:
        audio = load_audio(p)
        out.append(extractor(trim_silence(audio.samples, top_db=30.0), audio.sample_rate))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data-root", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data")
    )
    ap.add_argument("--arch", default="dcnn", choices=["dcnn", "adcrnn"])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--patience", type=int, default=5)
    ap.add_argument("--crop-frames", type=int, default=300)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    frame = load_ravdess(Path(args.data_root) / "ravdess")
    X = logmel3_clips(frame["path"].tolist())
    y = frame["label"].to_numpy()
    groups = frame["speaker"].to_numpy()
    t_feat = time.perf_counter() - t0
    frames = np.array([x.shape[2] for x in X])
    print(
        f"{len(X)} clips, {len(set(groups))} actors, {len(set(y))} classes; logmel3 in {t_feat:.0f} s; "
        f"frames after trimming: median {np.median(frames):.0f}, min {frames.min()}, max {frames.max()}"
    )

    cv = StratifiedGroupKFold(n_splits=args.folds, shuffle=True, random_state=0)
    y_pred = np.empty_like(y)
    folds = []
    for k, (tr, te) in enumerate(cv.split(np.zeros(len(y)), y, groups)):
        t1 = time.perf_counter()
        model = LogMelCNN(
            args.arch,
            epochs=args.epochs,
            patience=args.patience,
            crop_frames=args.crop_frames,
            width=args.width,
            n_threads=args.threads,
            seed=0,
        )
        model.fit([X[i] for i in tr], y[tr], groups=groups[tr])
        y_pred[te] = model.predict([X[i] for i in te])
        rep = classification_report(y[te], y_pred[te])
        folds.append(
            {
                "fold": k,
                "wa": rep.wa,
                "ua": rep.ua,
                "epochs": model.n_epochs_,
                "best_epoch": model.best_epoch_,
                "seconds": round(time.perf_counter() - t1, 1),
            }
        )
        print(
            f"fold {k}: WA {rep.wa:.3f}  UA {rep.ua:.3f}  epochs {model.n_epochs_} "
            f"(best {model.best_epoch_}) {time.perf_counter() - t1:.0f} s",
            flush=True,
        )

    pooled = classification_report(y, y_pred)
    was, uas = [f["wa"] for f in folds], [f["ua"] for f in folds]
    total = time.perf_counter() - t0
    print(
        f"\n{args.arch} on logmel3, RAVDESS 8 classes, {args.folds} folds by actor, {args.threads} threads:"
    )
    print(
        f"  WA {np.mean(was):.3f} ± {np.std(was):.3f}   UA {np.mean(uas):.3f} ± {np.std(uas):.3f}   "
        f"(pooled WA {pooled.wa:.3f}, UA {pooled.ua:.3f}, macro-F1 {pooled.macro_f1:.3f})"
    )
    print(f"  chance UA {pooled.chance_ua:.3f}, label-prior WA {pooled.chance_wa:.3f}; total {total:.0f} s")
    print("  per-class recall: " + ", ".join(f"{k} {v:.2f}" for k, v in pooled.per_class_recall.items()))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"args": vars(args), "folds": folds, "pooled": pooled.to_dict(), "seconds": round(total, 1)},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
