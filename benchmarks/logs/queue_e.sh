#!/bin/sh
# Session 17: the mean-pooled candidate (benchmarks/recipes/default-mean.toml): LOCO and music beds.
cd /work/main
L=benchmarks/logs
R=benchmarks/recipes/default-mean.toml
OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/loco.py --recipe $R --narrow neutral,happy,sad,angry --json $L/loco_mean.json > $L/loco_mean.log 2>&1
OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/music_bed.py --recipe $R --json $L/music_bed_mean.json > $L/music_bed_mean.log 2>&1
echo done > $L/queue_e.done
