"""The multimodal model: fit the late fusion on held-out RAVDESS speakers + MELD dev, score it on
unseen RAVDESS speakers, write src/emoscore/data/models/multimodal.emo.

    .venv/bin/python benchmarks/words_text.py --write        # first: text.emo
    .venv/bin/python benchmarks/words_transcribe.py ravdess  # optional: fills the transcript cache
    .venv/bin/python benchmarks/words_fusion.py [--write]

Prints, on RAVDESS (8 classes, 5 folds by actor, EmoDB always in training): the audio model alone,
the words alone (text model on the Whisper transcripts) and the multimodal system (fusion refitted
in each fold without that fold's actors), plus the fusion's weights. Ratio: multimodal UA / audio UA.
The same figure comes from `emoscore evaluate --model multimodal --corpus ravdess` once written.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from emoscore.corpora.tasks import load_corpora_for
from emoscore.features import FeatureCache
from emoscore.models.bundle import load_bundle
from emoscore.models.multimodal import multimodal_bundle
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.registry import load_model, shipped_models_dir
from emoscore.models.text import TextEmotionModel
from emoscore.models.training import compute_features
from emoscore.protocols.metrics import classification_report
from emoscore.protocols.multimodal import (
    MELD_SHARE,
    clip_words,
    cross_validate_multimodal,
    fit_fusion,
    held_out_audio,
    meld_dev_rows,
)
from emoscore.vocabulary import Task

CORPUS = "ravdess"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write src/emoscore/data/models/multimodal.emo")
    args = ap.parse_args()
    audio = load_model("default", task=Task.EMOTION)
    text_bundle = load_bundle(shipped_models_dir() / "text.emo")
    text = TextEmotionModel.from_bundle(text_bundle)
    recipe = TrainingRecipe.from_dict(audio.meta["recipe"], origin="default recipe")
    frame = load_corpora_for(Task.EMOTION, list(recipe.corpora), labels=recipe.labels)
    table = compute_features(frame, audio.extractor, recipe, cache=FeatureCache())
    held = held_out_audio(recipe, table, test_corpus=CORPUS, seed=recipe.seed)
    rows = table.frame.iloc[held.index]
    truth = rows["label"].astype(str).to_numpy()
    words = clip_words(rows["path"].tolist(), notify=print)
    print("most common transcripts:", {w: words.count(w) for w in sorted(set(words), key=words.count)[-4:]})
    meld = meld_dev_rows(text)

    audio_rep = classification_report(
        truth, np.asarray(held.classes)[held.proba.argmax(1)], labels=list(held.classes)
    )
    tp = text.proba(words)
    text_pred = np.asarray(text.labels)[np.nan_to_num(tp, nan=0).argmax(1)]
    text_rep = classification_report(truth, text_pred, labels=list(held.classes))
    fusion = fit_fusion(held.classes, text, held.proba, words, truth, meld)
    meta = {
        "name": "multimodal",
        "version": "1.0.0",
        "description": "Speech + words, 8 RAVDESS classes: the default audio model, the MELD text model on "
        "Whisper-base transcripts (English; other languages translated by Whisper), late fusion with "
        "per-class weights learned on held-out RAVDESS actors and MELD dev",
        "licence": f"{audio.meta.get('licence', '')} The text model and the fusion were trained on MELD "
        "(GPL-3.0, research use): this model is for non-commercial research use only, and as a work derived "
        "from MELD it is also under GPL-3.0.",
        "training": {
            "corpora": [*recipe.corpora, "meld-text"],
            "fusion": f"held-out {CORPUS} actors (5 folds) + MELD dev, MELD share {MELD_SHARE}",
        },
        "audio_recipe": audio.meta["recipe"],
        "audio_model": f"{audio.name} {audio.version}",
        "text_model": f"{text.name} {text.version}",
        "asr": "whisper-base (faster-whisper, int8)",
    }
    bundle = multimodal_bundle(audio, text_bundle, fusion, meta)
    res = cross_validate_multimodal(
        bundle, recipe, table, words, meld, test_corpus=CORPUS, seed=recipe.seed, held=held, notify=print
    )
    r = res.report
    print(f"audio alone  (held-out actors) UA {audio_rep.ua:.3f}  WA {audio_rep.wa:.3f}")
    print(f"words alone  (text model)      UA {text_rep.ua:.3f}  WA {text_rep.wa:.3f}")
    print(
        f"multimodal   (fusion per fold) UA {r.ua:.3f}  WA {r.wa:.3f}  macro-F1 {r.macro_f1:.3f}  (chance UA {r.chance_ua:.3f})"
    )
    print(f"ratio multimodal UA / audio UA: {r.ua / audio_rep.ua:.3f}")
    print("fusion (all folds):", fusion.to_dict())
    if args.write:
        bundle.meta["metrics"] = {
            **res.to_dict(),
            "audio_only_ua": audio_rep.ua,
            "audio_only_wa": audio_rep.wa,
        }
        path = bundle.save(shipped_models_dir() / "multimodal.emo")
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
