#!/bin/sh
# Session 17: the film-augmented candidate (benchmarks/recipes/default-film.toml), measured.
cd /work/main
L=benchmarks/logs
FOUR=neutral,happy,sad,angry
R=benchmarks/recipes/default-film.toml
.venv/bin/python $L/warm_film.py $R > $L/warm_film.log 2>&1
.venv/bin/python benchmarks/loco.py --recipe $R --narrow $FOUR --json $L/loco_film.json > $L/loco_film.log 2>&1
.venv/bin/python benchmarks/music_bed.py --recipe $R --json $L/music_bed_film.json > $L/music_bed_film.log 2>&1
echo done > $L/queue_c.done
