"""Splits keep speakers on one side of every fold; ``random`` is the one leaky protocol."""

from __future__ import annotations

import numpy as np
import pytest

from emoscore.errors import ConfigError, DataError
from emoscore.protocols.splits import LEAKY, PROTOCOLS, make_splits


def corpus(n_speakers: int = 10, per: int = 6):
    labels = np.array(["happy", "sad", "angry"] * (n_speakers * per // 3))
    speakers = np.repeat([f"spk{i}" for i in range(n_speakers)], per)
    return labels, speakers


def assert_partition(splits, n: int) -> None:
    tests = np.concatenate([te for _, te in splits])
    assert sorted(tests.tolist()) == list(range(n)), "every row is tested exactly once"
    for tr, te in splits:
        assert not set(tr) & set(te)
        assert len(tr) + len(te) == n


@pytest.mark.parametrize("protocol", ["speaker-kfold", "group-kfold"])
def test_speaker_kfold_keeps_speakers_apart(protocol: str) -> None:
    y, spk = corpus()
    splits = make_splits(protocol, y, spk, folds=5, seed=3)
    assert len(splits) == 5
    assert_partition(splits, len(y))
    for tr, te in splits:
        assert not set(spk[tr]) & set(spk[te])
        assert len(set(spk[te])) == 2
    again = make_splits(protocol, y, spk, folds=5, seed=3)
    assert all((a[1] == b[1]).all() for a, b in zip(splits, again, strict=True)), "seeded"


def test_loso_one_speaker_per_test_fold() -> None:
    y, spk = corpus(n_speakers=4)
    splits = make_splits("loso", y, spk)
    assert len(splits) == 4
    assert_partition(splits, len(y))
    assert sorted(next(iter(set(spk[te]))) for _, te in splits) == sorted(set(spk))
    for tr, te in splits:
        assert len(set(spk[te])) == 1 and spk[te][0] not in set(spk[tr])


def test_random_is_leaky_and_mixes_speakers() -> None:
    assert LEAKY == {"random"} and set(PROTOCOLS) >= {"speaker-kfold", "loso", "random"}
    y, spk = corpus(n_speakers=3)
    splits = make_splits("random", y, spk, folds=3)
    assert_partition(splits, len(y))
    assert any(set(spk[tr]) & set(spk[te]) for tr, te in splits)


def test_too_few_speakers() -> None:
    y, spk = corpus(n_speakers=3)
    with pytest.raises(DataError, match="at least 5 speakers/groups, found 3"):
        make_splits("speaker-kfold", y, spk, folds=5)
    with pytest.raises(DataError, match="loso needs at least 2 speakers, found 1"):
        make_splits("loso", y, np.repeat("only", len(y)))


def test_unknown_protocol() -> None:
    y, spk = corpus()
    with pytest.raises(ConfigError, match="unknown protocol 'kfold'.*speaker-kfold"):
        make_splits("kfold", y, spk)
