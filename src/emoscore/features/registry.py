"""Named feature sets and the ``a+b`` concatenation syntax."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from emoscore.errors import ConfigError
from emoscore.features.base import ConcatExtractor, FeatureExtractor
from emoscore.features.logmel import LogMel3Extractor
from emoscore.features.logmel_stats import LogMelStatsExtractor
from emoscore.features.musicnn import MusicnnExtractor
from emoscore.features.opensmile_sets import CompareExtractor, EgemapsExtractor
from emoscore.features.seed94 import Seed94Extractor
from emoscore.features.sound import SoundDescriptors
from emoscore.features.whisper import WhisperExtractor
from emoscore.features.whisper_layers import WhisperLayersExtractor


def _whisper_base(**kw: Any) -> WhisperExtractor:
    return WhisperExtractor("base", **kw)


def _whisper_tiny(**kw: Any) -> WhisperExtractor:
    return WhisperExtractor("tiny.en", **kw)


def _musicnn(model: str, layer: str) -> Callable[..., MusicnnExtractor]:
    def factory(**kw: Any) -> MusicnnExtractor:
        return MusicnnExtractor(model, **{"layer": layer, **kw})

    return factory


_FACTORIES: dict[str, tuple[Callable[..., FeatureExtractor], Callable[..., Any]]] = {
    "seed94": (Seed94Extractor, Seed94Extractor.__init__),
    "egemaps": (EgemapsExtractor, EgemapsExtractor.__init__),
    "compare": (CompareExtractor, CompareExtractor.__init__),
    "logmel3": (LogMel3Extractor, LogMel3Extractor.__init__),
    "logmel-stats": (LogMelStatsExtractor, LogMelStatsExtractor.__init__),
    "whisper-base": (_whisper_base, WhisperExtractor.__init__),
    "whisper-tiny": (_whisper_tiny, WhisperExtractor.__init__),
    "whisper-base-layers": (WhisperLayersExtractor, WhisperLayersExtractor.__init__),
    "sound-descriptors": (SoundDescriptors, SoundDescriptors.__init__),
    "musicnn-msd": (_musicnn("MSD_musicnn", "penultimate"), MusicnnExtractor.__init__),
    "musicnn-mtt": (_musicnn("MTT_musicnn", "penultimate"), MusicnnExtractor.__init__),
    "musicnn-msd-tags": (_musicnn("MSD_musicnn", "tags"), MusicnnExtractor.__init__),
    "musicnn-mtt-tags": (_musicnn("MTT_musicnn", "tags"), MusicnnExtractor.__init__),
    "musicnn-msd-pool": (_musicnn("MSD_musicnn", "pool"), MusicnnExtractor.__init__),
    "musicnn-mtt-pool": (_musicnn("MTT_musicnn", "pool"), MusicnnExtractor.__init__),
}

FEATURE_SETS: tuple[str, ...] = tuple(_FACTORIES)


def _accepts(signature_of: Callable[..., Any]) -> set[str]:
    params = inspect.signature(signature_of).parameters
    return {n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}


def get_extractor(spec: str, **params: Any) -> FeatureExtractor:
    """Build the extractor named by ``spec`` (``"compare"``, ``"compare+whisper-base"``, …).

    Each keyword goes to every named set that accepts it; one that no set accepts is an error.

    >>> get_extractor("seed94+egemaps").name
    'seed94+egemaps'
    """
    names = [n.strip() for n in spec.split("+")]
    unknown = [n for n in names if n not in _FACTORIES]
    if unknown or not spec.strip():
        raise ConfigError(
            f"unknown feature set {'+'.join(unknown) or spec!r}; "
            f"known: {', '.join(FEATURE_SETS)} (join with '+')"
        )
    if len(set(names)) != len(names):
        raise ConfigError(f"feature set {spec!r} names a set twice")
    used: set[str] = set()
    parts = []
    for n in names:
        factory, sig = _FACTORIES[n]
        ok = _accepts(sig)
        mine = {k: v for k, v in params.items() if k in ok}
        used |= mine.keys()
        parts.append(factory(**mine))
    stray = sorted(set(params) - used)
    if stray:
        raise ConfigError(f"feature set {spec!r} has no parameter {', '.join(stray)}")
    return parts[0] if len(parts) == 1 else ConcatExtractor(parts)
