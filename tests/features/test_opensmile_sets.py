import pickle

import numpy as np
import pytest

from emoscore.features import CompareExtractor, EgemapsExtractor


@pytest.mark.parametrize(("cls", "dim"), [(EgemapsExtractor, 88), (CompareExtractor, 6373)])
def test_dims_determinism_and_pickling(cls, dim, clip):
    e = cls()
    f = e(clip, 16_000)
    assert f.shape == (dim,) and f.dtype == np.float32 and np.all(np.isfinite(f))
    np.testing.assert_array_equal(f, e(clip, 16_000))
    assert e._smile is not None  # built once, reused
    smile = e._smile
    e(clip, 16_000)
    assert e._smile is smile
    e2 = pickle.loads(pickle.dumps(e))
    assert e2._smile is None and e2 == e
    np.testing.assert_array_equal(e2(clip, 16_000), f)


def test_egemaps_tracks_pitch(make_voiced):
    """F0semitoneFrom27.5Hz_sma3nz_amean is the first eGeMAPS functional: 12*log2(140/27.5) = 28.2."""
    low = EgemapsExtractor()(make_voiced(f0=140.0), 16_000)
    high = EgemapsExtractor()(make_voiced(f0=280.0), 16_000)
    assert abs(low[0] - 28.2) < 1.5
    assert abs((high[0] - low[0]) - 12.0) < 1.5


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("seconds", [0.001, 0.3, 4.0])
@pytest.mark.parametrize("gain", [1.0, 6.0])
def test_engine_path_equals_process_signal(seconds, gain, make_voiced):
    """The direct engine run (the fast path) gives exactly what ``Smile.process_signal`` gives,
    also for a clip too short for any output (zeros) and for samples beyond full scale."""
    e = EgemapsExtractor()
    y = gain * make_voiced(seconds=4.0, f0=180.0, seed=2)[: max(1, int(seconds * 16_000))]
    ref = np.nan_to_num(e._get_smile().process_signal(y, 16_000).to_numpy(dtype=np.float32)[0])
    np.testing.assert_array_equal(e(y, 16_000), ref)
    assert e._engine_options(e._get_smile()) is not None  # the fast path ran, not the fallback
    if seconds < 0.01:
        assert not ref.any()


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_one_engine_reset_between_clips_equals_fresh_runs(make_voiced):
    """The kept engine is reset after each clip: nothing carries over from one clip to the next,
    whatever their order or length (a too-short clip in between included)."""
    clips = [
        make_voiced(seconds=4.0, f0=120.0, seed=1),
        make_voiced(seconds=0.002, f0=150.0, seed=2),
        3.0 * make_voiced(seconds=1.3, f0=240.0, seed=3),
        make_voiced(seconds=2.0, f0=90.0, seed=4),
    ]
    e = EgemapsExtractor()
    smile = e._get_smile()
    fresh = [np.nan_to_num(smile.process_signal(c, 16_000).to_numpy(dtype=np.float32)[0]) for c in clips]
    for order in (clips, clips[::-1]):
        got = [e(c, 16_000) for c in order]
        want = fresh if order is clips else fresh[::-1]
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
    engine = e._engine
    e(clips[0], 16_000)
    assert engine is not None and e._engine is engine  # kept, not rebuilt
