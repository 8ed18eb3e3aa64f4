#!/bin/sh
# Session 17: valence / arousal on the Whisper-base middle layer (depth 3) + musicnn.
cd /work/main
L=benchmarks/logs
export OMP_NUM_THREADS=1
for t in valence arousal; do
  nice -n 5 .venv/bin/emoscore train --task $t --recipe /tmp/mrec/$t-d3.toml -o /tmp/mrec/$t-d3.emo > $L/train_${t}_depth3.log 2>&1
done
echo done > $L/queue_j.done
