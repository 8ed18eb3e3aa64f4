"""Warm the feature cache (whisper-base+egemaps, default preprocessing) for the given corpora."""

import sys
import time

from emoscore.corpora import load_corpus
from emoscore.features import FeatureCache, extract_files, get_extractor
from emoscore.models.recipe import load_recipe

rec = load_recipe("default")
ex = get_extractor(rec.features)
cache = FeatureCache()
for src in sys.argv[1:]:
    f = load_corpus(src)
    t0 = time.time()
    extract_files(f["path"].tolist(), ex, preprocessing=rec.preprocessing, cache=cache, n_jobs=1)
    print(f"{src}: {len(f)} clips in {time.time() - t0:.0f} s", flush=True)
