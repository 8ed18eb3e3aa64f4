#!/bin/sh
# Session 17: default 2.1.0 (Whisper-base encoder depth 3 + eGeMAPS) and domain 1.2.0 (depth 3), then their measurements.
cd /work/main
L=benchmarks/logs
export OMP_NUM_THREADS=1
.venv/bin/emoscore train --recipe default -o $L/default-2.1.0.emo > $L/train_default_2.1.0.log 2>&1
.venv/bin/emoscore evaluate --model $L/default-2.1.0.emo --protocol loco --corpus ravdess,emodb,emovo,spanish-students > $L/loco_2.1.0_6.log 2>&1
.venv/bin/emoscore evaluate --model $L/default-2.1.0.emo --protocol loco --corpus ravdess,emodb,emovo,spanish-students --labels neutral,happy,sad,angry > $L/loco_2.1.0_4.log 2>&1
.venv/bin/python benchmarks/music_bed.py --recipe default --json $L/music_bed_2.1.0.json > $L/music_bed_2.1.0.log 2>&1
.venv/bin/emoscore evaluate --model $L/default-2.1.0.emo --corpus emodb --protocol loso > $L/emodb_loso_2.1.0.log 2>&1
echo done > $L/queue_f.done
