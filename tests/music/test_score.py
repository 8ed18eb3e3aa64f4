import pytest

from emoscore.errors import ConfigError, DataError
from emoscore.music.score import compose, parse_root, velocity_for


def test_method_b_follows_the_top_emotion(timeline):
    s = compose(timeline, "B")
    assert [st.interval for st in s.steps] == ["M3", "m3", "TT", "m2", "M2"]
    assert [st.notes for st in s.steps] == [(48, 52), (48, 51), (48, 54), (48, 49), (48, 50)]
    assert s.title == "emoscore method B (six-emotion map), model demo 2"


def test_method_a_follows_valence_arousal_dominance(timeline, seg, make_tl):
    s = compose(timeline, "A")
    assert s.semitones() == [4, 3, 6, 1, 2]
    # same top emotion, different V/A: method A moves, method B does not
    tl = make_tl([seg(0, 4, "happy", 0.55, 0.50, 0.5), seg(4, 8, "happy", 0.9, 0.2, 0.5)])
    assert compose(tl, "A").semitones() == [5, 7] and compose(tl, "B").semitones() == [4, 4]


def test_controllers_are_the_other_emotions(timeline):
    st = compose(timeline, "B").steps[0]  # happy on top
    ccs = dict(st.controllers)
    assert 22 not in ccs  # the top emotion's own controller is not sent
    assert ccs == {20: 13, 21: 9, 23: 4, 24: 4, 25: 4, 26: 4, 27: 4}  # round(p * 127): .105, .07, .035
    seg = timeline.segments[0]
    assert ccs[20] == round(seg.probabilities["neutral"] * 127)


def test_velocity_from_arousal_and_root(timeline):
    s = compose(timeline, "A", root=parse_root("D3"))
    assert [st.velocity for st in s.steps] == [velocity_for(a) for a in (0.70, 0.30, 0.85, 0.80, 0.35)]
    assert s.steps[0].notes == (50, 54)
    assert velocity_for(0.7) > velocity_for(0.3)


def test_overlapping_windows_are_cut_at_the_next_start(seg, make_tl):
    tl = make_tl([seg(0, 4, "sad", 0.1, 0.2, 0.2), seg(2, 6, "happy", 0.9, 0.7, 0.7)])
    s = compose(tl, "B")
    assert [(st.start, st.end) for st in s.steps] == [(0, 2), (2, 6)]


def test_bad_input(seg, make_tl):
    with pytest.raises(DataError, match="scene.wav: the emotion timeline is empty"):
        compose(_empty(), "A")
    with pytest.raises(ConfigError, match="unknown method 'C'"):
        compose(make_tl([seg(0, 4, "sad", 0.1, 0.2, 0.2)]), "C")
    with pytest.raises(ConfigError, match="--root 'H9'"):
        parse_root("H9")
    with pytest.raises(ConfigError, match="no room"):
        parse_root(120)


def _empty():
    from emoscore.timeline import ModelInfo, Timeline

    return Timeline("scene.wav", 0.0, ModelInfo("demo", "2", ("sad",)), 4.0, 4.0, ())


def test_method_b_needs_every_model_label():
    from emoscore.timeline import ModelInfo, Segment, Timeline

    tl = Timeline(
        "x.wav",
        4.0,
        ModelInfo("m", "1", ("happy", "awe")),
        4.0,
        4.0,
        (Segment(0, 4, {"happy": 0.6, "awe": 0.4}, 0.8, 0.6, 0.5),),
    )
    with pytest.raises(ConfigError, match="method_b.toml: no interval for emotion 'awe'"):
        compose(tl, "B")
    assert compose(tl, "A").steps[0].controllers == ((102, 51),)  # unknown label: CC 102
