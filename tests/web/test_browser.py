"""End to end in Debian's chromium (Playwright, offline flags): upload, timeline, select a window,
play and download the MIDI, history. Screenshots go to test-artifacts/web/."""

from __future__ import annotations

import io
from pathlib import Path

import mido
import pytest

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
    page.wait_for_function("document.querySelectorAll('#timeline rect.segment').length === 4", timeout=60_000)

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
    page.wait_for_function("document.querySelectorAll('#timeline rect.segment').length === 4")
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
