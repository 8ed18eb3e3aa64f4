#!/bin/sh
# LOCO of today's default recipe (1.1.0: whisper-base+egemaps, logreg, per-speaker normalisation) over the four corpora
cd /work/main
C=ravdess,emodb,emovo,spanish-students
/usr/bin/time -v .venv/bin/emoscore evaluate --model default --protocol loco --corpus $C --format json > benchmarks/logs/loco_v1_6class.json
.venv/bin/emoscore evaluate --model default --protocol loco --corpus $C --labels neutral,happy,sad,angry --format json > benchmarks/logs/loco_v1_4class.json
