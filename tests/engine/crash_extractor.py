"""A seed94 extractor that kills its process on loud input: lets tests crash a pool worker on cue.

Imported by spawned worker processes (the test puts this folder on ``sys.path``, which spawn
passes on), so it must be a real module rather than a class defined inside a test.
"""

from __future__ import annotations

import os

import numpy as np

from emoscore.features.seed94 import Seed94Extractor


class CrashingExtractor(Seed94Extractor):
    def __call__(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        if float(np.max(np.abs(samples))) > 0.9:
            os._exit(3)  # what an out-of-memory kill or a decoder segfault looks like to the pool
        return super().__call__(samples, sample_rate)
