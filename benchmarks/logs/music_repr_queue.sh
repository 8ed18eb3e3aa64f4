# issue 14: musicnn features for the task models, one step after another (niced, one thread)
cd /work/main
export OMP_NUM_THREADS=1
R="nice -n 10 .venv/bin/python benchmarks/accuracy_music_repr.py"
$R prefill --corpus mer-4q --task quadrant --max-windows 4 --models MSD_musicnn
$R evaluate --task quadrant --max-windows 4 --features musicnn-msd,musicnn-msd-tags,musicnn-msd-pool,whisper-base,whisper-base+musicnn-msd,whisper-base+musicnn-msd-tags
$R prefill --corpus mer-4q --task quadrant --max-windows 4 --models MTT_musicnn
$R evaluate --task quadrant --max-windows 4 --features musicnn-mtt,musicnn-mtt-tags,musicnn-mtt-pool,musicnn-msd+musicnn-mtt,whisper-base+musicnn-mtt,whisper-base+musicnn-msd+musicnn-mtt
