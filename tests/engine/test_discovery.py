from __future__ import annotations

import os
from pathlib import Path

import pytest

from emoscore.engine.discovery import discover, discover_folder, is_media, read_batch_manifest
from emoscore.errors import DataError


def test_folder_is_searched_recursively_for_media_only(corpus: Path) -> None:
    (corpus / ".hidden").mkdir()
    (corpus / ".hidden" / "x.wav").write_bytes(b"")
    (corpus / "._junk.wav").write_bytes(b"")
    (corpus / "clip.MP4").write_bytes(b"")
    got = discover_folder(corpus)
    names = [os.path.relpath(f, corpus) for f in got.files]
    assert names == sorted(names)
    assert set(names) == {
        "broken.wav",
        "clip.MP4",
        "high1.wav",
        "low1.wav",
        "low2.wav",
        "sub/high2.flac",
        "sub/high3.wav",
    }
    assert all(os.path.isabs(f) for f in got.files)
    assert got.root == os.path.abspath(corpus) and got.problems == ()


def test_manifest_with_only_a_path_column(corpus: Path) -> None:
    m = corpus / "list.csv"
    m.write_text("path\nlow1.wav\nsub/high2.flac\nmissing.wav\n\nlow1.wav\n")
    got = read_batch_manifest(m)
    assert got.files == (str(corpus / "low1.wav"), str(corpus / "sub" / "high2.flac"))
    assert len(got.problems) == 1
    assert got.problems[0].file == str(corpus / "missing.wav")
    assert "file not found" in got.problems[0].message and "line 4" in got.problems[0].message


def test_manifest_labels_are_ignored_and_empty_paths_recorded(corpus: Path) -> None:
    m = corpus / "m.csv"
    m.write_text("path,label,speaker\nlow2.wav,nonsense,s1\n,sad,s2\n")
    got = discover(m)
    assert got.files == (str(corpus / "low2.wav"),)
    assert got.problems[0].file == f"{m}:3" and "empty path" in got.problems[0].message


@pytest.mark.parametrize(
    ("content", "needle"), [("file,label\na.wav,sad\n", "'path' column"), ("path\n", "lists no files")]
)
def test_bad_manifests(tmp_path: Path, content: str, needle: str) -> None:
    m = tmp_path / "m.csv"
    m.write_text(content)
    with pytest.raises(DataError, match=needle):
        discover(m)


def test_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        discover(tmp_path / "nope")
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(DataError, match="folder of audio/video files or a manifest"):
        discover(tmp_path / "a.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no audio or video files"):
        discover(tmp_path / "empty")
    assert is_media("a.webm") and not is_media("a.mid")
