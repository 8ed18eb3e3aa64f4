#!/bin/sh
# Session 17: the music quadrant model on the Whisper-base middle layers (depth 3 / 4) + musicnn.
cd /work/main
L=benchmarks/logs
export OMP_NUM_THREADS=1
for d in 3 4; do
  nice -n 5 .venv/bin/emoscore train --task quadrant --recipe /tmp/mrec/quadrant-d$d.toml -o /tmp/mrec/quadrant-d$d.emo > $L/train_quadrant_depth$d.log 2>&1
done
echo done > $L/queue_i.done
