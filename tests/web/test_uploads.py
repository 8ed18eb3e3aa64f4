"""Uploads are stored by content hash, bounded in size, and named only for display."""

from __future__ import annotations

import io

import pytest

from emoscore.web.uploads import UploadTooLarge, display_name, store_upload, upload_path


def test_stored_once_under_its_hash(tmp_path):
    a = store_upload(io.BytesIO(b"abc" * 1000), tmp_path, max_bytes=10_000)
    b = store_upload(io.BytesIO(b"abc" * 1000), tmp_path, max_bytes=10_000)
    assert a == b and a.path == tmp_path / a.sha256[:2] / a.sha256 and a.path.read_bytes() == b"abc" * 1000
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [a.path]


def test_too_large_keeps_nothing(tmp_path):
    with pytest.raises(UploadTooLarge):
        store_upload(io.BytesIO(b"x" * 5000), tmp_path, max_bytes=4999)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../x.wav", "x.wav"),
        ("a\\b\\c.mp4", "c.mp4"),
        ("..", "upload"),
        ("\x00evil\n.wav", "evil.wav"),
        ("", "upload"),
        (".hidden", "hidden"),
    ],
)
def test_display_name(raw, shown):
    assert display_name(raw) == shown


def test_upload_path_refuses_anything_but_a_digest(tmp_path):
    with pytest.raises(ValueError):
        upload_path(tmp_path, "../../etc/passwd")
