from __future__ import annotations

import os

import pytest

from emoscore.corpora import load_corpus, load_manifest, load_manifest_corpus
from emoscore.errors import DataError


def test_good_and_bad_rows(tmp_path, tone):
    tone(tmp_path / "clips" / "a.wav")
    tone(tmp_path / "clips" / "b.flac")
    tone(tmp_path / "clips" / "c.wav")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "path,label,speaker,take\n"
        "clips/a.wav,Anger,s1,1\n"
        "does/not/exist.wav,happy,s1,2\n"
        ",sad,s2,3\n"
        "\n"
        "clips/b.flac,joyful,s2,4\n"
        "clips/c.wav,,s2,5\n"
        "clips/c.wav,sadness,s2,6\n"
    )
    result = load_manifest(manifest)
    src = str(manifest)
    assert result.bad_rows == (
        f"{src}:3: does/not/exist.wav not found",
        f"{src}:4: empty path",
        f"{src}:6: clips/b.flac: unknown label 'joyful'",
        f"{src}:7: clips/c.wav: empty label",
    )
    df = result.frame
    assert df[["label", "code", "speaker", "corpus", "take"]].values.tolist() == [
        ["angry", "Anger", "manifest:s1", "manifest", "1"],
        ["sad", "sadness", "manifest:s2", "manifest", "6"],
    ]
    assert df["path"][0] == os.path.abspath(tmp_path / "clips" / "a.wav")


def test_without_speaker_each_clip_is_its_own(tmp_path, tone):
    tone(tmp_path / "x" / "one.wav")
    tone(tmp_path / "x" / "two.wav")
    manifest = tmp_path / "m.csv"
    # a BOM and upper-case, padded header names are common in spreadsheet exports
    manifest.write_text("\ufeffPath , LABEL\nx/one.wav,neutral\nx/two.wav,fear\n", encoding="utf-8")
    df = load_manifest(manifest, corpus="mine").frame
    assert df[["label", "speaker", "corpus"]].values.tolist() == [
        ["neutral", "mine:x/one", "mine"],
        ["fearful", "mine:x/two", "mine"],
    ]


def test_absolute_paths(tmp_path, tone):
    clip = tone(tmp_path / "elsewhere" / "z.wav")
    manifest = tmp_path / "sub" / "m.csv"
    manifest.parent.mkdir()
    manifest.write_text(f"path,label\n{clip},calm\n")
    assert load_manifest(manifest).frame["path"].tolist() == [str(clip)]


def test_missing_column_names_file_and_column(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,label\na.wav,happy\n")
    with pytest.raises(DataError, match=r"m\.csv: missing column 'path'"):
        load_manifest(manifest)


def test_no_usable_rows_and_missing_file(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,label\nnope.wav,happy\n")
    with pytest.raises(DataError, match=r"m\.csv: no usable rows \(1 bad; first: nope\.wav not found\)"):
        load_manifest(manifest)
    manifest.write_text("")
    with pytest.raises(DataError, match="empty manifest"):
        load_manifest(manifest)
    with pytest.raises(DataError, match=r"absent\.csv: manifest not found"):
        load_manifest(tmp_path / "absent.csv")


def test_catalogued_manifest_corpora(tmp_path, tone):
    """EMOVO and the Spanish students corpus are a manifest beside their audio; labels go
    through their own taxonomy maps (common names or the corpus's own words)."""
    emovo = tmp_path / "data" / "emovo"
    tone(emovo / "audio" / "rab-f1-b1.flac")
    tone(emovo / "audio" / "gio-m2-n3.flac")
    (emovo / "manifest.csv").write_text(
        "path,label,speaker\naudio/rab-f1-b1.flac,angry,emovo_f1\naudio/gio-m2-n3.flac,gio,emovo_m2\n"
        "audio/gone.flac,sad,emovo_m2\n"
    )
    frame = load_corpus("EMOVO", tmp_path / "data")
    assert frame[["label", "code", "speaker", "corpus"]].values.tolist() == [
        ["happy", "gio", "emovo:emovo_m2", "emovo"],
        ["angry", "angry", "emovo:emovo_f1", "emovo"],
    ]
    assert frame.attrs["bad_rows"] == (f"{emovo / 'manifest.csv'}:4: audio/gone.flac not found",)

    spanish = tmp_path / "data" / "spanish-students"
    tone(spanish / "audio" / "s03_Ira_1.flac")
    (spanish / "manifest.csv").write_text("path,label,speaker\naudio/s03_Ira_1.flac,Miedo,es_s03\n")
    frame = load_corpus("spanish-students", tmp_path / "data")
    assert frame[["label", "speaker"]].values.tolist() == [["fearful", "spanish-students:es_s03"]]
    # a word of another corpus is not a label here
    (spanish / "manifest.csv").write_text("path,label,speaker\naudio/s03_Ira_1.flac,rab,es_s03\n")
    with pytest.raises(DataError, match="no usable rows .*unknown label 'rab'"):
        load_corpus("spanish-students", tmp_path / "data")


def test_catalogued_manifest_missing(tmp_path):
    (tmp_path / "emovo").mkdir()
    with pytest.raises(DataError, match=r"emovo/manifest.csv: emovo manifest not found"):
        load_corpus("emovo", tmp_path)
    with pytest.raises(DataError, match=r"spanish-students: spanish-students not found; to get it, clone"):
        load_corpus("spanish-students", tmp_path)
    (tmp_path / "emovo" / "m.csv").write_text("path,label\n")
    with pytest.raises(DataError, match="no label map 'nope'"):
        load_manifest_corpus(tmp_path / "emovo", "nope", manifest="m.csv")


def test_a_clip_listed_again_counts_once(tmp_path, tone):
    tone(tmp_path / "a.wav")
    tone(tmp_path / "b.wav")
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "path,label\na.wav,angry\nb.wav,sad\n./a.wav,Anger\na.wav,angry\nb.wav,happy\n"
        + f"{tmp_path}/b.wav,sad\n"
    )
    with pytest.warns(UserWarning) as record:
        result = load_manifest(manifest)
    assert [str(w.message) for w in record] == [
        f"{manifest}: 3 duplicate row(s) dropped (a clip listed again counts once)"
    ]
    assert result.duplicates == 3
    assert result.frame["label"].tolist() == ["angry", "sad"]
    assert result.bad_rows == (f"{manifest}:6: b.wav: listed again with label 'happy' (line 3 has 'sad')",)


def test_a_corpus_named_twice_is_read_once(tmp_path, tone):
    from emoscore.corpora import load_corpora

    tone(tmp_path / "a.wav")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,label\na.wav,sad\n")
    with pytest.warns(UserWarning, match=f"{manifest}: corpus named more than once; read once"):
        frame = load_corpora([str(manifest), str(manifest)])
    assert len(frame) == 1
