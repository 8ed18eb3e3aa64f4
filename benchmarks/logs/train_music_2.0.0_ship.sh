# issue 14: write the 2.0.0 task bundles into the package (same recipes as /tmp/cand, cached features)
cd /work/main
export OMP_NUM_THREADS=1
for T in quadrant arousal valence; do
  echo "$ emoscore train --task $T -o src/emoscore/data/models/$T.emo"
  nice -n 10 .venv/bin/emoscore train --task $T -o src/emoscore/data/models/$T.emo
done
