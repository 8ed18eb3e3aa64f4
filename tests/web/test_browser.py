"""End to end in Debian's chromium (Playwright, offline flags): upload, timeline, select a window,
play and download the MIDI, history, the domain band, scored videos. Screenshots go to
test-artifacts/web/."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (bash scripts/install-system-deps.sh)"
)


def expect(locator):
    """Playwright's ``expect`` (imported here: the module is skipped without Playwright)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # the page must work under its Content-Security-Policy: a blocked script or style is an error
    pg.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    outside: list[str] = []
    pg.on(
        "request",
        lambda r: (
            None if r.url.startswith(live_server) or r.url.startswith("data:") else outside.append(r.url)
        ),
    )
    pg.goto(live_server)
    yield pg
    ctx.close()
    assert not errors, errors
    assert not outside, f"the page fetched from outside the server: {outside}"


def test_upload_select_play_download_history(page, clips, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_selector("#model option[value=tiny]", state="attached")
    page.set_input_files("#file", str(clips["sad_angry"]))
    page.eval_on_selector("#window", "e => { e.value = '2'; e.dispatchEvent(new Event('input')); }")
    assert page.inner_text("#window-out") == "2.0 s"
    page.click("#analyse")
    # expect(), not wait_for_function: the page's CSP forbids the eval the latter needs
    expect(page.locator("#timeline rect.segment")).to_have_count(4, timeout=60_000)

    # hover shows the probabilities, click selects the window
    page.hover("#timeline rect.segment >> nth=3")
    assert page.is_visible("#tooltip") and page.inner_text("#tooltip").startswith("angry")
    page.click("#timeline rect.segment >> nth=3")
    assert page.inner_text("#window-label").startswith("#4") and "angry" in page.inner_text("#window-label")
    widths = page.eval_on_selector_all(
        "#probs rect.prob-bar", "bars => bars.map(b => [b.dataset.label, +b.getAttribute('width')])"
    )
    assert max(widths, key=lambda w: w[1])[0] == "angry"
    assert page.eval_on_selector("#va circle[r='7']", "c => c.getAttribute('fill')") == "#d64545"

    # music: both methods, players, the interval sequence of method B
    page.wait_for_selector("#players audio[data-method=B][data-kind=mix]", timeout=60_000)
    assert page.inner_text("#sequences").splitlines()[1].split()[-4:] == ["m3", "m3", "TT", "TT"]
    page.screenshot(path=str(SHOTS / "results.png"), full_page=True)
    played = page.eval_on_selector(
        "#players audio[data-method=A][data-kind=wav]",
        "a => a.play().then(() => new Promise(r => setTimeout(r, 700))).then(() => a.currentTime)",
    )
    assert played > 0.1

    with page.expect_download() as dl:
        page.click("#downloads a[data-kind=midi][data-method=B]")
    saved = tmp_path / dl.value.suggested_filename
    dl.value.save_as(saved)
    assert saved.name == "sad_angry.B.mid"
    notes = [
        m.note
        for m in mido.MidiFile(file=io.BytesIO(saved.read_bytes()))
        if m.type == "note_on" and m.velocity
    ]
    assert notes == [48, 51, 48, 51, 48, 54, 48, 54]

    # history: the analysis is listed and re-opens after a reload
    page.reload()
    row = page.wait_for_selector("#history tr[data-id]")
    assert "sad_angry.wav" in row.inner_text() and "done" in row.inner_text()
    row.query_selector("button").click()
    expect(page.locator("#timeline rect.segment")).to_have_count(4)
    assert page.inner_text("#result-title") == "sad_angry.wav"
    page.wait_for_selector("#players audio")
    page.screenshot(path=str(SHOTS / "reopened.png"), full_page=True)


def test_rejected_input_gets_a_clear_message(page, clips):
    page.set_input_files("#file", str(clips["junk"]))
    page.click("#analyse")
    page.wait_for_selector("#message:not([hidden])", timeout=20_000)
    text = page.inner_text("#message")
    assert text.startswith("Rejected: junk.wav: not a readable audio or video file")
    assert page.is_hidden("#progress") and page.is_enabled("#analyse")
    page.screenshot(path=str(SHOTS / "rejected.png"))


def chord_then_noise(path: Path, rate: int = 16_000) -> Path:
    """4 s of a C major triad, then 4 s of white noise."""
    t = np.arange(4 * rate) / rate
    chord = sum(0.1 * np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0))
    noise = np.random.default_rng(0).normal(scale=0.1, size=t.size)
    sf.write(path, np.r_[chord, noise].astype(np.float32), rate)
    return path


def latest_job(page) -> dict:
    return page.evaluate(
        "() => fetch('/api/analyses?limit=1').then(r => r.json())"
        ".then(h => fetch(h.items[0].url)).then(r => r.json())"
    )


def test_domain_band_and_windows_without_speech_emotion(page, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_selector("#model option[value=tiny]", state="attached")
    assert page.eval_on_selector("#domain", "s => s.value") == "speech"  # the server's default (--domain)
    page.select_option("#domain", "auto")
    page.set_input_files("#file", str(chord_then_noise(tmp_path / "chord_noise.wav")))
    page.eval_on_selector("#window", "e => { e.value = '2'; e.dispatchEvent(new Event('input')); }")
    page.click("#analyse")
    expect(page.locator("#domains .domain-seg")).to_have_count(4, timeout=60_000)
    assert page.is_visible("#domain-row") and "sound type auto" in page.inner_text("#result-meta")

    job = latest_job(page)
    assert job["options"]["domain"] == "auto" and job["result"]["domain_mode"] == "auto"
    segs = job["result"]["segments"]
    cells = page.eval_on_selector_all(
        "#domains .domain-seg", "cs => cs.map(c => [c.dataset.domain, c.textContent])"
    )
    tops = [max(s["quadrant"], key=s["quadrant"].get) if s["quadrant"] else "" for s in segs]
    assert cells == [[s["domain"], q] for s, q in zip(segs, tops, strict=True)]
    assert all(d in ("speech", "music", "other", "silence") for d, _ in cells)
    legend = page.eval_on_selector_all("#domain-legend [data-domain]", "xs => xs.map(x => x.dataset.domain)")
    assert legend[:3] == ["speech", "music", "other"]
    page.click("#domains .domain-seg >> nth=1")
    assert page.inner_text("#window-label").startswith("#2") and segs[1]["domain"] in page.inner_text(
        "#window-label"
    )
    page.wait_for_selector("#players audio[data-kind=mix]", timeout=60_000)
    page.screenshot(path=str(SHOTS / "domains.png"), full_page=True)

    # chord and noise hold no speech: no window has a speech emotion, so no bars anywhere
    assert all(s["emotion"] is None and s["probabilities"] == {} for s in segs)
    assert page.eval_on_selector_all("#timeline rect.segment", "rs => rs.length") == 4
    assert page.eval_on_selector_all(
        "#timeline rect.segment.no-emotion", "rs => rs.map(r => +r.getAttribute('fill-opacity'))"
    ) == [0, 0, 0, 0]
    page.hover("#timeline rect.segment >> nth=3")
    assert page.inner_text("#tooltip").startswith("no speech emotion")
    page.click("#timeline rect.segment >> nth=3")
    assert "no speech emotion" in page.inner_text("#window-label")
    assert not page.query_selector_all("#probs rect.prob-bar")
    assert "no speech emotion in this window" in page.text_content("#probs")


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed")
def test_scored_videos_are_listed_per_method(page, tmp_path):
    clip = tmp_path / "scene.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=teal:s=64x48:r=10:d=3",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=300:sample_rate=16000:duration=3",
            "-c:v",
            "mpeg4",
            "-c:a",
            "aac",
            "-shortest",
            str(clip),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    page.wait_for_selector("#model option[value=tiny]", state="attached")
    page.set_input_files("#file", str(clip))
    page.click("#analyse")
    page.wait_for_selector("#downloads a[data-kind=video][data-method=B]", timeout=90_000)
    links = page.eval_on_selector_all(
        "#downloads a[data-kind=video]", "as => as.map(a => [a.textContent, a.title])"
    )
    assert links == [["scored video A", "video/mp4"], ["scored video B", "video/mp4"]]
    kinds = page.eval_on_selector_all("#downloads a", "as => as.map(a => a.dataset.kind || '')")
    assert {"midi", "wav", "mix", "video"} <= set(kinds)
    assert page.is_visible("#players video[data-method=A][data-kind=video]")
    with page.expect_download() as dl:
        page.click("#downloads a[data-kind=video][data-method=A]")
    assert dl.value.suggested_filename == "scene.A.mp4"
    page.screenshot(path=str(SHOTS / "scored-video.png"), full_page=True)
