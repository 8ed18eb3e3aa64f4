"""Emotion timeline → music (SPEC §5, paper 000): interval maps for method A (valence/arousal
regions) and method B (six emotions), MIDI files, rendering to 44.1 kHz / 24-bit WAV, mixing
under dialogue and into video, live MIDI output, and comparison of two interval sequences.

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

__all__ = [
    "Comparison",
    "EmotionMap",
    "Interval",
    "IntervalTable",
    "MixResult",
    "NotePair",
    "Region",
    "RegionMap",
    "RenderResult",
    "Score",
    "Step",
    "compare_sequences",
    "compose",
    "load_interval_table",
    "load_map",
    "load_method_a",
    "load_method_b",
    "mix_under_speech",
    "mux_video",
    "parse_root",
    "pearson",
    "plot_comparison",
    "plot_region_map",
    "read_midi",
    "read_note_pairs",
    "render_midi",
    "score_to_midi",
    "synthesize",
    "velocity_for",
    "write_midi",
]
