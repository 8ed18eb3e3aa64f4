"""REST ``transcript=true``: the job's timeline carries the transcript and each window's words."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_upload_with_transcript(client, clips, wait_done):
    if "speech" not in clips:
        pytest.skip("espeak-ng is not installed")
    with clips["speech"].open("rb") as fh:
        r = client.post(
            "/api/analyses",
            files={"file": ("speech.wav", fh, "audio/wav")},
            data={"window": "2", "transcript": "true"},
        )
    assert r.status_code == 202, r.text
    job = wait_done(lambda i: client.get(f"/api/analyses/{i}").json(), r.json()["id"], timeout=240.0)
    assert job["status"] == "done", job["error"]
    assert job["options"]["transcript"] is True
    res = job["result"]
    said = " ".join(u["text"] for u in res["transcript"]).lower()
    assert "believe" in said and all("text" in s for s in res["segments"])
    csv_text = client.get(f"/api/analyses/{job['id']}/timeline?format=csv").text
    assert "text" in csv_text.splitlines()[0].split(",")


def test_upload_without_transcript_has_none(client, clips, wait_done):
    with clips["sad_angry"].open("rb") as fh:
        r = client.post("/api/analyses", files={"file": ("a.wav", fh, "audio/wav")}, data={"window": "4"})
    job = wait_done(lambda i: client.get(f"/api/analyses/{i}").json(), r.json()["id"])
    assert job["status"] == "done" and "transcript" not in job["result"]
    assert job["options"]["transcript"] is False
