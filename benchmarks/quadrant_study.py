"""Quadrant study (issue 14): what moves 4Q artist-grouped UA beyond 0.74?

Loads per-window feature blocks of the 4Q clips (the feature-cache entries ``emoscore train
--task quadrant`` computes; missing ones are computed first), then scores configurations over
several CV seeds (StratifiedGroupKFold by artist, 5 folds; seed 0 is the split ``emoscore
train`` prints), so a difference is read against the spread between splits, not one split.

A configuration is ``|``-separated groups of ``+``-joined blocks: one standardised, balanced
logistic regression per group on its blocks side by side (early fusion), groups averaged
(late fusion); a clip is scored by the mean (``--agg logmean``: geometric mean) of its
windows' probabilities, as ``WindowPooledClassifier`` does. Blocks: see ``BLOCKS``; ``wlK`` is
Whisper-base encoder layer K (torch re-build, ``whisper-base-layers``); ``tonal`` are key /
mode / chord / tonnetz / pulse / contrast descriptors per window (librosa, computed here:
``pip install librosa`` into the venv first; not an emoscore dependency).
``lyrics`` is the clip's words (Whisper-base, translated to English; about 5 CPU s per clip the
first time, then from the transcript cache) as a MiniLM sentence vector, the same for every
window.

Options: ``--weight pquad`` weights training windows by the 4Q annotation's PQuad (the share
of a song's mood tags in its quadrant); ``--special BLOCKS`` re-splits the low-arousal mass
(Q3 + Q4) with a Q3-vs-Q4 specialist; ``--overlap`` lets windows overlap (``max_windows``
evenly spread even when they exceed the clip's length / 4 s; cache entries are per span).

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/quadrant_study.py \
        --configs "w3+msd;w3+msd|w3+mtt;w3+msd+tonal" --seeds 0,1,2,3,4
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import emoscore.features.windowed as windowed
from emoscore.corpora.tasks import load_corpora_for
from emoscore.features import FeatureCache, default_cache_root
from emoscore.features.extract import load_clip
from emoscore.models.recipe import load_recipe
from emoscore.models.training import compute_features, recipe_extractor
from emoscore.protocols.splits import make_splits

# block name -> (feature set, feature params)
BLOCKS: dict[str, tuple[str, dict[str, Any]]] = {
    "w3": ("whisper-base", {"depth": 3}),
    "w6": ("whisper-base", {}),
    "msd": ("musicnn-msd", {}),
    "mtt": ("musicnn-mtt", {}),
    "msdtags": ("musicnn-msd-tags", {}),
    "mtttags": ("musicnn-mtt-tags", {}),
    "msdpool": ("musicnn-msd-pool", {}),
    "mttpool": ("musicnn-mtt-pool", {}),
    # every encoder layer 0..6 in one cache entry; "wlK" slices layer K out
    "wall": ("whisper-base-layers", {"layers": tuple(range(7))}),
}
WIDTH = 1024  # a Whisper-base layer, mean+std

# Krumhansl-Kessler key profiles (major, minor), tonic first
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def _unit(v: np.ndarray) -> np.ndarray:
    v = v - v.mean(axis=-1, keepdims=True)
    return v / (np.linalg.norm(v, axis=-1, keepdims=True) + 1e-9)


def _templates() -> tuple[np.ndarray, np.ndarray]:
    keys = np.stack([np.roll(_MAJOR, k) for k in range(12)] + [np.roll(_MINOR, k) for k in range(12)])
    triads = np.zeros((24, 12))
    for k in range(12):
        triads[k, [k, (k + 4) % 12, (k + 7) % 12]] = 1  # major triad on k
        triads[12 + k, [k, (k + 3) % 12, (k + 7) % 12]] = 1  # minor triad on k
    return _unit(keys), _unit(triads)


def tonal_descriptors(w: np.ndarray, sr: int) -> np.ndarray:
    """57 values per window: key fit (major, minor, their difference), key-relative chroma,
    share of minor-triad frames, chord-change rate, chroma entropy, tonnetz, pulse clarity and
    period, onset rate, spectral contrast, flatness and loudness spread."""
    import librosa

    keys, triads = _templates()
    hop = 512
    chroma = librosa.feature.chroma_cqt(y=w, sr=sr, hop_length=hop)
    mean = chroma.mean(axis=1)
    fit = keys @ _unit(mean)
    best = int(fit.argmax())
    rel = np.roll(mean / (mean.sum() + 1e-9), -(best % 12))
    chords = triads @ _unit(chroma.T).T
    chord = chords.argmax(axis=0)
    change = float(np.mean(chord[1:] != chord[:-1])) if len(chord) > 1 else 0.0
    share = chroma / (chroma.sum(axis=0, keepdims=True) + 1e-9)
    entropy = -(share * np.log(share + 1e-9)).sum(axis=0)
    tonnetz = librosa.feature.tonnetz(y=w, sr=sr, chroma=chroma)
    onset = librosa.onset.onset_strength(y=w, sr=sr, hop_length=hop)
    ac = librosa.autocorrelate(onset - onset.mean())
    ac = ac / (ac[0] + 1e-9)
    lo, hi = int(0.25 * sr / hop), int(1.5 * sr / hop)
    pulse, period = (
        (float(ac[lo:hi].max()), (int(np.argmax(ac[lo:hi])) + lo) * hop / sr) if hi < len(ac) else (0.0, 0.0)
    )
    onsets = librosa.onset.onset_detect(onset_envelope=onset, sr=sr, hop_length=hop)
    spec = np.abs(librosa.stft(w, n_fft=1024, hop_length=hop))
    contrast = librosa.feature.spectral_contrast(S=spec, sr=sr)
    flat = librosa.feature.spectral_flatness(S=spec)
    level = np.log(librosa.feature.rms(S=spec, frame_length=1024)[0] + 1e-6)
    return np.concatenate(
        [
            [fit[:12].max(), fit[12:].max(), fit[:12].max() - fit[12:].max(), fit.max(), float(best < 12)],
            rel,
            [float(np.mean(chord >= 12)), chords.max(axis=0).mean(), change, entropy.mean(), entropy.std()],
            tonnetz.mean(axis=1),
            tonnetz.std(axis=1),
            [onset.mean(), onset.std(), pulse, period, len(onsets) / (len(w) / sr)],
            contrast.mean(axis=1),
            contrast.std(axis=1),
            [np.log(flat + 1e-9).mean(), level.mean(), level.std(), np.ptp(np.percentile(level, [5, 95]))],
        ]
    ).astype(np.float32)


def _tonal_block(frame: pd.DataFrame, max_windows: int, overlap: bool) -> list[np.ndarray]:
    """Per-window tonal descriptors, computed once into ``<cache root>/studies/``."""
    path = default_cache_root() / "studies" / f"quadrant_tonal_{max_windows}{'o' if overlap else ''}.npz"
    paths = frame["path"].tolist()
    if path.exists():
        z = np.load(path, allow_pickle=False)
        if list(z["paths"]) == paths:
            return [z[f"x{i}"] for i in range(len(paths))]
    pre = load_recipe("quadrant").preprocessing
    rate = pre.sample_rate
    t = time.time()
    out = []
    for i, p in enumerate(paths):
        y = load_clip(p, pre)
        spans = windowed.excerpt_spans(len(y), rate, 4.0, max_windows)
        out.append(np.stack([tonal_descriptors(y[a:b], rate) for a, b in spans]))
        if i % 100 == 0:
            print(f"# tonal {i}/{len(paths)} clips, {time.time() - t:.0f} s", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, paths=np.array(paths), **{f"x{i}": x for i, x in enumerate(out)})
    return out


def _lyrics_block(frame: pd.DataFrame, n_win: list[int] | None, cache: FeatureCache) -> list[np.ndarray]:
    """The clip's words (Whisper-base, translated to English; the transcript cache makes reruns
    cheap) as a MiniLM sentence vector, repeated for each of the clip's windows."""
    from emoscore.features.asr import Transcriber, clip_file_words
    from emoscore.models.text import embed_texts

    paths = frame["path"].tolist()
    transcriber = Transcriber("base", threads=1)
    words: list[str] = []
    t = time.time()
    for i in range(0, len(paths), 8):
        words += clip_file_words(paths[i : i + 8], transcriber, translate=True)
        if i % 96 == 0:
            print(f"# lyrics {i}/{len(paths)} clips, {time.time() - t:.0f} s", flush=True)
    X = embed_texts(words, cache=cache)
    return [np.repeat(X[i : i + 1], n_win[i] if n_win else 1, axis=0) for i in range(len(paths))]


def _overlapping_spans(
    n_samples: int, sample_rate: int, window: float, max_windows: int
) -> list[tuple[int, int]]:
    w = int(round(window * sample_rate))
    if n_samples <= int(1.5 * w):
        return [(0, n_samples)]
    starts = np.linspace(0, n_samples - w, max_windows).round().astype(int)
    return [(int(s), int(s) + w) for s in starts]


def load_blocks(
    names: list[str], max_windows: int, overlap: bool
) -> tuple[pd.DataFrame, dict[str, list[np.ndarray]]]:
    """The 4Q frame (with ``pquad``) and each block's (windows, d) matrices per clip."""
    if overlap:
        windowed.excerpt_spans = _overlapping_spans  # type: ignore[assignment]
    base = load_recipe("quadrant")
    cache = FeatureCache()
    frame = load_corpora_for(base.task, list(base.corpora), None, labels=base.labels).reset_index(drop=True)
    ann = pd.read_csv(Path(frame["path"].iloc[0]).parents[2] / "annotations.csv").set_index("Song")
    stems = frame["path"].map(lambda p: Path(p).stem)
    frame = frame.assign(
        pquad=stems.map(ann["PQuad"]).astype(float).to_numpy(),
        genre=stems.map(ann["GenresStr"]).fillna("").map(lambda g: g.split(";")[0].strip()).to_numpy(),
    )
    if any(n.startswith("wl") for n in names):
        names = [*names, "wall"]
    out: dict[str, list[np.ndarray]] = {}
    # layer slices after the block they cut, lyrics after a block that gives the window counts
    for name in sorted(set(names), key=lambda n: (n == "lyrics", n.startswith("wl"))):
        t = time.time()
        if name == "tonal":
            out[name] = _tonal_block(frame, max_windows, overlap)
        elif name == "lyrics":
            n_win = [len(x) for x in out[min(out)]] if out else None
            out[name] = _lyrics_block(frame, n_win, cache)
        elif name.startswith("wl"):
            k = int(name[2:])
            out[name] = [x[:, k * WIDTH : (k + 1) * WIDTH] for x in out["wall"]]
        else:
            spec, fp = BLOCKS[name]
            recipe = base.with_overrides(features=spec, params={**base.params, "max_windows": max_windows})
            recipe = recipe.with_overrides(feature_params=fp)
            table = compute_features(frame, recipe_extractor(recipe), recipe, cache=cache)
            if len(table.frame) != len(frame):
                raise SystemExit(f"{name}: {len(frame) - len(table.frame)} clips could not be read")
            out[name] = [np.atleast_2d(np.asarray(x, dtype=np.float32)) for x in table.X]
        print(f"# block {name}: {out[name][0].shape[1]} dims, {time.time() - t:.0f} s", flush=True)
    return frame, out


def _fit_proba(
    Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, C: float, w: np.ndarray | None, head: str = "logreg"
) -> tuple[np.ndarray, np.ndarray]:
    scale = StandardScaler().fit(Xtr)
    if head == "lda":  # shrinkage LDA, equal priors (balanced like the regression)
        n = len(np.unique(ytr))
        clf: Any = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto", priors=np.full(n, 1 / n))
        clf.fit(scale.transform(Xtr), ytr)
    else:
        clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
        clf.fit(scale.transform(Xtr), ytr, sample_weight=w)
    return clf.classes_, clf.predict_proba(scale.transform(Xte))


def _clip_mean(window_proba: np.ndarray, lengths: np.ndarray, agg: str) -> np.ndarray:
    bounds = np.cumsum([0, *lengths])
    spans = list(zip(bounds[:-1], bounds[1:], strict=True))
    if agg != "logmean":
        return np.vstack([window_proba[a:b].mean(axis=0) for a, b in spans])
    logs = np.vstack([np.log(window_proba[a:b] + 1e-9).mean(axis=0) for a, b in spans])
    p = np.exp(logs - logs.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def cv_predictions(
    frame: pd.DataFrame,
    blocks: dict[str, list[np.ndarray]],
    config: list[list[str]],
    *,
    C: float,
    seeds: list[int],
    agg: str = "mean",
    weight: str = "none",
    special: list[str] | None = None,
    special_C: float = 0.003,
    head: str = "logreg",
) -> list[np.ndarray]:
    """Each clip's predicted quadrant, for each CV seed."""
    y = frame["label"].astype(str).to_numpy()
    g = frame["speaker"].astype(str).to_numpy()
    n_win = np.array([len(x) for x in next(iter(blocks.values()))])
    pquad = frame["pquad"].to_numpy(dtype=float)

    # each group's blocks side by side, once per clip (not once per fold and seed)
    joined = {
        tuple(names): [np.hstack([blocks[b][i] for b in names]) for i in range(len(y))]
        for names in [*config, *([special] if special else [])]
    }

    def stacked(names: list[str], rows: np.ndarray) -> np.ndarray:
        return np.vstack([joined[tuple(names)][i] for i in rows])

    preds = []
    for seed in seeds:
        pred = np.empty(len(y), dtype=object)
        for tr, te in make_splits("speaker-kfold", y, g, folds=5, seed=seed):
            w = np.repeat(pquad[tr], n_win[tr]) if weight == "pquad" else None
            total = np.zeros((len(te), 4))
            for names in config:
                classes, pw = _fit_proba(
                    stacked(names, tr), np.repeat(y[tr], n_win[tr]), stacked(names, te), C, w, head
                )
                total += _clip_mean(pw, n_win[te], agg) / len(config)
            if special:
                low = tr[np.isin(y[tr], ["Q3", "Q4"])]
                _, pb = _fit_proba(
                    stacked(special, low),
                    np.repeat(y[low], n_win[low]),
                    stacked(special, te),
                    special_C,
                    None,
                )
                p34 = _clip_mean(pb, n_win[te], "mean")
                mass = total[:, 2] + total[:, 3]
                total[:, 2], total[:, 3] = mass * p34[:, 0], mass * p34[:, 1]
            pred[te] = classes[np.argmax(total, axis=1)]
        preds.append(pred.astype(str))
    return preds


def unweighted_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean([np.mean(pred[y == c] == c) for c in np.unique(y)]))


def diagnose(frame: pd.DataFrame, pred: np.ndarray) -> None:
    """Where the errors are: by annotation strength (PQuad) and, for Q3/Q4, by genre."""
    y = frame["label"].astype(str).to_numpy()
    pquad = frame["pquad"].to_numpy(dtype=float)
    for lo, hi in ((0.0, 0.6), (0.6, 0.75), (0.75, 1.01)):
        m = (pquad >= lo) & (pquad < hi)
        print(f"# PQuad [{lo}, {hi}): n={m.sum()} UA {unweighted_accuracy(y[m], pred[m]):.3f}")
    table = pd.DataFrame({"true": y, "predicted": pred, "genre": frame["genre"].to_numpy()})
    low = table[table["true"].isin(["Q3", "Q4"])]
    print(pd.crosstab(low["genre"], [low["true"], low["predicted"]]).to_string())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--configs", required=True, help="';'-separated configurations, e.g. 'w3+msd;w3+msd|w3+mtt'"
    )
    ap.add_argument("--max-windows", type=int, default=7)
    ap.add_argument("--overlap", action="store_true")
    ap.add_argument("--C", default="0.003", help="comma-separated")
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--agg", default="mean", help="mean, logmean (comma-separated)")
    ap.add_argument("--weight", default="none", help="none, pquad (comma-separated)")
    ap.add_argument("--special", default=None, help="'+'-joined blocks of a Q3-vs-Q4 specialist")
    ap.add_argument("--special-C", type=float, default=0.003)
    ap.add_argument("--head", default="logreg", help="logreg or lda")
    ap.add_argument("--diagnose", action="store_true", help="error breakdown of the first split")
    a = ap.parse_args()
    print("$", " ".join(sys.argv), flush=True)
    texts = a.configs.split(";")
    configs = [[grp.split("+") for grp in c.split("|")] for c in texts]
    special = a.special.split("+") if a.special else None
    names = sorted({b for c in configs for grp in c for b in grp} | set(special or []))
    frame, blocks = load_blocks(names, a.max_windows, a.overlap)
    seeds = [int(s) for s in a.seeds.split(",")]
    print("| config | head | windows | C | agg | weight | specialist | UA per seed | mean UA | sd |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for config, text in zip(configs, texts, strict=True):
        for C in [float(x) for x in a.C.split(",")]:
            for agg in a.agg.split(","):
                for weight in a.weight.split(","):
                    preds = cv_predictions(
                        frame,
                        blocks,
                        config,
                        C=C,
                        seeds=seeds,
                        agg=agg,
                        weight=weight,
                        special=special,
                        special_C=a.special_C,
                        head=a.head,
                    )
                    y = frame["label"].astype(str).to_numpy()
                    uas = [unweighted_accuracy(y, p) for p in preds]
                    print(
                        f"| {text} | {a.head} | {a.max_windows}{' overlapping' if a.overlap else ''} | {C} | {agg} | "
                        f"{weight} | {a.special or '-'} | {' '.join(f'{u:.3f}' for u in uas)} | "
                        f"{np.mean(uas):.3f} | {np.std(uas):.3f} |",
                        flush=True,
                    )
                    if a.diagnose:
                        diagnose(frame, preds[0])


if __name__ == "__main__":
    main()
