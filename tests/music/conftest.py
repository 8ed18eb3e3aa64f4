"""Timelines with known content for the music tests."""

from __future__ import annotations

import pytest

from emoscore.timeline import ModelInfo, Segment, Timeline

LABELS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")


def segment(start: float, end: float, top: str, v: float, a: float, d: float, p_top: float = 0.65) -> Segment:
    """A window whose top class is ``top``; the rest share 1 - p_top in label order 3:2:1:1:1:1:1 (sum 10)."""
    others = [lab for lab in LABELS if lab != top]
    weights = [3, 2, 1, 1, 1, 1, 1]
    rest = 1.0 - p_top
    probs = {lab: rest * w / sum(weights) for lab, w in zip(others, weights, strict=True)}
    probs[top] = p_top
    return Segment(start, end, {lab: probs[lab] for lab in LABELS}, v, a, d)


def make_timeline(segments: list[Segment], name: str = "scene.wav") -> Timeline:
    end = max(s.end for s in segments)
    return Timeline(name, end, ModelInfo("demo", "2", LABELS), 4.0, 4.0, tuple(segments))


@pytest.fixture
def timeline() -> Timeline:
    """Five 4-s windows: happy, sad, angry, fearful, neutral at their taxonomy V/A/D points."""
    return make_timeline(
        [
            segment(0, 4, "happy", 0.90, 0.70, 0.70),
            segment(4, 8, "sad", 0.15, 0.30, 0.20),
            segment(8, 12, "angry", 0.15, 0.85, 0.70),
            segment(12, 16, "fearful", 0.10, 0.80, 0.20),
            segment(16, 20, "neutral", 0.50, 0.35, 0.50),
        ]
    )


@pytest.fixture
def seg():
    """The :func:`segment` builder."""
    return segment


@pytest.fixture
def make_tl():
    """The :func:`make_timeline` builder."""
    return make_timeline
