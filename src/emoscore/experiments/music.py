"""Music checks: EMOPIA quadrant accuracy on the official song-level split, and how well the
predicted valence/arousal timelines follow emoMusic's human curves (Pearson r per clip)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from emoscore.errors import DataError
from emoscore.models.bundle import ModelBundle


def emopia_split(
    *,
    data_root: Any = None,
    extra_corpora: tuple[str, ...] = (),
    max_windows: int = 2,
    n_jobs: int = 1,
    notify: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    """Train the quadrant recipe on EMOPIA's song-level train+val songs (plus ``extra_corpora``)
    and report WA/UA on its test songs, beside the chance levels. ``max_windows`` 4-s windows
    per clip (fewer than the recipe's, to keep 1078 renders affordable)."""
    from dataclasses import replace

    from emoscore.corpora.tasks import load_task_corpora
    from emoscore.features import FeatureCache
    from emoscore.models.recipe import recipe_for
    from emoscore.models.training import build_estimator, compute_features, recipe_extractor
    from emoscore.protocols.metrics import classification_report

    recipe = recipe_for("quadrant")
    recipe = replace(recipe, params={**recipe.params, "max_windows": max_windows})
    cache = FeatureCache()
    frame = load_task_corpora(["emopia", *extra_corpora], "quadrant", data_root, cache_root=cache.root)
    frame = frame[(frame["corpus"] != "emopia") | frame["split"].isin(["train", "val", "test"])]
    table = compute_features(
        frame.reset_index(drop=True), recipe_extractor(recipe), recipe, cache=cache, n_jobs=n_jobs
    )
    f = table.frame
    test = (f["corpus"] == "emopia").to_numpy() & (f["split"] == "test").to_numpy()
    notify(f"EMOPIA song-level split: {int((~test).sum())} training clips, {int(test.sum())} test clips")
    est = build_estimator(recipe).fit(table.X[~test], f["label"].to_numpy()[~test])
    pred = est.predict(table.X[test])
    r = classification_report(
        f["label"].to_numpy()[test].tolist(), list(pred), labels=["Q1", "Q2", "Q3", "Q4"]
    )
    out = r.to_dict()
    out.update(
        train_corpora=["emopia", *extra_corpora],
        n_train=int((~test).sum()),
        songs_test=int(f.loc[test, "speaker"].nunique()),
    )
    return out


def predicted_curve(
    path: str,
    bundle: ModelBundle,
    *,
    window: float = 4.0,
    hop: float = 1.0,
    memo: dict[Any, np.ndarray] | None = None,
) -> pd.DataFrame:
    """P(high) of a valence or arousal bundle per window: columns ``time`` (window centre), ``value``."""
    from emoscore.audio.decode import load_audio
    from emoscore.audio.preprocess import preprocess_clip

    rate = bundle.preprocessing.sample_rate
    y = preprocess_clip(load_audio(path, sample_rate=rate).samples, bundle.preprocessing, name=path)
    w, h = int(window * rate), int(hop * rate)
    starts = list(range(0, max(1, len(y) - w + 1), h))
    base = getattr(bundle.extractor, "base", bundle.extractor)
    key = (path, base, window, hop)
    memo = {} if memo is None else memo
    if key not in memo:
        memo[key] = np.vstack(base.batch([y[s : s + w] for s in starts], rate))
    X = np.empty(len(starts), dtype=object)
    for i, row in enumerate(memo[key]):
        X[i] = row[None]
    p = bundle.predict_proba(X)[:, list(bundle.labels).index("high")]
    return pd.DataFrame({"time": [(s + w / 2) / rate for s in starts], "value": p})


def curve_correlations(
    *,
    data_root: Any = None,
    valence: str = "valence",
    arousal: str = "arousal",
    window: float = 4.0,
    hop: float = 1.0,
    smooth: float = 0.0,
) -> pd.DataFrame:
    """Pearson r between each emoMusic clip's predicted and human curves (15–45 s, 0.5-s steps),
    per dimension; the last row is the mean over clips. ``smooth`` > 0 averages the predicted
    curve over that many seconds first (the human curves are smooth and lag the music)."""
    from emoscore.corpora import find_corpus_folder, load_corpus, resolve_name
    from emoscore.corpora.music import load_emomusic_curves
    from emoscore.models.registry import load_model

    info = resolve_name("emomusic")
    assert info is not None
    folder = find_corpus_folder(info, data_root)
    if folder is None:
        raise DataError("emomusic: corpus folder not found under the data root")
    clips = load_corpus("emomusic", data_root)
    curves = load_emomusic_curves(folder)
    bundles = {"valence": load_model(valence), "arousal": load_model(arousal)}
    memo: dict[Any, np.ndarray] = {}
    rows = []
    for _, clip in clips.iterrows():
        human = curves.get(str(clip["song_id"]))
        if human is None:
            continue
        row: dict[str, Any] = {"song_id": clip["song_id"]}
        for dim, bundle in bundles.items():
            pred = predicted_curve(clip["path"], bundle, window=window, hop=hop, memo=memo)
            k = max(1, int(round(smooth / hop)))  # centred moving average over ``smooth`` seconds
            values = pred["value"].rolling(k, center=True, min_periods=1).mean()
            at = np.interp(human["time"], pred["time"], values)
            truth = human[dim].to_numpy()
            row[f"r_{dim}"] = (
                float(np.corrcoef(at, truth)[0, 1]) if np.std(at) > 0 and np.std(truth) > 0 else np.nan
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    mean = {"song_id": "mean", **{c: float(table[c].mean()) for c in table.columns if c.startswith("r_")}}
    return pd.concat([table, pd.DataFrame([mean])], ignore_index=True)
