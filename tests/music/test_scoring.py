"""The one scoring call: timeline + settings → MIDI, intervals document, renders, mixes, videos."""

from __future__ import annotations

import json
import math

import mido
import numpy as np
import pytest
import soundfile as sf

from emoscore.errors import AudioError, ConfigError
from emoscore.music.scoring import ScoreSettings, score_timeline
from emoscore.timeline import Segment
from emoscore.vocabulary import ComposeMethod


def test_settings_are_checked_once():
    s = ScoreSettings(methods="b", root="D3", video=True)
    assert s.methods == (ComposeMethod.B,) and s.root == 50 and s.mix and s.render and s.label == "B"
    for bad, match in (
        ({"methods": "C"}, "use A, B or both"),
        ({"duck": math.nan}, "--duck nan"),
        ({"duck": 6.0}, "--duck 6"),
        ({"program": 128}, "--program 128"),
        ({"root": "H9"}, "--root"),
    ):
        with pytest.raises(ConfigError, match=match):
            ScoreSettings(**bad)


def test_midi_and_intervals_document(timeline, tmp_path):
    result = score_timeline(timeline, ScoreSettings(), tmp_path, name="cue")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cue.A.mid", "cue.B.mid", "cue.intervals.json"]
    assert [(a.kind, a.method) for a in result.artefacts] == [
        ("midi", "A"),
        ("midi", "B"),
        ("intervals", None),
    ]
    doc = json.loads((tmp_path / "cue.intervals.json").read_text())
    assert doc == json.loads(json.dumps(result.document))
    assert set(doc["methods"]) == {"A", "B"} and doc["comparison"]["n"] == 5
    assert [s["interval"] for s in doc["methods"]["B"]["steps"]] == ["M3", "m3", "TT", "m2", "M2"]
    assert doc["methods"]["A"]["map"] == "shipped" and doc["methods"]["B"]["midi"] == "cue.B.mid"
    notes = [m.note for m in mido.MidiFile(tmp_path / "cue.B.mid") if m.type == "note_on" and m.velocity]
    assert notes[:2] == [48, 52]


def test_windows_without_an_emotion_are_rests(make_tl, seg, tmp_path):
    quiet = Segment(4, 8, {}, None, None, None, domain="silence", voiced=0.0)
    tl = make_tl([seg(0, 4, "happy", 0.9, 0.7, 0.7), quiet, seg(8, 12, "sad", 0.15, 0.3, 0.2)])
    result = score_timeline(tl, ScoreSettings(), tmp_path)
    for method, score in result.scores.items():
        assert [(s.start, s.end) for s in score.steps] == [(0, 4), (8, 12)], method


def test_mix_needs_the_original_audio_before_writing_anything(timeline, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(AudioError, match="the original audio is needed"):
        score_timeline(timeline, ScoreSettings(mix=True), out, audio=tmp_path / "gone.wav")
    assert not out.exists()


def test_render_and_mix_under_the_dialogue(timeline, tmp_path):
    rate = 16000
    t = np.arange(20 * rate) / rate
    sf.write(tmp_path / "scene.wav", (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), rate)
    result = score_timeline(
        timeline, ScoreSettings(methods="A", mix=True), tmp_path / "o", audio=tmp_path / "scene.wav"
    )
    kinds = [(a.kind, a.method) for a in result.artefacts]
    assert kinds == [("midi", "A"), ("wav", "A"), ("mix", "A"), ("intervals", None)]
    assert sf.info(result.path("mix", "A")).samplerate == 44100 and result.engine
    assert result.document["engine"] == result.engine
