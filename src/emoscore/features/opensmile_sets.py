"""openSMILE functionals: ``egemaps`` (eGeMAPSv02, 88 values) and ``compare`` (ComParE_2016,
6373 values; paper 004). One ``Smile`` object per extractor instance, built on first use."""

from __future__ import annotations

from typing import Any

import numpy as np

from emoscore.features.base import FeatureExtractor, at_rate

_SETS = {"egemaps": ("eGeMAPSv02", 88), "compare": ("ComParE_2016", 6373)}


class OpenSmileExtractor(FeatureExtractor):
    def __init__(self, name: str, *, sample_rate: int = 16_000):
        self.name = name
        self.feature_set, self.dim = _SETS[name]
        self.sample_rate = sample_rate
        self._smile: Any = None

    def params(self) -> dict[str, Any]:
        import opensmile

        return {
            "feature_set": self.feature_set,
            "level": "functionals",
            "sample_rate": self.sample_rate,
            "opensmile": opensmile.__version__,
        }

    def _get_smile(self) -> Any:
        if self._smile is None:
            import opensmile

            self._smile = opensmile.Smile(
                feature_set=getattr(opensmile.FeatureSet, self.feature_set),
                feature_level=opensmile.FeatureLevel.Functionals,
            )
        return self._smile

    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        y = at_rate(samples, sample_rate, self.sample_rate)
        out = self._get_smile().process_signal(y, self.sample_rate)
        return np.nan_to_num(out.to_numpy(dtype=np.float32)[0])

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_smile"] = None
        return state


class EgemapsExtractor(OpenSmileExtractor):
    def __init__(self, *, sample_rate: int = 16_000):
        super().__init__("egemaps", sample_rate=sample_rate)


class CompareExtractor(OpenSmileExtractor):
    def __init__(self, *, sample_rate: int = 16_000):
        super().__init__("compare", sample_rate=sample_rate)
