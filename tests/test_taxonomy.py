"""The common taxonomy and corpus label maps (data in data/taxonomy.toml), validated on load."""

from __future__ import annotations

import pytest

from emoscore.errors import ConfigError, DataError
from emoscore.taxonomy import RAVDESS_EIGHT, load_taxonomy


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


def test_every_corpus_map_targets_known_classes(tax):
    assert {"ravdess", "emodb", "cremad", "tess", "savee", "generic"} <= set(tax.corpus_maps)
    for corpus, table in tax.corpus_maps.items():
        assert table, corpus
        assert set(table.values()) <= set(tax.emotions), corpus


def test_vad_in_unit_cube(tax):
    assert set(RAVDESS_EIGHT) <= set(tax.emotions)
    for name, v in tax.vad.items():
        assert len(v) == 3 and all(0.0 <= x <= 1.0 for x in v), name


@pytest.mark.parametrize(
    ("corpus", "code", "label"),
    [
        ("ravdess", "01", "neutral"),
        ("ravdess", "02", "calm"),
        ("ravdess", "08", "surprised"),
        ("emodb", "W", "angry"),
        ("emodb", "L", "boredom"),
        ("emodb", "A", "fearful"),
        ("cremad", "FEA", "fearful"),
        ("tess", "ps", "surprised"),
        ("savee", "sa", "sad"),
        ("savee", "su", "surprised"),
        ("generic", "Happiness", "happy"),
        ("generic", " anger ", "angry"),
    ],
)
def test_known_codes(tax, corpus, code, label):
    assert tax.map_label(corpus, code) == label


def test_ravdess_covers_the_eight_classes(tax):
    assert sorted(tax.corpus_maps["ravdess"].values()) == sorted(RAVDESS_EIGHT)


def test_unknown_code_error_names_it_and_the_source(tax):
    with pytest.raises(DataError) as exc:
        tax.map_label("emodb", "Q", source="03a01Qa.wav")
    msg = str(exc.value)
    assert "'Q'" in msg and "03a01Qa.wav" in msg and "emodb" in msg and "\n" not in msg
    with pytest.raises(DataError, match="'elated'"):
        tax.normalise("elated")


def test_unknown_corpus(tax):
    with pytest.raises(DataError, match="'iemocap'"):
        tax.map_label("iemocap", "ang")


GOOD = """
[emotions.happy]
vad = [0.9, 0.7, 0.7]
[emotions.sad]
vad = [0.1, 0.3, 0.2]
[corpora.mine]
h = "happy"
s = "sad"
"""


def test_user_taxonomy_file(tmp_path):
    path = tmp_path / "tax.toml"
    path.write_text(GOOD)
    t = load_taxonomy(path)
    assert t.emotions == ("happy", "sad") and t.map_label("mine", "s") == "sad"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (GOOD.replace("[0.9, 0.7, 0.7]", "[1.5, 0.7, 0.7]"), "emotions.happy.vad"),
        (GOOD.replace("[0.9, 0.7, 0.7]", "[-0.1, 0.7, 0.7]"), "emotions.happy.vad"),
        (GOOD.replace("[0.9, 0.7, 0.7]", "[0.9, 0.7]"), "emotions.happy.vad"),
        (GOOD.replace("[0.9, 0.7, 0.7]", '["a", 0.7, 0.7]'), "malformed"),
        (GOOD.replace('s = "sad"', 's = "gloomy"'), "unknown classes"),
        (GOOD.replace("[corpora.mine]", "[corpora_typo.mine]"), "malformed"),
        ("this is = not toml [", "not valid TOML"),
    ],
)
def test_bad_user_taxonomy_is_a_config_error_naming_the_file(tmp_path, text, match):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match) as exc:
        load_taxonomy(path)
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)


def test_missing_taxonomy_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_taxonomy(tmp_path / "nope.toml")
