"""Which Whisper-base encoder layers generalise best to unseen corpora (issue 9).

``extract``: every layer's mean+std pooled states (``whisper-base-layers``, torch float32) of the
default recipe's clips (4 corpora), computed once into one ``.npz`` under ``~/.cache/emoscore/``
(resumable: rows are saved every chunk). Besides the 7 layers (0 = convolution stem + positions,
1-5 = residual stream after block k, 6 = after the final LayerNorm, what ``whisper-base`` pools)
it stores layers 0-5 through a parameter-free per-frame LayerNorm (``ln0`` … ``ln5``).

``evaluate``: leave-one-corpus-out of the default recipe (6 shared classes and
neutral/happy/sad/angry), each variant with eGeMAPS (88, from the cached default features)
appended as the default does, plus the RAVDESS 5-fold speaker CV for variants named in
``--kfold``. The first row is the shipped default's own cached features (CTranslate2 int8).

``verify``: the torch encoder's last layer against CTranslate2's output (float32 and int8) on
real clips.

``cost``: CPU seconds per clip (one thread) of the torch encoder (all layers) against the
CTranslate2 int8 encoder (last layer), on real clips of the 4 corpora.

    nice -n 10 .venv/bin/python benchmarks/whisper_layers.py extract
    nice -n 10 .venv/bin/python benchmarks/whisper_layers.py evaluate [--variants L6,L3,...] [--kfold L6,...]
    nice -n 10 .venv/bin/python benchmarks/whisper_layers.py verify [--clips 40]
    nice -n 10 .venv/bin/python benchmarks/whisper_layers.py cost [--clips 40]
"""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path

import numpy as np

from emoscore.corpora import load_corpora
from emoscore.features import FeatureCache, default_cache_root, extract_files, load_clip
from emoscore.features.whisper import WhisperExtractor
from emoscore.features.whisper_layers import N_LAYERS, WhisperLayersExtractor
from emoscore.models.recipe import load_recipe
from emoscore.models.training import FeatureTable, recipe_extractor, training_table
from emoscore.protocols.evaluation import cross_validate, leave_one_corpus_out

CACHE = default_cache_root() / "whisper_layers_default.npz"
D2 = 1024  # mean+std of one 512-wide layer
EGEMAPS = slice(1024, 1112)  # in the default features (whisper-base mean+std, then eGeMAPS)
FOUR = ["neutral", "happy", "sad", "angry"]
BLOCKS = [f"L{i}" for i in range(N_LAYERS + 1)] + [f"ln{i}" for i in range(N_LAYERS)]


class AllLayers(WhisperLayersExtractor):
    """Every block of :data:`BLOCKS` side by side (benchmark only: 13 × 1024 values per clip)."""

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        states = [s[0] for s in self.layer_states(self.log_mel(samples, sample_rate)[None])]
        normed = [F.layer_norm(torch.from_numpy(s), (s.shape[-1],), eps=1e-5).numpy() for s in states[:-1]]
        return np.concatenate([self._pool(h) for h in states + normed]).astype(np.float32)


def default_table():
    recipe = load_recipe("default")
    frame = load_corpora(list(recipe.corpora), labels=recipe.labels)
    table = training_table(frame, recipe_extractor(recipe), recipe, cache=FeatureCache())
    assert table.X.shape[1] == 1112, table.X.shape
    return recipe, table


def extract(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(1)
    recipe, table = default_table()
    paths = table.frame["path"].astype(str).tolist()
    partial_path = CACHE.with_suffix(".partial.npz")
    done: list[np.ndarray] = []
    if partial_path.is_file():
        z = np.load(partial_path, allow_pickle=False)
        if list(z["paths"][: len(z["X"])]) == paths[: len(z["X"])]:
            done = list(z["X"])
    print(f"# {len(paths)} clips, {len(done)} already done -> {CACHE}", flush=True)
    ex = AllLayers(layers=tuple(range(N_LAYERS + 1)), threads=1)
    t0, c0, start = time.time(), time.process_time(), len(done)
    for a in range(len(done), len(paths), args.chunk):
        part = paths[a : a + args.chunk]
        done.extend(extract_files(part, ex, preprocessing=recipe.preprocessing, cache=None))
        np.savez(partial_path, X=np.vstack(done), paths=np.asarray(paths))
        n = a + len(part)
        print(
            f"{n}/{len(paths)} clips, {time.time() - t0:.0f} s wall, "
            f"{(time.process_time() - c0) / (n - start):.3f} CPU s/clip so far",
            flush=True,
        )
    X = np.vstack(done).astype(np.float32)
    np.savez(CACHE, X=X, paths=np.asarray(paths), blocks=np.asarray(BLOCKS))
    partial_path.unlink(missing_ok=True)
    print(f"# wrote {CACHE} {X.shape} in {time.time() - t0:.0f} s wall", flush=True)


def variant_columns(name: str) -> list[slice] | tuple[str, list[slice]]:
    """``L3`` one block; ``L2+L3`` concatenated; ``avg:L2+L3+L4`` pooled vectors averaged."""
    how, _, spec = name.rpartition(":")
    cols = [slice(BLOCKS.index(b) * D2, (BLOCKS.index(b) + 1) * D2) for b in spec.split("+")]
    return (how, cols) if how else cols


def evaluate(args: argparse.Namespace) -> None:
    recipe, table = default_table()
    names = [n for n in args.variants.split(",") if n]
    egemaps, layers = table.X[:, EGEMAPS], None
    if any(n != "default" for n in names):
        z = np.load(CACHE, allow_pickle=False)
        assert list(z["paths"]) == table.frame["path"].astype(str).tolist(), (
            "cache rows differ from the table"
        )
        layers = z["X"]
    kfold = set(filter(None, args.kfold.split(",")))
    out = json.loads(Path(args.json).read_text()) if args.json and Path(args.json).is_file() else []
    print(
        "| variant | dims | LOCO mean UA, 6 classes | 4 classes | RAVDESS 5-fold UA | per corpus (6) | CPU s |"
    )
    print("|---|---|---|---|---|---|---|", flush=True)
    for name in names:
        if layers is None or name == "default":  # the shipped features: CTranslate2 int8 last layer + eGeMAPS
            X = table.X
        else:
            cols = variant_columns(name)
            if isinstance(cols, tuple):
                whisper = np.mean([layers[:, c] for c in cols[1]], axis=0)
            else:
                whisper = np.concatenate([layers[:, c] for c in cols], axis=1)
            X = np.concatenate([whisper, egemaps], axis=1).astype(np.float32)
        sub = FeatureTable(table.frame, X, table.errors)
        t0 = time.process_time()
        loco = leave_one_corpus_out(recipe, sub)
        four = loco.narrowed(FOUR)
        cv_ua = None
        if name in kfold:
            cv = cross_validate(recipe, sub, test_corpus="ravdess", protocol="speaker-kfold", folds=5,
                                seed=recipe.seed)  # fmt: skip
            cv_ua = cv.report.ua
        cpu = time.process_time() - t0
        per = ", ".join(f"{r.corpus} {r.report.ua:.3f}" for r in loco.results)
        cv_s = f"{cv_ua:.3f}" if cv_ua is not None else "-"
        print(f"| {name} | {X.shape[1]} | {loco.mean_ua:.3f} | {four.mean_ua:.3f} | {cv_s} | {per} | {cpu:.0f} |",
              flush=True)  # fmt: skip
        out.append({"variant": name, "dims": int(X.shape[1]), "loco6": loco.to_dict(),
                    "loco4_mean_ua": four.mean_ua, "ravdess_kfold_ua": cv_ua, "cpu_s": cpu})  # fmt: skip
        if args.json:
            Path(args.json).write_text(json.dumps(out, indent=2, default=str))


def verify(args: argparse.Namespace) -> None:
    """Last layer (after the final LayerNorm) of the torch encoder against CTranslate2's output on
    the same log-mels of real clips: frame states and mean+std pooled vectors."""
    import torch

    torch.set_num_threads(1)
    recipe, table = default_table()
    frame = table.frame.groupby("corpus", group_keys=False).apply(
        lambda g: g.sample(min(len(g), args.clips // 4), random_state=1)
    )
    mine = WhisperLayersExtractor(layers=(N_LAYERS,))
    print("| CTranslate2 compute type | clips | frame max abs diff | max abs diff / max abs value "
          "| frame ‖diff‖/‖CT2‖ (max) | pooled max abs diff | pooled cosine (min) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for compute_type in ("float32", "int8"):
        ct2 = WhisperExtractor("base", compute_type=compute_type)
        frame_diff, rel, fro, pooled_diff, cos = 0.0, 0.0, 0.0, 0.0, 1.0
        for path in frame["path"]:
            mel = ct2.log_mel(load_clip(path, recipe.preprocessing), 16_000)[None]
            a, b = ct2._encode(mel)[0], mine.layer_states(mel)[-1][0]
            frame_diff = max(frame_diff, float(np.abs(a - b).max()))
            rel = max(rel, float(np.abs(a - b).max() / np.abs(a).max()))
            fro = max(fro, float(np.linalg.norm(a - b) / np.linalg.norm(a)))
            pa, pb = ct2._pool(a), mine._pool(b)
            pooled_diff = max(pooled_diff, float(np.abs(pa - pb).max()))
            cos = min(cos, float(pa @ pb / np.linalg.norm(pa) / np.linalg.norm(pb)))
        print(f"| {compute_type} | {len(frame)} | {frame_diff:.2g} | {rel:.2g} | {fro:.2g} | {pooled_diff:.2g} | {cos:.6f} |",
              flush=True)  # fmt: skip


def cost(args: argparse.Namespace) -> None:
    """CPU time per clip, one thread, same clips and log-mels, model loading excluded."""
    import torch

    torch.set_num_threads(1)
    recipe, table = default_table()
    frame = table.frame.groupby("corpus", group_keys=False).apply(
        lambda g: g.sample(min(len(g), args.clips // 4), random_state=0)
    )
    clips = [load_clip(p, recipe.preprocessing) for p in frame["path"]]
    ct2 = WhisperExtractor("base", compute_type="int8", threads=1)
    torch_enc = WhisperLayersExtractor(layers=tuple(range(N_LAYERS + 1)), threads=1)
    mels = [ct2.log_mel(c, 16_000)[None] for c in clips]
    seconds = sum(m.shape[2] for m in mels) / 100
    ct2._encode(mels[0])  # load and warm both
    torch_enc.layer_states(mels[0])
    for label, encode in (
        ("CTranslate2 int8 (last layer, whisper-base)", ct2._encode),
        ("torch float32 (all 7 layers)", torch_enc.layer_states),
        ("torch float32 (layers 0-3: stem + 3 blocks)", partial(torch_enc.layer_states, last=3)),
    ):
        best = []
        for _ in range(args.repeats):
            c0 = time.process_time()
            for m in mels:
                encode(m)
            best.append(time.process_time() - c0)
        cpu = min(best)
        print(f"| {label} | {len(mels)} clips, {seconds:.0f} s audio | {1000 * cpu / len(mels):.1f} ms CPU/clip "
              f"| {1000 * cpu / seconds:.1f} ms CPU per audio s |", flush=True)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    e = sub.add_parser("extract")
    e.add_argument("--chunk", type=int, default=100)
    v = sub.add_parser("evaluate")
    v.add_argument("--variants", default="default," + ",".join(f"L{i}" for i in range(N_LAYERS + 1)))
    v.add_argument("--kfold", default="")
    v.add_argument("--json", default=None)
    f = sub.add_parser("verify")
    f.add_argument("--clips", type=int, default=40)
    c = sub.add_parser("cost")
    c.add_argument("--clips", type=int, default=40)
    c.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    {"extract": extract, "evaluate": evaluate, "verify": verify, "cost": cost}[args.command](args)


if __name__ == "__main__":
    main()
