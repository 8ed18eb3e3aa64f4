"""A model bundle: one file holding the fitted model, its feature extractor, preprocessing and
metadata (labels, training data, metrics, library versions) with a sha256 of the weights.

The file is a zip with ``metadata.json`` (readable without unpickling anything) and
``model.joblib``. Loading checks the format version, the checksum and that the pickled objects
import under the installed libraries, and turns every failure into a one-line
:class:`~emoscore.errors.ModelError`. Bundles are pickles: load only bundles you trust.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from emoscore.atomic import atomic_output
from emoscore.audio.preprocess import Preprocessing
from emoscore.errors import ModelError
from emoscore.models.calibration import apply_temperature, bundle_temperature

BUNDLE_FORMAT = 1
_TRACKED_LIBS = (
    "emoscore",
    "scikit-learn",
    "numpy",
    "torch",
    "lightgbm",
    "opensmile",
    "librosa",
    "ctranslate2",
)


def library_versions() -> dict[str, str]:
    out = {}
    for lib in _TRACKED_LIBS:
        try:
            out[lib] = importlib_metadata.version(lib)
        except importlib_metadata.PackageNotFoundError:
            continue
    return out


@dataclass
class ModelBundle:
    """A fitted classifier over one feature set, with everything needed to use it on new audio."""

    estimator: Any
    extractor: Any
    preprocessing: Preprocessing
    labels: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    normalizer: Any = None  # a fitted GroupStandardizer, or None

    @property
    def name(self) -> str:
        return str(self.meta.get("name", "unnamed"))

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "0"))

    @property
    def task(self) -> str:
        return str(self.meta.get("task", "emotion"))

    def normalize(self, features: Any, groups: Any = None) -> Any:
        """Per-group feature normalisation learned in training (identity when there is none)."""
        return features if self.normalizer is None else self.normalizer.transform(features, groups)

    def classify(self, features: Any) -> np.ndarray:
        """Probabilities for already-normalised features, in the order of :attr:`labels`."""
        proba = np.asarray(self.estimator.predict_proba(features), dtype=np.float64)
        order = [list(self.estimator.classes_).index(lab) for lab in self.labels]
        proba = np.clip(proba[:, order], 0.0, None)
        return apply_temperature(proba / proba.sum(axis=1, keepdims=True), bundle_temperature(self.meta))

    def predict_proba(self, features: Any, groups: Any = None) -> np.ndarray:
        """Class probabilities in the order of :attr:`labels`, each row summing to 1.

        ``groups`` (e.g. speakers) scope the normalisation; ``None`` treats all rows as one group.
        """
        return self.classify(self.normalize(features, groups))

    def save(self, path: str | Path) -> Path:
        """Write atomically: a crash never leaves a half-written bundle under ``path``."""
        path = Path(path)
        buf = io.BytesIO()
        joblib.dump(
            {"estimator": self.estimator, "extractor": self.extractor, "normalizer": self.normalizer},
            buf,
            compress=3,
        )
        blob = buf.getvalue()
        meta = {
            **self.meta,
            "format": BUNDLE_FORMAT,
            "labels": list(self.labels),
            "feature_set": getattr(self.extractor, "name", str(self.extractor)),
            "feature_params": _jsonable(getattr(self.extractor, "params", dict)()),
            "preprocessing": self.preprocessing.to_dict(),
            "libraries": library_versions(),
            "sha256": hashlib.sha256(blob).hexdigest(),
        }
        meta.setdefault("created", datetime.now(UTC).isoformat(timespec="seconds"))
        with atomic_output(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("metadata.json", json.dumps(meta, indent=2, sort_keys=True))
            zf.writestr("model.joblib", blob)
        self.meta = meta
        return path


def _jsonable(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=str))


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The bundle's metadata without unpickling the model."""
    p = Path(path)
    if not p.exists():
        raise ModelError(f"{p}: model bundle not found")
    try:
        with zipfile.ZipFile(p) as zf:
            meta = json.loads(zf.read("metadata.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError):
        raise ModelError(f"{p}: not an emoscore model bundle (corrupt or wrong file type)") from None
    if not isinstance(meta, dict) or meta.get("format") != BUNDLE_FORMAT:
        raise ModelError(
            f"{p}: unsupported bundle format {meta.get('format') if isinstance(meta, dict) else '?'}"
            f" (this emoscore reads format {BUNDLE_FORMAT})"
        )
    return meta


def load_bundle(path: str | Path) -> ModelBundle:
    """Load and verify a bundle written by :meth:`ModelBundle.save`."""
    p = Path(path)
    meta = read_metadata(p)
    try:
        with zipfile.ZipFile(p) as zf:
            blob = zf.read("model.joblib")
    except (zipfile.BadZipFile, KeyError, OSError, zipfile.LargeZipFile):
        raise ModelError(f"{p}: model bundle is corrupt (cannot read the model)") from None
    if hashlib.sha256(blob).hexdigest() != meta.get("sha256"):
        raise ModelError(f"{p}: model bundle is corrupt (sha256 mismatch)")
    from emoscore.models.allowlist import RefusedGlobal, load_allowed, refused

    try:
        payload = load_allowed(blob)
    except RefusedGlobal as exc:
        raise refused(p, exc) from None
    except Exception as exc:
        raise ModelError(
            f"{p}: model bundle is incompatible with the installed libraries ({type(exc).__name__}: {exc}); "
            f"it was written with {meta.get('libraries', {})}"
        ) from None
    if not isinstance(payload, dict) or not {"estimator", "extractor"} <= set(payload):
        raise ModelError(f"{p}: model bundle is corrupt (no estimator and extractor in its model)")
    return ModelBundle(
        estimator=payload["estimator"],
        extractor=payload["extractor"],
        preprocessing=Preprocessing.from_dict(meta.get("preprocessing", {})),
        labels=tuple(meta["labels"]),
        meta=meta,
        normalizer=payload.get("normalizer"),
    )
