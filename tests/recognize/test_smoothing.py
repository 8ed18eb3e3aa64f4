"""``--smooth``: within-domain smoothing of neighbouring windows."""

from __future__ import annotations

import pytest

from emoscore.errors import ConfigError
from emoscore.recognize.smoothing import smooth_segments
from emoscore.timeline import Segment


def speech(start: float, happy: float) -> Segment:
    return Segment(start, start + 4, {"happy": happy, "sad": 1 - happy}, 0.5, 0.5, 0.5, domain="speech")


def test_off_keeps_the_raw_windows():
    segs = (speech(0, 0.9), speech(4, 0.2), speech(8, 0.9))
    assert smooth_segments(segs, "off") == segs


@pytest.mark.parametrize("method", ["median", "hmm"])
def test_a_lone_flip_is_smoothed_but_a_durable_change_stays(method):
    segs = [speech(4 * i, p) for i, p in enumerate([0.9, 0.9, 0.3, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1])]
    out = smooth_segments(segs, method)
    assert [s.emotion for s in out] == ["happy"] * 5 + ["sad"] * 4
    assert all(abs(sum(s.probabilities.values()) - 1) < 1e-9 for s in out)
    assert out[2].valence != segs[2].valence  # V/A/D follow the smoothed probabilities


def test_domains_and_silence_are_never_changed():
    quiet = Segment(8, 12, {}, None, None, None, domain="silence")
    music = Segment(12, 16, {}, 0.8, 0.6, None, domain="music", quadrant={"Q1": 0.9, "Q2": 0.1})
    segs = (speech(0, 0.9), speech(4, 0.1), quiet, music, Segment(16, 20, {}, 0.2, 0.1, None, domain="music",
            quadrant={"Q1": 0.2, "Q2": 0.8}))  # fmt: skip
    for method in ("median", "hmm"):
        out = smooth_segments(segs, method)
        assert [s.domain for s in out] == [s.domain for s in segs]
        assert out[2] == quiet and out[0].emotion == "happy" and out[1].emotion == "sad"
        assert out[3].valence == 0.8 and out[3].dominance is None  # a run's ends keep their values


def test_unknown_method_is_one_line():
    with pytest.raises(ConfigError, match="--smooth wobble: choose one of off, median, hmm"):
        smooth_segments((speech(0, 0.5), speech(4, 0.5)), "wobble")
