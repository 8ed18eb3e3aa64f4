# issue 14: valence / arousal recipes (4Q + RAVDESS + EmoDB, speech always in training, folds by artist on 4Q)
cd /work/main
export OMP_NUM_THREADS=1
R="nice -n 10 .venv/bin/python benchmarks/accuracy_music_repr.py"
for T in arousal valence; do
  $R evaluate --task $T --features whisper-base,musicnn-msd,whisper-base+musicnn-msd --C 0.003
done
