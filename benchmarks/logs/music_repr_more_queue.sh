# issue 14: more windows per 4Q clip (valence/arousal: 4 instead of 2; quadrant: 7 instead of 4)
cd /work/main
export OMP_NUM_THREADS=1
R="nice -n 10 .venv/bin/python benchmarks/accuracy_music_repr.py"
for T in arousal valence; do
  $R evaluate --task $T --max-windows 4 --features whisper-base,whisper-base+musicnn-msd --C 0.003
done
$R prefill --corpus mer-4q --task quadrant --max-windows 7 --models MSD_musicnn
$R evaluate --task quadrant --max-windows 7 --features whisper-base,musicnn-msd,whisper-base+musicnn-msd --C 0.003
