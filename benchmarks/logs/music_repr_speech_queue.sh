# issue 14: musicnn features of the speech corpora that the valence/arousal recipes train on
cd /work/main
export OMP_NUM_THREADS=1
R="nice -n 10 .venv/bin/python benchmarks/accuracy_music_repr.py"
$R prefill --corpus ravdess,emodb --task valence --max-windows 2 --models MSD_musicnn
