# issue 14: valence / arousal with 7 windows per 4Q clip (after the 7-window prefill)
cd /work/main
export OMP_NUM_THREADS=1
R="nice -n 10 .venv/bin/python benchmarks/accuracy_music_repr.py"
for T in arousal valence; do
  $R evaluate --task $T --max-windows 7 --features whisper-base,whisper-base+musicnn-msd --C 0.003
done
