#!/bin/sh
# The 2.0.0 candidate, the old model's unseen-corpus view, music beds, and the film-augmented variant.
cd /work/main
L=benchmarks/logs
FOUR=neutral,happy,sad,angry
SIX=neutral,happy,sad,angry,fearful,disgust
.venv/bin/emoscore train --recipe $L/default-2.0.0.toml -o $L/default-2.0.0.emo > $L/train_2.0.0.log 2>&1
.venv/bin/python benchmarks/loco.py --recipe default --corpora ravdess,emodb --narrow $FOUR --json $L/loco_old_ravdess_emodb.json > $L/loco_old_ravdess_emodb.log 2>&1
.venv/bin/python benchmarks/loco.py --recipe default --corpora emovo,spanish-students --labels $SIX --narrow $FOUR --unseen-by default --json $L/loco_old_unseen.json > $L/loco_old_unseen.log 2>&1
.venv/bin/python benchmarks/music_bed.py --recipe $L/default-2.0.0.toml --json $L/music_bed_2.0.0.json > $L/music_bed_2.0.0.log 2>&1
.venv/bin/python benchmarks/loco.py --recipe $L/default-2.0.0-film.toml --narrow $FOUR --json $L/loco_film.json > $L/loco_film.log 2>&1
.venv/bin/python benchmarks/music_bed.py --recipe $L/default-2.0.0-film.toml --json $L/music_bed_film.json > $L/music_bed_film.log 2>&1
