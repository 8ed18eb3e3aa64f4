from pathlib import Path

import pytest

from emoscore.errors import ConfigError
from emoscore.music.maps import (
    load_interval_table,
    load_method_a,
    load_method_b,
    map_method,
    plot_region_map,
)
from emoscore.taxonomy import load_taxonomy


def test_interval_table_is_the_twelve_of_table_2():
    t = load_interval_table()
    assert [iv.semitones for iv in t.intervals] == list(range(12))
    assert t.get("TT").name == "tritone" and t.get("minor 3rd").semitones == 3 and t.get("7").short == "P5"
    with pytest.raises(ConfigError, match="unknown interval 'X9'"):
        t.get("X9", origin="f.toml")


def test_cc_numbers_are_documented_and_unique():
    t = load_interval_table()
    cc = t.cc_numbers(["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"])
    assert cc == {
        "neutral": 20,
        "calm": 21,
        "happy": 22,
        "sad": 23,
        "angry": 24,
        "fearful": 25,
        "disgust": 26,
        "surprised": 27,
    }
    # labels the table does not know get undefined controllers from 102 up, in label order
    assert t.cc_numbers(["happy", "awe", "pride"]) == {"happy": 22, "awe": 102, "pride": 103}


def test_method_b_is_the_paper_table_1():
    b = load_method_b()
    got = {
        e: b.interval_for(e).semitones
        for e in ("fear", "neutral", "sadness", "happiness", "anger", "danger", "surprise")
    }
    assert got == {
        "fear": 1,
        "neutral": 2,
        "sadness": 3,
        "happiness": 4,
        "anger": 6,
        "danger": 6,
        "surprise": 11,
    }
    assert {e: b.interval_for(e).short for e in ("calm", "disgust", "boredom")} == {
        "calm": "P5",
        "disgust": "m2",
        "boredom": "P1",
    }


def test_method_a_follows_the_paper_rules():
    a = load_method_a()
    assert {r.interval.short for r in a.regions} == {iv.short for iv in load_interval_table().intervals}
    for r in a.regions:
        if r.interval.quality == "major":
            assert r.valence[0] >= 0.5, r
        if r.interval.quality == "minor":
            assert r.valence[1] <= 0.5, r
        if r.interval.short == "TT":
            assert r.valence[1] <= 0.5 and r.arousal[0] >= 0.5
    assert a.interval_for(0.5, 0.5).quality == "perfect"  # centre: a neutral interval
    assert a.interval_for(0.45, 0.5).short == "P1"
    # dominance separates anger (danger) from fear at the same V/A
    assert a.interval_for(0.1, 0.85, 0.8).short == "TT" and a.interval_for(0.1, 0.85, 0.2).short == "m2"
    # the edges of the plane belong to a region (1.0 is inclusive); out-of-range values clip
    assert a.interval_for(1.0, 1.0, 1.0).short == "M3" and a.interval_for(-3, 7).short == "TT"


def test_class_points_land_on_method_b_intervals_where_it_has_one():
    a, b, vad = load_method_a(), load_method_b(), load_taxonomy().vad
    for emo in ("happy", "sad", "angry", "fearful", "neutral", "surprised", "calm"):
        assert a.interval_for(*vad[emo]) == b.interval_for(emo), emo


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "map.toml"
    p.write_text(text)
    return p


def test_user_b_map_overrides_and_accepts_synonyms(tmp_path):
    p = _write(
        tmp_path,
        '[emotions]\nfear = "m6"\nneutral = "P1"\nsadness = "m3"\nhappiness = "M6"\n'
        'anger = "TT"\nsurprise = "M7"\n',
    )
    b = load_method_b(p)
    assert b.interval_for("fearful").short == "m6" and b.interval_for("happy").semitones == 9
    assert map_method(p) == "B"
    with pytest.raises(ConfigError, match=r"no interval for emotion 'calm'"):
        b.check_labels(["happy", "calm"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[emotions]\nfear = "m2"\nneutral = "M9"\n', r"map.toml: emotions.neutral: unknown interval 'M9'"),
        ('[emotions]\nfear = "m2"\nneutral = "M2"\n', r"map.toml: missing emotion 'sad'"),
        ("[emotions\n", r"map.toml: not valid TOML"),
        ("x = 1\n", r"map.toml: needs an \[emotions\] table"),
    ],
)
def test_bad_b_maps_give_one_line_errors(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message) as exc:
        load_method_b(_write(tmp_path, text))
    assert "\n" not in str(exc.value)


def test_bad_a_maps_give_one_line_errors(tmp_path):
    gap = '[[regions]]\ninterval = "M3"\nvalence = [0.5, 1.0]\narousal = [0.0, 1.0]\n'
    with pytest.raises(ConfigError, match=r"V=0\.250 A=0\.500 D=0\.500 is in no region"):
        load_method_a(_write(tmp_path, gap))
    overlap = gap + '[[regions]]\ninterval = "m3"\nvalence = [0.0, 0.6]\narousal = [0.0, 1.0]\n'
    with pytest.raises(ConfigError, match="is in 2 regions"):
        load_method_a(_write(tmp_path, overlap))
    bad_iv = '[[regions]]\ninterval = "tritonus"\nvalence = [0.0, 1.0]\narousal = [0.0, 1.0]\n'
    with pytest.raises(ConfigError, match="region 1: unknown interval 'tritonus'"):
        load_method_a(_write(tmp_path, bad_iv))
    bad_span = '[[regions]]\ninterval = "P1"\nvalence = [0.0, 1.5]\narousal = [0.0, 1.0]\n'
    with pytest.raises(ConfigError, match=r"valence = \[0, 1.5\] must satisfy"):
        load_method_a(_write(tmp_path, bad_span))


def test_user_a_map_replaces_the_shipped_one(tmp_path):
    two = (
        '[[regions]]\ninterval = "m3"\nvalence = [0.0, 0.5]\narousal = [0.0, 1.0]\n'
        '[[regions]]\ninterval = "M3"\nvalence = [0.5, 1.0]\narousal = [0.0, 1.0]\n'
    )
    p = _write(tmp_path, two)
    a = load_method_a(p)
    assert map_method(p) == "A"
    assert [a.interval_for(v, 0.9).short for v in (0.1, 0.49, 0.5, 1.0)] == ["m3", "m3", "M3", "M3"]


def test_plot_writes_a_png(tmp_path):
    out = plot_region_map(load_method_a(), tmp_path / "a.png", points=load_taxonomy().vad)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]
