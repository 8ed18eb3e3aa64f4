import json

import pytest
from scipy import stats as sps

from emoscore.errors import DataError
from emoscore.music.compare import compare_sequences, pearson, plot_comparison
from emoscore.music.midi import NotePair, read_note_pairs, write_midi
from emoscore.music.score import compose


def _pairs(values, step=4.0):
    return [NotePair(i * step, (i + 1) * step, 48, 48 + v) for i, v in enumerate(values)]


def test_pearson_matches_scipy():
    a, b = [4, 3, 6, 1, 2, 11, 0], [4, 3, 6, 1, 2, 7, 5]
    assert pearson(a, b) == pytest.approx(sps.pearsonr(a, b).statistic, abs=1e-12)
    assert pearson([2, 2, 2], [1, 3, 4]) is None  # undefined, not NaN


def test_same_windows_compare_window_by_window():
    c = compare_sequences(_pairs([4, 3, 6, 1]), _pairs([4, 3, 6, 2]))
    assert c.times == (0.0, 4.0, 8.0, 12.0) and c.a == (4, 3, 6, 1) and c.b == (4, 3, 6, 2)
    assert c.r == pytest.approx(sps.pearsonr(c.a, c.b).statistic) and c.r2 == pytest.approx(c.r**2)
    assert c.agreement == 0.75


def test_different_windows_sample_both_step_functions():
    c = compare_sequences(_pairs([1, 5], step=4.0), _pairs([2, 3, 4, 6], step=2.0))
    assert c.times == (0.0, 2.0, 4.0, 6.0) and c.a == (1, 1, 5, 5) and c.b == (2, 3, 4, 6)


def test_methods_from_midi_files(timeline, tmp_path):
    a = read_note_pairs(write_midi(compose(timeline, "A"), tmp_path / "a.mid"))
    b = read_note_pairs(write_midi(compose(timeline, "B"), tmp_path / "b.mid"))
    c = compare_sequences(a, b)
    assert c.a == (4, 3, 6, 1, 2) and c.b == (4, 3, 6, 1, 2) and c.r == pytest.approx(1.0)
    d = json.loads(json.dumps(c.to_dict()))
    assert d["n"] == 5 and d["r2"] == pytest.approx(1.0)
    png = plot_comparison(c, tmp_path / "c.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_empty_is_an_error():
    with pytest.raises(DataError, match="no note pairs"):
        compare_sequences([], _pairs([1]))
