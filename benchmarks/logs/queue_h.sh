#!/bin/sh
# Session 17: music-bed augmentation on the 2.1.0 recipe (encoder depth 3).
cd /work/main
L=benchmarks/logs
export OMP_NUM_THREADS=1
R=benchmarks/recipes/default-2.1.0-music.toml
nice -n 10 .venv/bin/python benchmarks/music_bed.py --recipe $R --json $L/music_bed_2.1.0_music.json > $L/music_bed_2.1.0_music.log 2>&1
nice -n 10 .venv/bin/python benchmarks/loco.py --recipe $R --narrow neutral,happy,sad,angry --json $L/loco_2.1.0_music.json > $L/loco_2.1.0_music.log 2>&1
echo done > $L/queue_h.done
