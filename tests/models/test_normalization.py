import numpy as np

from emoscore.models.normalization import GroupStandardizer


def test_large_groups_are_fully_standardised():
    rng = np.random.default_rng(0)
    a = rng.normal(5.0, 2.0, (2000, 3))
    b = rng.normal(-3.0, 0.5, (2000, 3))
    X = np.vstack([a, b])
    groups = np.array(["a"] * 2000 + ["b"] * 2000)
    out = GroupStandardizer(prior=2).fit(X, groups=groups).transform(X, groups)
    for g in ("a", "b"):
        rows = out[groups == g]
        assert np.allclose(rows.mean(axis=0), 0, atol=0.05)
        assert np.allclose(rows.std(axis=0), 1, atol=0.05)


def test_a_single_row_is_normalised_mostly_by_the_training_statistics():
    rng = np.random.default_rng(1)
    train = rng.normal(0.0, 1.0, (500, 4))
    norm = GroupStandardizer(prior=20).fit(train)
    x = np.full((1, 4), 3.0)
    out = norm.transform(x)
    # with one row against a prior of 20, the group mean moves only 1/21 of the way to the row
    expected = (3.0 - 3.0 / 21) / np.sqrt(20 / 21 * train.var(axis=0))
    assert np.allclose(out[0], expected, rtol=0.05)


def test_none_groups_means_one_group():
    rng = np.random.default_rng(2)
    X = rng.normal(2.0, 3.0, (300, 2))
    norm = GroupStandardizer(prior=0.0).fit(X)
    assert np.allclose(norm.transform(X), norm.transform(X, ["x"] * 300))
    assert np.allclose(norm.transform(X).mean(axis=0), 0, atol=1e-5)


def test_running_normalizer_matches_batch_statistics_at_the_end():
    from emoscore.models.normalization import RunningNormalizer

    rng = np.random.default_rng(3)
    norm = GroupStandardizer(prior=5).fit(rng.normal(0, 1, (200, 3)))
    stream = rng.normal(4.0, 2.0, (64, 3))
    running = RunningNormalizer(norm)
    parts = [running(stream[i : i + 16]) for i in range(0, 64, 16)]
    # the last batch is normalised with the statistics of all 64 rows, as a one-group transform would
    assert np.allclose(parts[-1], norm.transform(stream)[-16:], atol=1e-4)
    # the first batch only knew its own 16 rows
    assert np.allclose(parts[0], norm.transform(stream[:16]), atol=1e-4)
