"""Metrics against hand-computed values; the confusion matrix has true labels in rows."""

from __future__ import annotations

import pytest

from emoscore.protocols.metrics import classification_report


def test_hand_computed_example() -> None:
    # a: 4 clips, 3 right (1 -> b); b: 2 clips, 1 right (1 -> a); c: 2 clips, 2 right
    y_true = ["a", "a", "a", "a", "b", "b", "c", "c"]
    y_pred = ["a", "a", "a", "b", "b", "a", "c", "c"]
    r = classification_report(y_true, y_pred)
    assert r.n == 8
    assert r.wa == pytest.approx(6 / 8)
    assert r.ua == pytest.approx((3 / 4 + 1 / 2 + 1) / 3)
    # F1: a: p=3/4 r=3/4 -> .75; b: p=1/2 r=1/2 -> .5; c: 1
    assert r.macro_f1 == pytest.approx((0.75 + 0.5 + 1.0) / 3)
    assert r.labels == ("a", "b", "c")
    assert r.confusion == ((3, 1, 0), (1, 1, 0), (0, 0, 2))  # rows true, columns predicted
    assert r.per_class_recall == {"a": 0.75, "b": 0.5, "c": 1.0}
    assert r.chance_ua == pytest.approx(1 / 3)
    assert r.chance_wa == pytest.approx(4 / 8)


def test_confusion_orientation_is_rows_true() -> None:
    r = classification_report(["x", "x", "x"], ["y", "y", "x"], labels=["x", "y"])
    assert r.confusion == ((1, 2), (0, 0))


def test_labels_absent_from_truth_do_not_count_towards_chance_or_ua() -> None:
    # the model may predict "c" though no test clip is "c": UA and chance over a, b only
    r = classification_report(["a", "a", "b", "b"], ["a", "c", "b", "b"], labels=["a", "b", "c"])
    assert r.labels == ("a", "b", "c")
    assert r.confusion == ((1, 0, 1), (0, 2, 0), (0, 0, 0))
    assert r.ua == pytest.approx(0.75)
    assert r.chance_ua == pytest.approx(0.5)
    assert set(r.per_class_recall) == {"a", "b"}
    # F1 over present classes: a p=1 r=.5 -> 2/3; b p=1 r=1 -> 1
    assert r.macro_f1 == pytest.approx((2 / 3 + 1) / 2)


def test_constant_guess_scores_chance() -> None:
    y = ["a"] * 6 + ["b"] * 3 + ["c"] * 1
    r = classification_report(y, ["a"] * 10)
    assert r.ua == pytest.approx(r.chance_ua) == pytest.approx(1 / 3)
    assert r.wa == pytest.approx(r.chance_wa) == pytest.approx(0.6)


def test_to_dict_is_json_ready() -> None:
    import json

    d = classification_report(["a", "b"], ["a", "a"]).to_dict()
    assert json.loads(json.dumps(d))["confusion"] == [[1, 0], [1, 0]]
    assert {"n", "wa", "ua", "macro_f1", "labels", "confusion", "chance_ua", "chance_wa"} <= set(d)


def test_single_class_evaluation_is_silent() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = classification_report(["sad"] * 3, ["sad", "sad", "happy"], labels=["sad"])
    assert r.confusion == ((2,),) and r.ua == pytest.approx(2 / 3) and r.chance_ua == 1.0
