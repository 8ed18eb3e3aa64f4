#!/bin/sh
# Session 17: each augmentation measured on its own (music beds only; room/channel degradations only).
cd /work/main
L=benchmarks/logs
FOUR=neutral,happy,sad,angry
while [ ! -f $L/queue_c.done ]; do sleep 30; done
for V in music degrade; do
  R=benchmarks/recipes/default-$V.toml
  OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python $L/warm_film.py $R > $L/warm_$V.log 2>&1
  OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/music_bed.py --recipe $R --json $L/music_bed_$V.json > $L/music_bed_$V.log 2>&1
  OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/loco.py --recipe $R --narrow $FOUR --json $L/loco_$V.json > $L/loco_$V.log 2>&1
done
echo done > $L/queue_d.done
