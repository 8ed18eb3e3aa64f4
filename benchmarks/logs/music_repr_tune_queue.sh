# issue 14: C and model kind for the best quadrant combination (same artist folds; C picked on them)
cd /work/main
export OMP_NUM_THREADS=1
R="nice -n 10 .venv/bin/python benchmarks/accuracy_music_repr.py"
$R evaluate --task quadrant --max-windows 4 --features whisper-base+musicnn-msd,musicnn-msd --C 0.001,0.002,0.005,0.01
$R evaluate --task quadrant --max-windows 4 --features whisper-base+musicnn-msd --model svm --C 1
