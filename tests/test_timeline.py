"""Timeline: the ``analyze --format json`` contract, its CSV form and class -> V/A/D."""

from __future__ import annotations

import csv
import io
import json

import pytest

from emoscore.errors import DataError
from emoscore.taxonomy import load_taxonomy
from emoscore.timeline import (
    ROW_COLUMNS,
    ROW_INDEX,
    ModelInfo,
    Segment,
    Timeline,
    read_timeline,
    vad_from_probabilities,
)

LABELS = ("neutral", "happy", "sad", "angry")


def segment(start: float, end: float, probs: dict[str, float], **extra) -> Segment:
    v, a, d = vad_from_probabilities(probs, load_taxonomy().vad)
    return Segment(start, end, probs, v, a, d, extra=extra)


@pytest.fixture
def timeline() -> Timeline:
    segs = (
        segment(0.0, 4.0, {"neutral": 0.1, "happy": 0.6, "sad": 0.2, "angry": 0.1}),
        segment(4.0, 8.0, {"neutral": 0.05, "happy": 0.05, "sad": 0.15, "angry": 0.75}, speech_ratio=0.8),
        segment(8.0, 9.5, {"neutral": 0.7, "happy": 0.1, "sad": 0.1, "angry": 0.1}),
    )
    return Timeline("scene.wav", 9.5, ModelInfo("default", "3", LABELS), 4.0, 4.0, segs, extra={"note": "x"})


def test_json_shape_is_the_contract(timeline):
    d = json.loads(json.dumps(timeline.to_dict()))
    assert {"input", "duration", "model", "window", "hop", "segments"} <= set(d)
    assert d["model"] == {"name": "default", "version": "3", "labels": list(LABELS)}
    assert d["note"] == "x"
    seg_keys = {"start", "end", "emotion", "confidence", "probabilities", "valence", "arousal", "dominance"}
    for s in d["segments"]:
        assert seg_keys <= set(s)
        assert sum(s["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
        assert s["emotion"] == max(s["probabilities"], key=s["probabilities"].get)
        assert s["confidence"] == s["probabilities"][s["emotion"]]
        assert all(0.0 <= s[k] <= 1.0 for k in ("valence", "arousal", "dominance"))
    assert [s["emotion"] for s in d["segments"]] == ["happy", "angry", "neutral"]
    assert d["segments"][1]["speech_ratio"] == 0.8


def test_round_trip(timeline):
    back = Timeline.from_dict(json.loads(json.dumps(timeline.to_dict())))
    assert back.to_dict() == timeline.to_dict()
    assert back.labels == LABELS and back.extra == {"note": "x"}
    assert back.segments[1].extra == {"speech_ratio": 0.8}
    assert back.segments[2].duration == pytest.approx(1.5)


def test_emotion_ties_go_to_the_first_label():
    s = Segment(0, 1, {"sad": 0.4, "happy": 0.4, "angry": 0.2}, 0.5, 0.5, 0.5)
    assert s.emotion == "sad" and s.confidence == 0.4


def test_csv_is_the_row_schema_with_probabilities_spread(timeline):
    text = timeline.to_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    header = text.splitlines()[0].split(",")
    assert header == [c for c in ROW_COLUMNS if c != "probabilities"] + [f"p_{k}" for k in LABELS]
    assert len(rows) == 3
    assert rows[1]["emotion"] == "angry" and float(rows[1]["p_angry"]) == 0.75
    assert float(rows[2]["end"]) == 9.5 and rows[0]["file"] == "scene.wav"
    assert rows[0]["model_name"] == "default" and rows[0]["model_version"] == "3"
    for r in rows:
        assert sum(float(r[f"p_{k}"]) for k in LABELS) == pytest.approx(1.0, abs=1e-5)


def test_csv_fills_missing_labels_with_zero():
    tl = Timeline(
        "a", 1.0, ModelInfo("m", "1", ("a", "b")), 1.0, 1.0, (Segment(0, 1, {"a": 1.0}, 0.5, 0.5, 0.5),)
    )
    assert next(csv.DictReader(io.StringIO(tl.to_csv())))["p_b"] == "0.0"


def test_frame_is_indexed_by_file_start_end(timeline):
    frame = timeline.to_frame()
    assert list(frame.index.names) == list(ROW_INDEX)
    assert list(frame.columns) == [c for c in ROW_COLUMNS if c not in ROW_INDEX]
    assert frame.loc[("scene.wav", 4.0, 8.0), "emotion"] == "angry"
    assert json.loads(frame.iloc[0]["probabilities"])["happy"] == 0.6
    assert frame["valence"].dtype == "float64"


def test_windows_without_a_speech_emotion_are_null():
    seg = Segment(0, 4, {}, None, None, None, domain="silence", voiced=0.0)
    tl = Timeline("a", 4.0, ModelInfo("m", "1", ("a", "b")), 4.0, 4.0, (seg,))
    d = tl.to_dict()["segments"][0]
    assert d["emotion"] is None and d["confidence"] is None and d["probabilities"] == {}
    assert d["valence"] is None and d["domain"] == "silence"
    row = next(csv.DictReader(io.StringIO(tl.to_csv())))
    assert row["emotion"] == "" and row["p_a"] == "" and row["domain"] == "silence"
    assert Timeline.from_dict(json.loads(json.dumps(tl.to_dict()))) == tl


def test_a_timeline_file_finds_its_audio_relative_to_itself(tmp_path, monkeypatch):
    audio = tmp_path / "media" / "scene.wav"
    audio.parent.mkdir()
    audio.write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    tl = Timeline("media/scene.wav", 1.0, ModelInfo("m", "1", ("a",)), 1.0, 1.0, ())
    out = tmp_path / "out" / "scene.json"
    out.parent.mkdir()
    out.write_text(json.dumps(tl.with_audio_relative_to(out.parent).to_dict()))
    assert json.loads(out.read_text())["audio"] == "../media/scene.wav"
    monkeypatch.chdir(tmp_path.parent)  # read from another working directory
    back = read_timeline(out)
    assert back.source_path.resolve() == audio.resolve() and back.input == "media/scene.wav"


def test_read_timeline_names_the_file_and_the_problem(tmp_path):
    bad = tmp_path / "t.json"
    bad.write_text("{")
    with pytest.raises(DataError, match="t.json: not a timeline JSON file"):
        read_timeline(bad)
    with pytest.raises(DataError, match="file not found"):
        read_timeline(tmp_path / "none.json")


def test_vad_is_the_probability_weighted_mean():
    table = {"x": (0.0, 0.2, 1.0), "y": (1.0, 0.6, 0.0)}
    assert vad_from_probabilities({"x": 1.0}, table) == (0.0, 0.2, 1.0)
    v, a, d = vad_from_probabilities({"x": 0.25, "y": 0.75}, table)
    assert (v, a, d) == pytest.approx((0.75, 0.5, 0.25))
    # unnormalised input and labels outside the table
    assert vad_from_probabilities({"x": 2.0, "y": 6.0, "z": 5.0}, table) == pytest.approx((0.75, 0.5, 0.25))


def test_vad_falls_back_to_the_centre():
    table = {"x": (0.0, 0.0, 0.0)}
    assert vad_from_probabilities({}, table) == (0.5, 0.5, 0.5)
    assert vad_from_probabilities({"z": 1.0}, table) == (0.5, 0.5, 0.5)
    assert vad_from_probabilities({"x": float("nan")}, table) == (0.5, 0.5, 0.5)


def test_vad_with_the_shipped_table_orders_classes_sensibly():
    vad = load_taxonomy().vad
    happy = vad_from_probabilities({"happy": 1.0}, vad)
    sad = vad_from_probabilities({"sad": 1.0}, vad)
    angry = vad_from_probabilities({"angry": 1.0}, vad)
    calm = vad_from_probabilities({"calm": 1.0}, vad)
    assert happy[0] > sad[0] and calm[0] > angry[0]  # valence
    assert angry[1] > calm[1] and happy[1] > sad[1]  # arousal
