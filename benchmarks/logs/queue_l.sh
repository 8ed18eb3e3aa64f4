#!/bin/sh
# Session 17: non-linear heads on the quadrant 2.1.0 features (Whisper-base layer 3 + musicnn, 7 windows).
cd /work/main
L=benchmarks/logs
export OMP_NUM_THREADS=1
for m in mlp lightgbm; do
  nice -n 5 .venv/bin/emoscore train --task quadrant --model $m -o /tmp/mrec/quadrant-$m.emo > $L/train_quadrant_2.1.0_$m.log 2>&1
done
