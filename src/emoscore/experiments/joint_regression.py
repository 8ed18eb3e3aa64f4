"""Paper 004's regression models in the mixing-ratio design: ElasticNet and SVR on PCA of
standardised openSMILE features, scored by RMSE, R² and CCC per dimension, beside a
mean predictor (R² ≈ 0).

Continuous targets in [-1, 1] come from emoMusic's human curves (the mean curve value over
fixed windows of the 15–45 s span, one row per window, grouped by clip artist) and from speech
clips whose class maps to a valence/arousal coordinate in the taxonomy (rescaled from [0, 1]).
The table logic is :func:`emoscore.experiments.joint.joint_table`, once per model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from emoscore.errors import ConfigError, DataError
from emoscore.experiments.joint import JointData, joint_table

#: models of paper 004 (plus the baseline), in table order
MODELS = ("mean", "elasticnet", "svr")
REG_COLUMNS = ("test", "dimension", "model", "k", "p", "n_train", "n_test", "rmse", "r2", "ccc")


def ccc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Lin's concordance correlation coefficient (1: identical, 0: no agreement).

    >>> round(ccc(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0])), 3)
    1.0
    >>> ccc(np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 1.0]))
    0.0
    """
    t, p = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    cov = float(np.mean((t - t.mean()) * (p - p.mean())))
    den = float(t.var() + p.var() + (t.mean() - p.mean()) ** 2)
    return 2.0 * cov / den if den > 0 else float("nan")


def regression_models(n_components: float | int = 0.95) -> dict[str, Callable[[], Any]]:
    """Factories of the paper 004 regressors: StandardScaler → PCA → ElasticNet / SVR, and the
    training-mean baseline. ``n_components`` < 1 keeps that share of the variance."""
    from sklearn.decomposition import PCA
    from sklearn.dummy import DummyRegressor
    from sklearn.linear_model import ElasticNet
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVR

    if not (0 < n_components < 1 or (float(n_components).is_integer() and n_components >= 1)):
        raise ConfigError(f"PCA components {n_components}: a share in (0, 1) or a whole number ≥ 1")
    nc: float | int = n_components if n_components < 1 else int(n_components)

    def pca() -> Any:
        return PCA(n_components=nc, svd_solver="full", random_state=0)

    return {
        "mean": lambda: DummyRegressor(strategy="mean"),
        "elasticnet": lambda: make_pipeline(
            StandardScaler(), pca(), ElasticNet(alpha=0.05, l1_ratio=0.5, max_iter=10_000)
        ),
        "svr": lambda: make_pipeline(StandardScaler(), pca(), SVR(kernel="rbf", C=1.0, epsilon=0.1)),
    }


def regression_table(
    a: JointData,
    b: JointData,
    *,
    ks: Sequence[float],
    ps: Sequence[float],
    models: Mapping[str, Callable[[], Any]] | None = None,
    dimensions: Sequence[str] = ("valence", "arousal"),
    folds: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (test set, dimension, model, k, p): RMSE, R² and CCC over the held-out folds.

    Every model sees the same grouped folds and the same ``k``/``p`` draws (same seed).
    """
    models = dict(models) if models is not None else regression_models()
    for d in (a, b):
        for dim in dimensions:
            y = d.targets.get(dim)
            if y is None or y.dtype.kind not in "fi":
                raise ConfigError(f"{d.name}: {dim} targets must be numbers in [-1, 1] for regression")
    parts = []
    for name, factory in models.items():
        t = joint_table(
            a,
            b,
            ks=ks,
            ps=ps,
            make_classifier=factory,
            make_regressor=factory,
            dimensions=dimensions,
            folds=folds,
            seed=seed,
            keep_predictions=True,
        )
        t.insert(2, "model", name)
        parts.append(t)
    table = pd.concat(parts, ignore_index=True)
    table["ccc"] = [ccc(t, p) for t, p in zip(table.pop("y_true"), table.pop("y_pred"), strict=True)]
    order = {m: i for i, m in enumerate(models)}
    table = table.sort_values(
        ["test", "dimension", "k", "p", "model"], key=lambda s: s.map(order) if s.name == "model" else s
    )
    return table[list(REG_COLUMNS)].reset_index(drop=True)


def _window_rows(
    curve: pd.DataFrame, window: float, start: float, stop: float
) -> list[tuple[float, float, float]]:
    """(window start, mean valence, mean arousal) of consecutive windows over the curve span."""
    out = []
    t = curve["time"].to_numpy()
    s = start
    while s + window <= stop + 1e-9:
        inside = (t >= s - 1e-9) & (t < s + window - 1e-9)
        if inside.any():
            out.append(
                (
                    s,
                    float(curve["valence"].to_numpy()[inside].mean()),
                    float(curve["arousal"].to_numpy()[inside].mean()),
                )
            )
        s += window
    return out


def emomusic_windows(
    *,
    data_root: Any = None,
    features: str = "egemaps",
    window: float = 3.0,
    cache: Any = None,
) -> JointData:
    """emoMusic clips cut into consecutive ``window``-s windows over the annotated 15–45 s span;
    each window's target is the mean human curve value inside it; groups are the clips' artists
    (so no clip straddles train and test). Window features are cached per (file, span)."""
    from emoscore.audio.preprocess import Preprocessing
    from emoscore.corpora import find_corpus_folder, load_corpus, resolve_name
    from emoscore.corpora.music import load_emomusic_curves
    from emoscore.features import FeatureCache, get_extractor
    from emoscore.features.cache import cache_key, file_digest
    from emoscore.features.extract import feature_key, load_clip

    if window <= 0:
        raise ConfigError(f"window {window}: must be positive seconds")
    info = resolve_name("emomusic")
    folder = find_corpus_folder(info, data_root) if info is not None else None
    if folder is None:
        raise DataError("emomusic: corpus folder not found under the data root")
    clips = load_corpus("emomusic", data_root)
    curves = load_emomusic_curves(folder)
    extractor = get_extractor(features)
    if extractor.ndim != 1:
        raise ConfigError(f"feature set {features!r} is not a vector per window")
    prep = Preprocessing(trim_silence=False)  # keep clip time aligned with the curve time
    cache = FeatureCache() if cache is None else cache
    X, groups, val, aro = [], [], [], []
    for _, clip in clips.iterrows():
        curve = curves.get(str(clip["song_id"]))
        if curve is None:
            continue
        rows = _window_rows(curve, window, float(curve["time"].min()), float(curve["time"].max()) + 0.5)
        digest = file_digest(clip["path"])
        base = feature_key(digest, extractor, prep, None)
        y: np.ndarray | None = None
        rate = prep.sample_rate
        for s, v, a in rows:
            span = (int(round(s * rate)), int(round((s + window) * rate)))
            key = cache_key(base=base, span=span)
            f = cache.get(key)
            if f is None:
                y = load_clip(clip["path"], prep, None, digest) if y is None else y
                seg = y[span[0] : span[1]]
                if len(seg) < (span[1] - span[0]) // 2:
                    continue  # the audio ends before the annotated span does
                f = np.asarray(extractor(seg, rate), dtype=np.float32)
                cache.put(key, f)
            X.append(f)
            groups.append(str(clip["speaker"]))
            val.append(v)
            aro.append(a)
    if not X:
        raise DataError("emomusic: no clip has both audio and a human curve")
    return JointData(
        "emomusic",
        np.vstack(X),
        np.asarray(groups),
        {"valence": np.asarray(val, dtype=float), "arousal": np.asarray(aro, dtype=float)},
    )


def taxonomy_targets(
    names: Sequence[str],
    *,
    data_root: Any = None,
    features: str = "egemaps",
    n_jobs: int = 1,
    cache: Any = None,
) -> JointData:
    """Speech corpora with continuous targets: each class's taxonomy valence/arousal in [0, 1],
    rescaled to [-1, 1] (paper 004's scale); clips of classes without a coordinate are dropped."""
    from emoscore.corpora import load_corpora
    from emoscore.features import FeatureCache, extract_files, get_extractor
    from emoscore.taxonomy import load_taxonomy
    from emoscore.vocabulary import QUADRANTS

    frame = load_corpora(list(names), data_root)
    vad = load_taxonomy().vad
    if frame["label"].isin(QUADRANTS).any():
        raise ConfigError(
            f"{'+'.join(names)}: quadrant-labelled music has no continuous valence/arousal; use emomusic"
        )
    frame = frame[frame["label"].isin(vad)].reset_index(drop=True)
    if frame.empty:
        raise DataError(f"{'+'.join(names)}: no clip has a class with a taxonomy coordinate")
    cache = FeatureCache() if cache is None else cache
    X = np.vstack(extract_files(frame["path"].tolist(), get_extractor(features), cache=cache, n_jobs=n_jobs))
    coords = np.array([vad[lab] for lab in frame["label"]], dtype=float)
    return JointData(
        "+".join(names),
        X,
        frame["speaker"].astype(str).to_numpy(),
        {"valence": 2 * coords[:, 0] - 1, "arousal": 2 * coords[:, 1] - 1},
    )


def continuous_data(
    names: Sequence[str],
    *,
    data_root: Any = None,
    features: str = "egemaps",
    window: float = 3.0,
    n_jobs: int = 1,
) -> JointData:
    """``emomusic`` → curve windows; speech corpora → taxonomy coordinates."""
    if "emomusic" in names:
        if len(names) > 1:
            raise ConfigError("emomusic curve windows cannot be mixed with other corpora in one data set")
        return emomusic_windows(data_root=data_root, features=features, window=window)
    return taxonomy_targets(names, data_root=data_root, features=features, n_jobs=n_jobs)


def run_joint_regression(
    a: Sequence[str] = ("emomusic",),
    b: Sequence[str] = ("ravdess", "emodb"),
    *,
    ks: Sequence[float] = (0.5, 1.0),
    ps: Sequence[float] = (0.0, 0.5, 1.0),
    features: str = "egemaps",
    window: float = 3.0,
    n_components: float | int = 0.95,
    folds: int = 5,
    data_root: Any = None,
    n_jobs: int = 1,
    notify: Callable[[str], None] = lambda _m: None,
) -> pd.DataFrame:
    """Paper 004 tables 1–2 on real data: k × A + p × B, ElasticNet / SVR on PCA, per dimension."""
    da = continuous_data(a, data_root=data_root, features=features, window=window, n_jobs=n_jobs)
    db = continuous_data(b, data_root=data_root, features=features, window=window, n_jobs=n_jobs)
    notify(
        f"A = {da.name} ({len(da)} rows, {len(set(da.groups))} groups), "
        f"B = {db.name} ({len(db)} rows, {len(set(db.groups))} groups), {features}"
    )
    return regression_table(
        da, db, ks=ks, ps=ps, models=regression_models(n_components), folds=min(folds, len(set(da.groups)))
    )
