from __future__ import annotations

import math
import os

import pytest

from emoscore.corpora import (
    COLUMNS,
    load_cremad,
    load_emodb,
    load_label_folders,
    load_ravdess,
    load_savee,
    load_tess,
    read_emodb_ratings,
)
from emoscore.errors import DataError


@pytest.mark.corpus
def test_ravdess_real(shared_data):
    df = load_ravdess(shared_data / "ravdess")
    assert list(df.columns[:5]) == list(COLUMNS)
    assert len(df) == 1200
    assert df["speaker"].nunique() == 20
    assert set(df["speaker"]) == {f"ravdess:{i:02d}" for i in range(1, 21)}
    counts = df["label"].value_counts().to_dict()
    assert counts["neutral"] == 80
    assert all(counts[c] == 160 for c in ("calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"))
    assert df.loc[df["code"] == "05", "label"].unique().tolist() == ["angry"]
    assert set(df.loc[df["speaker"] == "ravdess:01", "gender"]) == {"m"}
    assert set(df.loc[df["speaker"] == "ravdess:02", "gender"]) == {"f"}
    assert (df["intensity"] == "strong").sum() == 7 * 20 * 4
    assert all(os.path.isabs(p) for p in df["path"]) and os.path.isfile(df["path"][0])


@pytest.mark.corpus
def test_emodb_real(shared_data):
    df = load_emodb(shared_data / "emodb")
    assert len(df) == 535
    assert df["speaker"].nunique() == 10
    assert df["code"].value_counts().to_dict() == {
        "W": 127,
        "L": 81,
        "N": 79,
        "F": 71,
        "A": 69,
        "T": 62,
        "E": 46,
    }
    assert (df["label"] == "boredom").sum() == 81 and (df["label"] == "fearful").sum() == 69
    row = df[df["path"].str.endswith("03a01Fa.flac")].iloc[0]
    assert (row["speaker"], row["text"], row["version"], row["gender"]) == ("emodb:03", "a01", "a", "m")
    assert (row["recognition"], row["naturalness"]) == (90.0, 75.0)
    assert df["recognition"].notna().all()
    assert df.groupby("gender")["speaker"].nunique().to_dict() == {"f": 5, "m": 5}


def test_ravdess_skips_other_modalities_and_rejects_unknown_codes(make_corpus):
    root = make_corpus(
        [
            "Actor_01/03-01-05-02-01-01-01.wav",
            "Actor_02/03-01-02-01-02-02-02.flac",
            "Actor_01/01-01-05-02-01-01-01.wav",  # video + speech: not audio-only
            "Actor_01/03-02-05-02-01-01-01.wav",  # song
            "notes.wav",
        ]
    )
    df = load_ravdess(root)
    assert df[["label", "code", "speaker", "intensity", "gender"]].values.tolist() == [
        ["angry", "05", "ravdess:01", "strong", "m"],
        ["calm", "02", "ravdess:02", "normal", "f"],
    ]
    make_corpus(["Actor_03/03-01-09-01-01-01-03.wav"])
    with pytest.raises(DataError, match=r"03-01-09-01-01-01-03\.wav.*unknown ravdess label '09'"):
        load_ravdess(root)


def test_emodb_without_ratings_file(make_corpus):
    root = make_corpus(["wav/11b03Td.wav", "wav/16a05La.ogg", "wav/readme.wav"])
    df = load_emodb(root)
    assert df[["label", "code", "speaker", "text", "gender"]].values.tolist() == [
        ["sad", "T", "emodb:11", "b03", "m"],
        ["boredom", "L", "emodb:16", "a05", "f"],
    ]
    assert math.isnan(df["recognition"][0])


def test_read_emodb_ratings_latin1_commas(tmp_path):
    text = "Nr.\tSatz\terkannt\tnatuerlich\n1\xa0\xa0\t03a01Ab.wav\t65,50\xa0\xa0\t35,00\xa0\n\n"
    (tmp_path / "erkennung.txt").write_bytes(text.encode("latin-1"))
    assert read_emodb_ratings(tmp_path / "erkennung.txt") == {"03a01Ab": (65.5, 35.0)}


def test_cremad_any_folder(make_corpus):
    root = make_corpus(
        ["AudioWAV/1001_DFA_ANG_XX.wav", "AudioWAV/1091_IEO_hap_HI.wav", "x/1002_TIE_NEU_XX.mp3"]
    )
    df = load_cremad(root)
    assert df[["label", "code", "speaker", "sentence", "level"]].values.tolist() == [
        ["angry", "ANG", "cremad:1001", "DFA", "XX"],
        ["happy", "HAP", "cremad:1091", "IEO", "HI"],
        ["neutral", "NEU", "cremad:1002", "TIE", "XX"],
    ]
    assert load_cremad(root / "x")["path"].str.endswith(".mp3").tolist() == [True]


def test_tess_file_and_folder_layouts(make_corpus):
    root = make_corpus(
        [
            "OAF_angry/OAF_back_angry.wav",
            "YAF_Pleasant_surprise/YAF_bite_ps.wav",
            "YAF_pleasant_surprised/YAF_chain_pleasant.wav",  # label only in the folder name
            "OAF_back_fear.wav",
            "other/unrelated.wav",
        ]
    )
    df = load_tess(root)
    got = sorted(df[["speaker", "word", "code", "label"]].values.tolist())
    assert got == [
        ["tess:OAF", "back", "angry", "angry"],
        ["tess:OAF", "back", "fear", "fearful"],
        ["tess:YAF", "bite", "ps", "surprised"],
        ["tess:YAF", "chain", "pleasant_surprised", "surprised"],
    ]


def test_savee_both_layouts(make_corpus):
    root = make_corpus(["DC_sa01.wav", "DC_su02.wav", "JE/a03.wav", "KL/n15.flac", "info/readme.wav"])
    df = load_savee(root)
    assert sorted(df[["speaker", "code", "label", "sentence"]].values.tolist()) == [
        ["savee:DC", "sa", "sad", "01"],
        ["savee:DC", "su", "surprised", "02"],
        ["savee:JE", "a", "angry", "03"],
        ["savee:KL", "n", "neutral", "15"],
    ]


def test_savee_unknown_letters(make_corpus):
    with pytest.raises(DataError, match="unknown savee label 'x'"):
        load_savee(make_corpus(["DC_x01.wav"]))


def test_label_folders(make_corpus):
    root = make_corpus(["anger/a.wav", "Sadness/b.flac", "joy/spk1/c.wav", "top.wav"], root="mine")
    df = load_label_folders(root)
    assert sorted(df[["label", "code", "speaker", "corpus"]].values.tolist()) == [
        ["angry", "anger", "mine:anger/a", "mine"],
        ["happy", "joy", "mine:spk1", "mine"],
        ["sad", "Sadness", "mine:Sadness/b", "mine"],
    ]
    make_corpus(["joyful/d.wav", "meh/e.wav"], root="mine")
    with pytest.raises(DataError, match=r"unknown label folder\(s\) 'joyful', 'meh'"):
        load_label_folders(root)


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(DataError, match=r"no cremad clips found \(expected 1001_DFA_ANG_XX.wav\)"):
        load_cremad(tmp_path)
    with pytest.raises(DataError, match="no audio found in label folders"):
        load_label_folders(tmp_path)
