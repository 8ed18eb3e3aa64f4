"""Emotion timeline → music (SPEC §5, paper 000): interval maps for method A (valence/arousal
regions) and method B (six emotions), MIDI files, rendering to 44.1 kHz / 24-bit WAV, mixing
under dialogue and into video, live MIDI output, and comparison of two interval sequences; and
beyond the paper, the score sketch (cues, harmony, tempo map, pad/bass/motif tracks, cue sheet).

>>> from emoscore.timeline import ModelInfo, Segment, Timeline
>>> seg = Segment(0.0, 4.0, {"sad": 0.9, "happy": 0.1}, 0.15, 0.3, 0.2)
>>> tl = Timeline("x.wav", 4.0, ModelInfo("demo", "1", ("sad", "happy")), 4.0, 4.0, (seg,))
>>> [compose(tl, m).steps[0].interval for m in "AB"]
['m3', 'm3']
"""

from emoscore.music.compare import Comparison, compare_sequences, pearson, plot_comparison
from emoscore.music.maps import (
    EmotionMap,
    Interval,
    IntervalTable,
    Region,
    RegionMap,
    load_interval_table,
    load_map,
    load_method_a,
    load_method_b,
    plot_region_map,
)
from emoscore.music.midi import NotePair, read_midi, read_note_pairs, score_to_midi, write_midi
from emoscore.music.mixing import MixResult, mix_under_speech, mux_video
from emoscore.music.render import RenderResult, render_midi, synthesize
from emoscore.music.score import Score, Step, compose, parse_root, velocity_for
from emoscore.music.sketch import Cue, Rest, Sketch, compose_sketch
from emoscore.music.sketch_midi import sketch_to_midi, write_cue_sheet, write_sketch_midi
from emoscore.music.sketch_plots import plot_cues, plot_piano_roll, plot_spectrogram
from emoscore.music.sketch_rules import SketchRules, load_sketch_rules

__all__ = [
    "Comparison",
    "Cue",
    "EmotionMap",
    "Interval",
    "IntervalTable",
    "MixResult",
    "NotePair",
    "Region",
    "RegionMap",
    "RenderResult",
    "Rest",
    "Score",
    "Sketch",
    "SketchRules",
    "Step",
    "compare_sequences",
    "compose",
    "compose_sketch",
    "load_interval_table",
    "load_map",
    "load_method_a",
    "load_method_b",
    "load_sketch_rules",
    "mix_under_speech",
    "mux_video",
    "parse_root",
    "pearson",
    "plot_comparison",
    "plot_cues",
    "plot_piano_roll",
    "plot_region_map",
    "plot_spectrogram",
    "read_midi",
    "read_note_pairs",
    "render_midi",
    "score_to_midi",
    "sketch_to_midi",
    "synthesize",
    "velocity_for",
    "write_cue_sheet",
    "write_midi",
    "write_sketch_midi",
]
