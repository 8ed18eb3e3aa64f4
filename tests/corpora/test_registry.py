from __future__ import annotations

import pytest

from emoscore.corpora import (
    corpus_catalog,
    default_data_root,
    describe_corpus,
    load_corpora,
    load_corpus,
    resolve_name,
)
from emoscore.errors import DataError
from emoscore.taxonomy import RAVDESS_EIGHT


def test_catalogue_matches_taxonomy():
    from emoscore.corpora.layouts import LOADERS
    from emoscore.corpora.music import MUSIC_LOADERS
    from emoscore.taxonomy import load_taxonomy

    catalog = corpus_catalog()
    listed = {name for name, info in catalog.items() if info.manifest is not None}
    assert listed == {"emovo", "spanish-students"}
    assert set(catalog) == set(LOADERS) | set(MUSIC_LOADERS) | listed
    # music corpora are labelled by quadrant
    assert set(LOADERS) | listed <= set(load_taxonomy().corpus_maps)
    assert resolve_name("CREMA-D").name == "cremad" and resolve_name(" EmoDB ").name == "emodb"
    assert resolve_name("iemocap") is None


def test_default_data_root(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOSCORE_DATA", str(tmp_path))
    assert default_data_root() == tmp_path
    monkeypatch.setenv("EMOSCORE_DATA", str(tmp_path / "gone"))
    with pytest.raises(DataError, match=r"gone: data root from \$EMOSCORE_DATA is not a folder"):
        default_data_root()
    monkeypatch.delenv("EMOSCORE_DATA")
    work = tmp_path / "proj" / "main"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    with pytest.raises(DataError, match="no data root: .*pass --data-root DIR or set"):
        default_data_root()
    (tmp_path / "proj" / "shared" / "data").mkdir(parents=True)
    assert (work / default_data_root()).resolve() == (tmp_path / "proj" / "shared" / "data").resolve()


def test_load_by_name_alias_folder_and_filter(tmp_path, make_corpus):
    make_corpus(["CREMA-D/AudioWAV/1001_DFA_ANG_XX.wav", "CREMA-D/AudioWAV/1002_DFA_SAD_LO.wav"], root="data")
    make_corpus(["savee/DC_a01.wav", "savee/DC_h02.wav"], root="data")
    root = tmp_path / "data"
    assert load_corpus("cremad", root)["label"].tolist() == ["angry", "sad"]
    assert len(load_corpus("crema-d", root, labels=["sad"])) == 1
    both = load_corpora("cremad, savee", root, labels=["angry", "sad", "happy"])
    assert both["corpus"].tolist() == ["cremad", "cremad", "savee", "savee"]
    assert both["speaker"].tolist() == ["cremad:1001", "cremad:1002", "savee:DC", "savee:DC"]
    assert both["level"].tolist()[:2] == ["XX", "LO"] and both["level"].isna().tolist()[2:] == [True, True]
    with pytest.raises(DataError, match=r"unknown label\(s\) 'anger' in the label filter"):
        load_corpus("cremad", root, labels=["anger"])
    with pytest.raises(DataError, match="no clips with label"):
        load_corpus("savee", root, labels=["fearful"])


def test_missing_corpus_says_how_to_get_it(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(DataError, match=r"data/tess: tess not found; to get it, download it from https://"):
        load_corpus("tess", tmp_path / "data")
    with pytest.raises(DataError, match=r"nowhere: data root not found"):
        load_corpus("tess", tmp_path / "nowhere")
    with pytest.raises(DataError, match=r"iemocap: unknown corpus \(known: cremad, emodb"):
        load_corpus("iemocap", tmp_path)


def test_manifest_and_label_folder_by_path(tmp_path, make_corpus):
    folder = make_corpus(["happy/a.wav", "sad/b.wav"], root="byfolder")
    assert load_corpus(folder)["label"].tolist() == ["happy", "sad"]
    manifest = tmp_path / "byfolder" / "list.csv"
    manifest.write_text("path,label\nhappy/a.wav,joy\nmissing.wav,sad\n")
    df = load_corpus(str(manifest))
    assert df["label"].tolist() == ["happy"] and df["corpus"].tolist() == ["list"]
    assert df.attrs["bad_rows"] == (f"{manifest}:3: missing.wav not found",)
    both = load_corpora([manifest, folder])
    assert len(both) == 3 and len(both.attrs["bad_rows"]) == 1


def test_describe_counts_durations_and_unreadable(make_corpus):
    folder = make_corpus(["angry/a.wav", "angry/b.flac"], root="d", seconds=0.25)
    make_corpus(["calm/c.wav"], root="d", seconds=0.5)
    (folder / "calm" / "broken.wav").write_bytes(b"not audio at all")
    summary = describe_corpus(load_corpus(folder))
    assert summary["clips"] == 4 and summary["speakers"] == 4
    assert summary["labels"] == {"calm": 2, "angry": 2}
    assert summary["duration_s"] == pytest.approx(1.0, abs=1e-3)
    assert summary["unreadable"] == 1
    assert summary["licences"] == {"d": "see the data's own terms"}
    assert "duration_s" not in describe_corpus(load_corpus(folder), durations=False)


@pytest.mark.corpus
def test_real_ravdess_and_emodb_eight_classes(shared_data):
    df = load_corpora("ravdess,emodb", shared_data, labels=RAVDESS_EIGHT)
    assert len(df) == 1200 + 535 - 81
    assert "boredom" not in set(df["label"])
    assert df["speaker"].nunique() == 30
    summary = describe_corpus(df, durations=False)
    assert summary["clips_per_corpus"] == {"ravdess": 1200, "emodb": 454}
    assert summary["licences"]["ravdess"].startswith("CC BY-NC-SA 4.0")


@pytest.mark.corpus
def test_real_emovo_and_spanish_students(shared_data):
    emovo = load_corpus("emovo", shared_data)
    assert len(emovo) == 588 and emovo["speaker"].nunique() == 6
    assert emovo["label"].value_counts().to_dict() == dict.fromkeys(
        ("neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised"), 84
    )
    spanish = load_corpus("spanish", shared_data)  # alias
    assert len(spanish) == 1153 and spanish["speaker"].nunique() == 14
    assert set(spanish["corpus"]) == {"spanish-students"} and not spanish.attrs["bad_rows"]
    assert spanish["speaker"].iloc[0] == "spanish-students:es_s00"
    summary = describe_corpus(load_corpora("emovo,spanish-students", shared_data), durations=False)
    assert summary["licences"]["emovo"].startswith("research use only")
    assert summary["licences"]["spanish-students"].startswith("research use only")
