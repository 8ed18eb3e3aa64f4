#!/bin/sh
# Session 17: ship the music task bundles 2.1.0 (Whisper-base depth 3 + musicnn) from the shipped recipes.
cd /work/main
L=benchmarks/logs
export OMP_NUM_THREADS=1
for t in quadrant valence arousal; do
  .venv/bin/emoscore train --task $t -o src/emoscore/data/models/$t.emo > $L/train_${t}_2.1.0.log 2>&1
done
echo done > $L/queue_k.done
