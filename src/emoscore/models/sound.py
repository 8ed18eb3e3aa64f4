"""Valence and arousal of "other" sounds (not speech, not music) from acoustic descriptors.

:class:`SoundAffect` is a linear model on standardised descriptors: each value of
:class:`~emoscore.features.sound.SoundDescriptors` is transformed, standardised and clipped,
the weighted mean of the standardised values (weights divided by the sum of their absolute
values) goes through a logistic, and the result is in [0, 1]. Each weight is held to the sign
the literature gives it, or to 0:

- arousal rises with loudness (Bradley & Lang 2000; Ma & Thompson 2015), sharpness and spectral
  centroid (Ma & Thompson 2015: frequency), roughness (Arnal et al. 2015), spectral flux and
  onset rate (Ma & Thompson 2015: rate);
- valence falls with loudness, sharpness, centroid and roughness and rises with tonality (Aures'
  sensory pleasantness, Zwicker & Fastl 1999 ch. 16).

No labelled corpus of everyday-sound emotion is available offline. The shipped magnitudes come
from a sign-constrained pairwise logistic regression on 4Q audio (human-labelled music) and on
generated sound pairs whose order has a published rationale (``benchmarks/accuracy_sound.py
fit``); the centres and scales from two unlabelled reference sets (``... calibrate``). All of it
is data in ``emoscore/data/sound_affect.toml``, validated on load. The validation on held-out
material and the limits are in ``docs/music_emotion.md`` ("Other sounds: valence and arousal").

>>> from emoscore.models.sound import SoundAffect
>>> import numpy as np
>>> model = SoundAffect.load()
>>> t = np.arange(4 * 16000) / 16000
>>> soft = (0.01 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
>>> loud_rough = (0.3 * (1 + np.sin(2 * np.pi * 70 * t)) * np.sin(2 * np.pi * 1500 * t)).astype(np.float32)
>>> X = np.vstack(model.extractor().batch([soft, loud_rough], 16000))
>>> valence, arousal = model.predict(X)
>>> bool(arousal[1] > arousal[0]), bool(valence[1] < valence[0])
(True, True)
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from emoscore.errors import ConfigError, ModelError
from emoscore.features.sound import DESCRIPTORS, SoundDescriptors

#: the shipped weights and standardisation
SOUND_AFFECT_FILE = "sound_affect.toml"
#: how a descriptor may be transformed before standardisation
TRANSFORMS = ("identity", "log1p")
_TOP_KEYS = {
    "name",
    "version",
    "description",
    "feature_set",
    "clip",
    "features",
    "arousal",
    "valence",
    "descriptors",
    "licence",
}
_DESCRIPTOR_KEYS = {"transform", "centre", "scale", "arousal", "valence"}
_OUTPUT_KEYS = {"gain", "bias"}


def _number(value: Any, where: str, origin: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{origin}: {where} must be a finite number, got {value!r}")
    return float(value)


def _table(value: Any, where: str, origin: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{origin}: [{where}] must be a table")
    stray = sorted(set(value) - allowed)
    if stray:
        raise ConfigError(f"{origin}: [{where}] has unknown key(s) {', '.join(stray)}")
    missing = sorted(required - set(value))
    if missing:
        raise ConfigError(f"{origin}: [{where}] lacks {', '.join(missing)}")
    return value


def _transform(values: np.ndarray, kinds: Sequence[str]) -> np.ndarray:
    out = values.astype(np.float64, copy=True)
    for j, kind in enumerate(kinds):
        if kind == "log1p":
            out[:, j] = np.log1p(np.maximum(out[:, j], 0.0))
    return out


@dataclass(frozen=True, eq=False)
class SoundAffect:
    """Descriptors of :data:`~emoscore.features.sound.DESCRIPTORS` → (valence, arousal) in [0, 1].

    Load the shipped model with :meth:`load`; ``tag`` (``"sound-affect 1.0.0"``) names it in a
    segment's ``va_model``.
    """

    name: str
    version: str
    description: str
    licence: str
    feature_params: Mapping[str, Any]
    transforms: tuple[str, ...]
    centre: np.ndarray
    scale: np.ndarray
    arousal_weights: np.ndarray
    valence_weights: np.ndarray
    arousal_gain: float
    arousal_bias: float
    valence_gain: float
    valence_bias: float
    clip: float
    origin: str

    @property
    def tag(self) -> str:
        """``name version``, as the task models are named in ``va_model``."""
        return f"{self.name} {self.version}"

    def extractor(self) -> SoundDescriptors:
        """The descriptor extractor with the settings the standardisation was computed with."""
        return SoundDescriptors(**dict(self.feature_params))

    @classmethod
    def load(cls, path: str | Path | None = None) -> SoundAffect:
        """The shipped model (``path=None``) or one from a TOML file of the same layout.

        A missing, unreadable or malformed file is one :class:`~emoscore.errors.ConfigError`
        line naming it.
        """
        if path is None:
            text = resources.files("emoscore.data").joinpath(SOUND_AFFECT_FILE).read_text()
            origin = f"{SOUND_AFFECT_FILE} (shipped)"
        else:
            p = Path(path)
            try:
                text = p.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{p}: cannot read the sound affect model ({exc})") from None
            origin = str(p)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{origin}: not valid TOML ({exc})") from None
        return cls.from_dict(data, origin=origin)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, origin: str = "sound affect model") -> SoundAffect:
        """Validate a parsed TOML document (see ``emoscore/data/sound_affect.toml``)."""
        data = _table(dict(data), "top level", origin, _TOP_KEYS, _TOP_KEYS - {"description", "licence"})
        for key in ("name", "version", "feature_set"):
            if not isinstance(data[key], str) or not data[key].strip():
                raise ConfigError(f"{origin}: {key} must be a non-empty string")
        for key in ("description", "licence"):
            if not isinstance(data.get(key, ""), str):
                raise ConfigError(f"{origin}: {key} must be a string")
        if data["feature_set"] != SoundDescriptors.name:
            raise ConfigError(
                f"{origin}: feature_set must be {SoundDescriptors.name!r}, got {data['feature_set']!r}"
            )
        clip = _number(data["clip"], "clip", origin)
        if clip <= 0:
            raise ConfigError(f"{origin}: clip must be positive, got {clip}")
        features = data["features"]
        if not isinstance(features, dict):
            raise ConfigError(f"{origin}: [features] must be a table")
        try:
            SoundDescriptors(**features)
        except TypeError as exc:
            raise ConfigError(f"{origin}: [features] {exc}") from None
        except ConfigError as exc:
            raise ConfigError(f"{origin}: [features] {exc}") from None
        outputs = {}
        for dim in ("arousal", "valence"):
            table = _table(data[dim], dim, origin, _OUTPUT_KEYS, _OUTPUT_KEYS)
            gain = _number(table["gain"], f"{dim}.gain", origin)
            if gain <= 0:
                raise ConfigError(f"{origin}: {dim}.gain must be positive, got {gain}")
            outputs[dim] = (gain, _number(table["bias"], f"{dim}.bias", origin))
        described = data["descriptors"]
        if not isinstance(described, dict):
            raise ConfigError(f"{origin}: [descriptors] must be a table")
        unknown = sorted(set(described) - set(DESCRIPTORS))
        if unknown:
            raise ConfigError(
                f"{origin}: unknown descriptor(s) {', '.join(unknown)}; known: {', '.join(DESCRIPTORS)}"
            )
        n = len(DESCRIPTORS)
        transforms = ["identity"] * n
        centre, scale = np.zeros(n), np.ones(n)
        weights = {"arousal": np.zeros(n), "valence": np.zeros(n)}
        for j, name in enumerate(DESCRIPTORS):
            if name not in described:
                continue
            where = f"descriptors.{name}"
            table = _table(described[name], where, origin, _DESCRIPTOR_KEYS, {"centre", "scale"})
            kind = table.get("transform", "identity")
            if kind not in TRANSFORMS:
                raise ConfigError(
                    f"{origin}: {where}.transform must be one of {', '.join(TRANSFORMS)}, got {kind!r}"
                )
            transforms[j] = kind
            centre[j] = _number(table["centre"], f"{where}.centre", origin)
            scale[j] = _number(table["scale"], f"{where}.scale", origin)
            if scale[j] <= 0:
                raise ConfigError(f"{origin}: {where}.scale must be positive, got {scale[j]}")
            for dim in weights:
                weights[dim][j] = _number(table.get(dim, 0.0), f"{where}.{dim}", origin)
        for dim, w in weights.items():
            if not np.any(w):
                raise ConfigError(f"{origin}: no descriptor has a weight for {dim}")
        return cls(
            name=data["name"].strip(),
            version=data["version"].strip(),
            description=str(data.get("description", "")),
            licence=str(data.get("licence", "")),
            feature_params=dict(features),
            transforms=tuple(transforms),
            centre=centre,
            scale=scale,
            arousal_weights=weights["arousal"],
            valence_weights=weights["valence"],
            arousal_gain=outputs["arousal"][0],
            arousal_bias=outputs["arousal"][1],
            valence_gain=outputs["valence"][0],
            valence_bias=outputs["valence"][1],
            clip=clip,
            origin=origin,
        )

    def _matrix(self, descriptors: Any) -> np.ndarray:
        X = np.asarray(descriptors, dtype=np.float64)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != len(DESCRIPTORS):
            raise ModelError(
                f"{self.tag}: descriptors must be rows of {len(DESCRIPTORS)} values "
                f"({', '.join(DESCRIPTORS)}), got shape {np.shape(descriptors)}"
            )
        if not np.all(np.isfinite(X)):
            raise ModelError(f"{self.tag}: the descriptor matrix holds NaN or infinite values")
        return X

    def standardise(self, descriptors: Any) -> np.ndarray:
        """Transformed, standardised descriptors, clipped to ±``clip``."""
        X = _transform(self._matrix(descriptors), self.transforms)
        return np.clip((X - self.centre) / self.scale, -self.clip, self.clip)

    def scores(self, descriptors: Any) -> tuple[np.ndarray, np.ndarray]:
        """(valence, arousal) before the logistic: weighted means of the standardised values."""
        Z = self.standardise(descriptors)
        out = []
        for w in (self.valence_weights, self.arousal_weights):
            out.append(Z @ w / np.sum(np.abs(w)))
        return out[0], out[1]

    def predict(self, descriptors: Any) -> tuple[np.ndarray, np.ndarray]:
        """(valence, arousal) in [0, 1] for a (windows, 9) descriptor matrix (or one row)."""
        v, a = self.scores(descriptors)
        return (
            1.0 / (1.0 + np.exp(-(self.valence_gain * v + self.valence_bias))),
            1.0 / (1.0 + np.exp(-(self.arousal_gain * a + self.arousal_bias))),
        )

    def predict_audio(self, clips: Sequence[np.ndarray], sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
        """(valence, arousal) of raw mono windows: descriptors, then :meth:`predict`."""
        if len(clips) == 0:
            return np.zeros(0), np.zeros(0)
        return self.predict(np.vstack(self.extractor().batch(clips, sample_rate)))


def mixture_scales(
    *sets: np.ndarray, transforms: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(centre, scale) per column: mean and standard deviation of an equal-weight mixture of
    several descriptor matrices, after ``transforms`` (one of :data:`TRANSFORMS` per column),
    so that a large set does not outweigh a small one.

    >>> c, s = mixture_scales(np.array([[0.0], [2.0]]), np.array([[10.0], [10.0], [10.0]]))
    >>> float(c[0]), round(float(s[0]), 3)
    (5.5, 4.555)
    """
    if not sets:
        raise ConfigError("mixture_scales needs at least one descriptor matrix")
    kinds = list(transforms) if transforms is not None else ["identity"] * sets[0].shape[1]
    if any(k not in TRANSFORMS for k in kinds):
        raise ConfigError(f"transforms must be among {', '.join(TRANSFORMS)}, got {kinds}")
    done = [_transform(np.asarray(s, dtype=np.float64), kinds) for s in sets]
    means = np.vstack([np.mean(s, axis=0) for s in done])
    variances = np.vstack([np.var(s, axis=0) for s in done])
    centre = means.mean(axis=0)
    spread = variances.mean(axis=0) + np.mean((means - centre) ** 2, axis=0)
    return centre, np.sqrt(spread)
