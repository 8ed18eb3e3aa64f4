"""Calibrate a recipe's confidence on corpora it never trained on (leave-one-corpus-out).

The temperature is fitted on the probabilities each leave-one-corpus-out fit gives the held-out
corpus's clips (every class that fit knows), so it corrects the over-confidence a model shows on
unseen speakers, languages and recording conditions — the condition of every real input.
"""

from __future__ import annotations

import numpy as np

from emoscore.models.calibration import Calibration, HeldOutProbabilities, fit_calibration
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.training import FeatureTable
from emoscore.protocols.evaluation import held_out_corpus_fits


def held_out_probabilities(recipe: TrainingRecipe, table: FeatureTable) -> HeldOutProbabilities:
    """Each corpus's clips as scored by the recipe fitted on the other corpora (clips of a class
    that fit never saw are left out: no probability exists for their truth)."""
    labels = table.frame["label"].astype(str).to_numpy()
    proba, truth, parts = [], [], []
    for fit in held_out_corpus_fits(recipe, table):
        known = [str(c) for c in fit.estimator.classes_]
        y = labels[fit.test]
        keep = np.isin(y, known)
        proba.append(fit.proba[keep])
        truth.append(np.asarray([known.index(lab) for lab in y[keep]], dtype=int))
        parts.append(fit.corpus)
    return HeldOutProbabilities(tuple(proba), tuple(truth), tuple(parts))


def calibrate_recipe(recipe: TrainingRecipe, table: FeatureTable) -> Calibration:
    """One temperature for the recipe, fitted on its leave-one-corpus-out predictions."""
    held = held_out_probabilities(recipe, table)
    return fit_calibration(held, fitted_on=f"leave-one-corpus-out predictions of {', '.join(held.parts)}")
