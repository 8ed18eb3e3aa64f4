"""Bundles: one zip with readable metadata and a checksummed model; every bad file is a ModelError."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest

from emoscore.audio.preprocess import Preprocessing
from emoscore.errors import ModelError
from emoscore.features import Seed94Extractor
from emoscore.models.bundle import BUNDLE_FORMAT, ModelBundle, load_bundle, read_metadata
from emoscore.models.classical import build_classifier

LABELS = ("sad", "happy", "angry")  # deliberately not the estimator's sorted class order


def fitted_bundle() -> tuple[ModelBundle, np.ndarray]:
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 5, size=(3, 94))
    X = np.vstack([c + rng.normal(0, 1, size=(20, 94)) for c in centres]).astype(np.float32)
    y = np.repeat(np.asarray(LABELS), 20)
    est = build_classifier("logreg", tune=False).fit(X, y)
    pre = Preprocessing(trim_silence=False, min_seconds=0.5)
    return ModelBundle(est, Seed94Extractor(), pre, LABELS, {"name": "tiny", "version": "2.1"}), X


@pytest.fixture
def saved(tmp_path: Path) -> tuple[ModelBundle, np.ndarray, Path]:
    bundle, X = fitted_bundle()
    return bundle, X, bundle.save(tmp_path / "tiny.emo")


def rewrite_member(path: Path, name: str, transform) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[name] = transform(members[name])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for n, data in members.items():
            zf.writestr(n, data)


def test_round_trip_gives_identical_probabilities(saved) -> None:
    bundle, X, path = saved
    loaded = load_bundle(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), bundle.predict_proba(X))
    assert loaded.labels == LABELS
    assert (loaded.name, loaded.version, loaded.task) == ("tiny", "2.1", "emotion")
    assert loaded.preprocessing == Preprocessing(trim_silence=False, min_seconds=0.5)
    assert loaded.extractor == Seed94Extractor()


def test_predict_proba_in_label_order_and_normalised(saved) -> None:
    bundle, X, _ = saved
    proba = bundle.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    raw = bundle.estimator.predict_proba(X)
    classes = list(bundle.estimator.classes_)
    assert classes != list(LABELS)
    for j, lab in enumerate(LABELS):
        np.testing.assert_allclose(proba[:, j], raw[:, classes.index(lab)], atol=1e-6)
    # each blob's rows are most probable under their own label
    assert [LABELS[i] for i in proba.argmax(axis=1)] == list(np.repeat(LABELS, 20))


def test_metadata_is_plain_json(saved) -> None:
    _, _, path = saved
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["metadata.json", "model.joblib"]
        raw = json.loads(zf.read("metadata.json"))
    meta = read_metadata(path)
    assert meta == raw
    assert meta["format"] == BUNDLE_FORMAT
    assert meta["labels"] == list(LABELS)
    assert meta["feature_set"] == "seed94"
    assert meta["feature_params"]["sample_rate"] == 16000
    assert meta["preprocessing"]["min_seconds"] == 0.5
    assert "scikit-learn" in meta["libraries"] and "numpy" in meta["libraries"]
    assert len(meta["sha256"]) == 64 and meta["created"]


def test_saved_bundle_has_normal_permissions(saved) -> None:
    _, _, path = saved
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode & stat.S_IRGRP, f"bundle mode {oct(mode)} hides it from the group"
    assert not list(path.parent.glob(".*part*")), "no temporary file left behind"


def test_flipped_byte_is_corrupt(saved) -> None:
    _, _, path = saved

    def flip(blob: bytes) -> bytes:
        b = bytearray(blob)
        b[len(b) // 2] ^= 0xFF
        return bytes(b)

    rewrite_member(path, "model.joblib", flip)  # a valid zip whose model no longer matches sha256
    with pytest.raises(ModelError, match="corrupt") as exc:
        load_bundle(path)
    assert str(path) in str(exc.value) and "sha256" in str(exc.value)


def test_byte_flipped_in_place_is_corrupt(saved) -> None:
    _, _, path = saved
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("model.joblib")
    middle = info.header_offset + 200 + info.compress_size // 2
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="corrupt"):
        load_bundle(path)


def test_not_a_zip(tmp_path: Path) -> None:
    p = tmp_path / "model.emo"
    p.write_text("definitely not a bundle")
    with pytest.raises(ModelError, match="not an emoscore model bundle") as exc:
        load_bundle(p)
    assert str(p) in str(exc.value)


def test_zip_without_metadata(tmp_path: Path) -> None:
    p = tmp_path / "other.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ModelError, match="not an emoscore model bundle"):
        read_metadata(p)


def test_wrong_format_number(saved) -> None:
    _, _, path = saved

    def bump(blob: bytes) -> bytes:
        meta = json.loads(blob)
        meta["format"] = BUNDLE_FORMAT + 1
        return json.dumps(meta).encode()

    rewrite_member(path, "metadata.json", bump)
    with pytest.raises(ModelError, match=f"unsupported bundle format {BUNDLE_FORMAT + 1}"):
        load_bundle(path)


def test_unpicklable_model_is_incompatible(saved) -> None:
    _, _, path = saved
    import hashlib

    junk = b"\x80\x04junk that is no pickle"

    rewrite_member(path, "model.joblib", lambda _b: junk)
    rewrite_member(
        path,
        "metadata.json",
        lambda b: json.dumps({**json.loads(b), "sha256": hashlib.sha256(junk).hexdigest()}).encode(),
    )
    with pytest.raises(ModelError, match="incompatible") as exc:
        load_bundle(path)
    assert "\n" not in str(exc.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found") as exc:
        load_bundle(tmp_path / "nope.emo")
    assert "nope.emo" in str(exc.value)
