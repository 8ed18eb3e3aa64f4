"""Warm the feature cache for the film-augmented recipe's copies of the four corpora."""

import sys
import time

from emoscore.corpora import load_corpora
from emoscore.features import FeatureCache
from emoscore.models.recipe import load_recipe
from emoscore.models.training import recipe_extractor, training_table

rec = load_recipe(sys.argv[1])
frame = load_corpora(list(rec.corpora), labels=rec.labels)
t0 = time.time()
table = training_table(frame, recipe_extractor(rec), rec, cache=FeatureCache())
print(f"{len(table.frame)} rows in {time.time() - t0:.0f} s", flush=True)
