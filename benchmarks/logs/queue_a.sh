#!/bin/sh
# Old-data comparison (each corpus scored by a model trained on RAVDESS/EmoDB only) and the 2.0.0 candidate.
cd /work/main
while kill -0 $(pgrep -f "loco_v1.sh" | head -1) 2>/dev/null; do sleep 10; done
SIX=neutral,happy,sad,angry,fearful,disgust
E=".venv/bin/emoscore evaluate --model default --protocol loco --format json --labels $SIX"
$E --corpus ravdess,emodb > benchmarks/logs/loco_old_ravdess_emodb.json
$E --corpus ravdess,emodb,emovo > benchmarks/logs/loco_old_plus_emovo.json
$E --corpus ravdess,emodb,spanish-students > benchmarks/logs/loco_old_plus_spanish.json
.venv/bin/emoscore train --recipe benchmarks/logs/default-2.0.0.toml -o benchmarks/logs/default-2.0.0.emo > benchmarks/logs/train_2.0.0.log 2>&1
