import json

import numpy as np
import pytest
from scipy import stats as sps

from emoscore.errors import DataError
from emoscore.stats import plot_ratings, read_ratings, scene_stats, ttest_from_summary

# paper 000 table 4 (n, mean, sd, se) -> table 5 (t, df, p)
TABLE_4_5 = [
    ("1", 32, 6.91, 44.33, 7.84, 0.88, 31, 0.385),
    ("2", 33, -14.03, 37.02, 6.44, 2.18, 32, 0.037),
    ("3", 33, -12.12, 32.94, 5.73, 2.11, 32, 0.042),
    ("4", 35, 9.46, 36.81, 6.22, 1.52, 34, 0.138),
]


@pytest.mark.parametrize(("scene", "n", "mean", "sd", "se", "t", "df", "p"), TABLE_4_5)
def test_reproduces_paper_000_tables_4_and_5(scene, n, mean, sd, se, t, df, p):
    s = ttest_from_summary(scene, n, mean, sd)
    assert round(s.se, 2) == pytest.approx(se, abs=0.011)
    assert round(abs(s.t), 2) == pytest.approx(t, abs=0.011)
    assert s.df == df
    assert round(s.p, 3) == pytest.approx(p, abs=0.0011)
    assert np.sign(s.t) == np.sign(mean)  # the sign says which method is favoured


def _ratings_with(n, mean, sd, seed):
    x = np.random.default_rng(seed).normal(size=n)
    return mean + sd * (x - x.mean()) / x.std(ddof=1)


def test_raw_ratings_match_scipy_one_sample_ttest(tmp_path):
    x2, x4 = _ratings_with(33, -14.03, 37.02, 1), _ratings_with(35, 9.46, 36.81, 2)
    x2, x4 = np.clip(x2, -60, 60), np.clip(x4, -60, 60)
    rows = [("2", v) for v in x2] + [("4", v) for v in x4]
    path = tmp_path / "r.csv"
    path.write_text("scene,rating\n" + "".join(f"{s},{float(v)!r}\n" for s, v in rows))
    got = {s.scene: s for s in scene_stats(read_ratings(path))}
    for scene, x in (("2", x2), ("4", x4)):
        ref = sps.ttest_1samp(x, 0.0)
        assert got[scene].n == len(x) and got[scene].df == len(x) - 1
        assert got[scene].mean == pytest.approx(x.mean()) and got[scene].sd == pytest.approx(x.std(ddof=1))
        assert got[scene].t == pytest.approx(ref.statistic) and got[scene].p == pytest.approx(ref.pvalue)
    d = json.loads(json.dumps(got["2"].to_dict()))
    assert set(d) == {"scene", "n", "mean", "sd", "se", "t", "df", "p"}
    png = plot_ratings(read_ratings(path), tmp_path / "box.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_degenerate_scene_has_no_t():
    s = scene_stats({"x": [10.0, 10.0, 10.0]})[0]
    assert s.sd == 0 and s.t is None and s.p is None and s.df == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("scene,rating\n1,12\n1,abc\n", r"line 3: rating 'abc' is not a number"),
        ("scene,rating\n1,75\n", r"line 2: rating 75 is outside -60\.\.60"),
        ("scene,score\n1,2\n", r"needs a header row with columns scene,rating"),
        ("scene,rating\n", r"no ratings"),
        ("scene,rating\n1,nan\n", r"outside"),
    ],
)
def test_bad_ratings_csv(tmp_path, text, message):
    p = tmp_path / "r.csv"
    p.write_text(text)
    with pytest.raises(DataError, match=message) as exc:
        read_ratings(p)
    assert str(exc.value).startswith(str(p)) and "\n" not in str(exc.value)
