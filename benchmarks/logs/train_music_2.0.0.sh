# issue 14: the 2.0.0 task bundles (whisper-base+musicnn-msd, 7 windows), written to /tmp/cand first
cd /work/main
export OMP_NUM_THREADS=1
for T in quadrant arousal valence; do
  echo "$ emoscore train --task $T -o /tmp/cand/$T.emo"
  nice -n 10 .venv/bin/emoscore train --task $T -o /tmp/cand/$T.emo
done
