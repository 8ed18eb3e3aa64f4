"""The REST API's share of the bad-input corpus (issue 15): every bad request is a 4xx whose
``detail`` is one line (naming the file or field), never a 500 or traceback text."""

from __future__ import annotations

import pytest

WAV_HEAD = b"RIFF\x24\x00\x00\x00WAVEfmt "


def upload(client, name, body, **data):
    return client.post("/api/analyses", files={"file": (name, body, "audio/wav")}, data=data)


CASES = [
    ("junk", lambda c, clips: upload(c, "junk.wav", clips["junk"].read_bytes()), 415, "junk.wav"),
    ("empty", lambda c, clips: upload(c, "empty.wav", b""), 422, "empty.wav"),
    ("header only", lambda c, clips: upload(c, "h.wav", WAV_HEAD), 415, "h.wav"),
    ("random bytes", lambda c, clips: upload(c, "r.ogg", bytes(range(256)) * 8), 415, "r.ogg"),
    ("too long", lambda c, clips: upload(c, "long.wav", clips["long"].read_bytes()), 422, "long.wav"),
    ("window", lambda c, clips: upload(c, "a.wav", b"x", window="9"), 422, "window"),
    ("window nan", lambda c, clips: upload(c, "a.wav", b"x", window="nan"), 422, "window"),
    ("hop", lambda c, clips: upload(c, "a.wav", b"x", hop="abc"), 422, "hop"),
    ("hop zero", lambda c, clips: upload(c, "a.wav", b"x", hop="0"), 422, "hop"),
    ("model", lambda c, clips: upload(c, "a.wav", b"x", model="nope"), 422, "nope"),
    ("task model", lambda c, clips: upload(c, "a.wav", b"x", model="valence"), 422, "valence"),
    ("domain", lambda c, clips: upload(c, "a.wav", b"x", domain="opera"), 422, "opera"),
    ("smooth", lambda c, clips: upload(c, "a.wav", b"x", smooth="lots"), 422, "lots"),
    ("method", lambda c, clips: upload(c, "a.wav", b"x", method="C"), 422, "C"),
    ("no file", lambda c, clips: c.post("/api/analyses", data={"window": "2"}), 422, "file"),
    ("not multipart", lambda c, clips: c.post("/api/analyses", content=b"x"), 422, "file"),
    ("unknown id", lambda c, clips: c.get("/api/analyses/nope"), 404, "nope"),
    ("delete unknown", lambda c, clips: c.delete("/api/analyses/nope"), 404, "nope"),
    ("compose unknown", lambda c, clips: c.post("/api/analyses/nope/compose", json={}), 404, "nope"),
    ("artifact", lambda c, clips: c.get("/api/artifacts/../../etc/passwd"), 404, ""),
    ("timeline format", lambda c, clips: c.get("/api/analyses/x/timeline?format=xml"), 422, "format"),
    ("limit", lambda c, clips: c.get("/api/analyses?limit=0"), 422, "limit"),
    (
        "json body too large",
        lambda c, clips: c.post("/api/analyses/x/compose", content=b" " * 70_000),
        413,
        "large",
    ),
    (
        "declared too large",
        lambda c, clips: c.post("/api/analyses", content=b"x", headers={"content-length": str(10**9)}),
        413,
        "too large",
    ),
    ("foreign host", lambda c, clips: c.get("/api/models", headers={"host": "evil.example"}), 400, "evil"),
    (
        "cross-origin upload",
        lambda c, clips: c.post("/api/analyses", content=b"x", headers={"origin": "http://evil.example"}),
        403,
        "evil.example",
    ),
    (
        "cross-site delete",
        lambda c, clips: c.delete("/api/analyses/x", headers={"sec-fetch-site": "cross-site"}),
        403,
        "cross-site",
    ),
]


@pytest.mark.parametrize(("what", "call", "status", "names"), CASES, ids=[c[0] for c in CASES])
def test_bad_request(client, clips, what, call, status, names):
    r = call(client, clips)
    assert r.status_code == status, (what, r.status_code, r.text)
    detail = r.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and "Traceback" not in detail
    assert names in detail, detail
