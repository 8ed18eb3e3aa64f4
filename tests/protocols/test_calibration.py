"""The temperature is fitted on what each corpus's clips got from a model that never saw that
corpus; a clip of a class that model never learned has no probability for its truth and is left out."""

from __future__ import annotations

import numpy as np
from tests.protocols.test_loco import Nearest, corpora

from emoscore.models import training
from emoscore.models.recipe import TrainingRecipe
from emoscore.protocols.calibration import calibrate_recipe, held_out_probabilities


def test_held_out_probabilities_come_from_models_that_never_saw_the_corpus(monkeypatch) -> None:
    monkeypatch.setattr(training, "build_estimator", lambda recipe: Nearest())
    Nearest.fits = []
    table = corpora()
    held = held_out_probabilities(TrainingRecipe(name="r"), table)
    assert held.parts == ("a", "b", "c")
    frame = table.frame
    for corpus, fitted in zip(held.parts, Nearest.fits, strict=True):
        assert not set(frame.loc[fitted, "corpus"]) & {corpus}
    # corpus a's calm clips: the model trained on b and c knows no calm
    n_a = int(((frame["corpus"] == "a") & (frame["label"] != "calm")).sum())
    assert [len(t) for t in held.truth] == [n_a, 36, 36]
    assert held.proba[0].shape == (n_a, 3)  # angry, happy, sad: what the b+c model knows
    # the toy model is nearly always right and says so: the truth column is the likeliest
    right = [(p.argmax(axis=1) == t).mean() for p, t in zip(held.proba, held.truth, strict=True)]
    assert np.mean(right) > 0.9


def test_a_swapped_corpus_makes_the_model_softer(monkeypatch) -> None:
    """Corpus c puts its classes where the others put different ones: the held-out predictions
    are confidently wrong there, and the fitted temperature softens them (T > 1)."""
    monkeypatch.setattr(training, "build_estimator", lambda recipe: Nearest())
    cal = calibrate_recipe(TrainingRecipe(name="r"), corpora(swap_c=True))
    assert cal.temperature > 1.0
    assert cal.per_corpus["c"]["accuracy"] < 0.2
    assert cal.ece_after < cal.ece_before
