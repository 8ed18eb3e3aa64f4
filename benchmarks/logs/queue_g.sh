#!/bin/sh
cd /work/main
L=benchmarks/logs
export OMP_NUM_THREADS=1
.venv/bin/emoscore train --task domain -o $L/domain-1.2.0.emo > $L/train_domain_1.2.0.log 2>&1
echo done > $L/queue_g.done
