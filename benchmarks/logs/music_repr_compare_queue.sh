# issue 14: openSMILE ComParE per 4-s window, alone and beside the pretrained embeddings
cd /work/main
export OMP_NUM_THREADS=1
R="nice -n 10 .venv/bin/python benchmarks/accuracy_music_repr.py"
$R evaluate --task quadrant --max-windows 4 --features compare,whisper-base+compare,whisper-base+musicnn-msd+compare --C 0.003
