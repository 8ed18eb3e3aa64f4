"""Timeline: the ``analyze --format json`` contract, its CSV form and class -> V/A/D."""

from __future__ import annotations

import csv
import io
import json

import pytest

from emoscore.taxonomy import load_taxonomy
from emoscore.timeline import ModelInfo, Segment, Timeline, vad_from_probabilities

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


def test_csv_columns_and_values(timeline):
    text = timeline.to_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    header = text.splitlines()[0].split(",")
    assert header == ["start", "end", "emotion", "confidence", "valence", "arousal", "dominance"] + [
        f"p_{k}" for k in LABELS
    ]
    assert len(rows) == 3
    assert rows[1]["emotion"] == "angry" and float(rows[1]["p_angry"]) == 0.75
    assert float(rows[2]["end"]) == 9.5
    for r in rows:
        assert sum(float(r[f"p_{k}"]) for k in LABELS) == pytest.approx(1.0, abs=1e-5)


def test_csv_fills_missing_labels_with_zero():
    tl = Timeline(
        "a", 1.0, ModelInfo("m", "1", ("a", "b")), 1.0, 1.0, (Segment(0, 1, {"a": 1.0}, 0.5, 0.5, 0.5),)
    )
    assert tl.to_rows()[0]["p_b"] == 0.0


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
