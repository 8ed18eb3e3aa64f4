"""Transcribe a corpus's clips into the transcript cache, in the packs `evaluate` uses (so a
later `evaluate --model multimodal` or `benchmarks/words_fusion.py` reads them from the cache).

    .venv/bin/python benchmarks/words_transcribe.py ravdess [SHARD/SHARDS]

Prints clips per CPU second. Shards take alternate 100-clip chunks (the chunks clip_words uses).
"""

from __future__ import annotations

import sys
import time

from emoscore.corpora.tasks import load_corpora_for
from emoscore.features.asr import Transcriber, clip_file_words
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.registry import load_model
from emoscore.vocabulary import Task


def main() -> int:
    corpus = sys.argv[1] if len(sys.argv) > 1 else "ravdess"
    k, n = map(int, (sys.argv[2] if len(sys.argv) > 2 else "0/1").split("/"))
    recipe = TrainingRecipe.from_dict(load_model("default").meta["recipe"], origin="default recipe")
    frame = load_corpora_for(Task.EMOTION, list(recipe.corpora), labels=recipe.labels)
    paths = frame.loc[frame["corpus"] == corpus, "path"].tolist()
    t = Transcriber()
    t0, c0 = time.monotonic(), time.process_time()
    done = 0
    for j, a in enumerate(range(0, len(paths), 100)):
        if j % n != k:
            continue
        words = clip_file_words(paths[a : a + 100], t)
        done += len(words)
        print(
            f"{a + len(words)}/{len(paths)} {time.monotonic() - t0:.0f} s wall; e.g. {words[0]!r}", flush=True
        )
    cpu = time.process_time() - c0
    print(f"{done} clips in {cpu:.0f} CPU s ({done / max(cpu, 1e-9):.2f} clips per CPU second)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
