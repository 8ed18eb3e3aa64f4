from __future__ import annotations

import json
import sys

import mido
import numpy as np
import pytest
import soundfile as sf

from emoscore.cli import main
from emoscore.timeline import ModelInfo, Segment, Timeline

LABELS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")


def run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
        sys.exit(0)
    out = capsys.readouterr()
    return exc.value.code or 0, out.out, out.err


def _seg(start, top, v, a, d):
    p = {lab: 0.05 for lab in LABELS}
    p[top] = 1 - 0.05 * 7
    return Segment(start, start + 2.0, p, v, a, d)


def _timeline(source: str) -> Timeline:
    segs = (_seg(0, "happy", 0.9, 0.7, 0.7), _seg(2, "sad", 0.15, 0.3, 0.2), _seg(4, "calm", 0.7, 0.15, 0.55))
    return Timeline(source, 6.0, ModelInfo("demo", "3", LABELS), 2.0, 2.0, segs)


@pytest.fixture
def scene(tmp_path):
    """A 6-s 'dialogue' wav and its timeline JSON (as `analyze --format json` writes it)."""
    wav = tmp_path / "scene.wav"
    t = np.arange(6 * 16000) / 16000
    sf.write(
        wav, (0.3 * np.sin(2 * np.pi * 200 * t) * (np.sin(2 * np.pi * 0.5 * t) > 0)).astype("float32"), 16000
    )
    js = tmp_path / "scene.json"
    js.write_text(json.dumps(_timeline(str(wav)).to_dict()))
    return wav, js


def _pairs(path):
    """Like the contract checker: note starts in twos, lower note = 48; plus CC values."""
    on, cc, t = {}, [], 0.0
    for msg in mido.MidiFile(path):
        t += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            on.setdefault(round(t, 3), []).append(msg.note)
        elif msg.type == "control_change":
            cc.append(msg.value)
    assert all(len(n) == 2 and min(n) == 48 for n in on.values())
    return [(k, max(n) - 48) for k, n in sorted(on.items())], cc


def test_compose_both_from_timeline_json(scene, tmp_path, capsys):
    _, js = scene
    out = tmp_path / "out"
    code, stdout, err = run(["compose", str(js), "--method", "both", "-o", str(out)], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["scene.A.mid", "scene.B.mid", "scene.intervals.json"]
    pa, cca = _pairs(out / "scene.A.mid")
    pb, _ = _pairs(out / "scene.B.mid")
    assert pa == [(0.0, 4), (2.0, 3), (4.0, 7)] and pb == [(0.0, 4), (2.0, 3), (4.0, 7)]
    assert cca == [6] * 7 * 3  # round(0.05 * 127) for the 7 non-top emotions of each window
    doc = json.loads((out / "scene.intervals.json").read_text())
    assert [s["interval"] for s in doc["methods"]["A"]["steps"]] == ["M3", "m3", "P5"]
    assert doc["methods"]["B"]["steps"][1]["notes"] == [48, 51] and doc["cc"]["sad"] == 23
    assert doc["comparison"]["r"] == pytest.approx(1.0)
    assert "method A: M3 m3 P5" in stdout


def test_compose_calls_the_recogniser(scene, tmp_path, capsys, monkeypatch):
    wav, _ = scene
    calls = []

    import emoscore.recognize

    def analyze(path, settings):
        calls.append((str(path), settings.model, settings.window, settings.hop))
        return _timeline(str(path))

    monkeypatch.setattr(emoscore.recognize, "analyze", analyze)
    out = tmp_path / "o"
    code, _, err = run(
        [
            "compose",
            str(wav),
            "--method",
            "B",
            "--window",
            "2",
            "--model",
            "mine",
            "-o",
            str(out),
            "--root",
            "D3",
            "--program",
            "0",
        ],
        capsys,
    )
    assert code == 0, err
    assert calls == [(str(wav), "mine", 2.0, 2.0)]
    assert sorted(p.name for p in out.iterdir()) == ["scene.B.mid", "scene.intervals.json"]
    mid = mido.MidiFile(out / "scene.B.mid")
    notes = [m.note for m in mid if m.type == "note_on" and m.velocity > 0]
    assert notes[:2] == [50, 54] and [m.program for m in mid if m.type == "program_change"] == [0, 0]


def test_compose_render_and_mix(scene, tmp_path, capsys):
    _, js = scene
    out = tmp_path / "o"
    code, stdout, err = run(["compose", str(js), "--method", "A", "--mix", "-o", str(out)], capsys)
    assert code == 0, err
    for name in ("scene.A.wav", "scene.A.mix.wav"):
        info = sf.info(out / name)
        assert info.samplerate == 44100 and info.subtype == "PCM_24" and info.duration >= 6.0
    assert "rendered with" in stdout


@pytest.mark.parametrize(
    ("map_text", "message"),
    [
        (
            '[emotions]\nfear = "m2"\nneutral = "M2"\nsadness = "m3"\nhappiness = "M3"\nanger = "TT"\n'
            'surprise = "ninth"\n',
            "emotions.surprise: unknown interval 'ninth'",
        ),
        (
            '[emotions]\nfear = "m2"\nneutral = "M2"\nsadness = "m3"\nhappiness = "M3"\nanger = "TT"\n'
            'surprise = "M7"\n',
            "no interval for emotion 'calm'",
        ),
    ],
)
def test_bad_map_is_one_line_and_writes_nothing(scene, tmp_path, capsys, map_text, message):
    _, js = scene
    m = tmp_path / "my.toml"
    m.write_text(map_text)
    out = tmp_path / "o"
    code, _, err = run(["compose", str(js), "--method", "B", "--map", str(m), "-o", str(out)], capsys)
    assert code == 1 and message in err and err.startswith("emoscore: ") and err.count("\n") == 1
    assert not out.exists() or not list(out.iterdir())


def test_empty_timeline_and_silent_video(tmp_path, capsys):
    js = tmp_path / "e.json"
    js.write_text(json.dumps({**_timeline("x.wav").to_dict(), "segments": []}))
    code, _, err = run(["compose", str(js), "-o", str(tmp_path / "o")], capsys)
    assert code == 1 and "the emotion timeline is empty" in err
    silent = tmp_path / "silent.mp4"
    import av

    with av.open(str(silent), "w") as c:
        v = c.add_stream("mpeg4", rate=5)
        v.width, v.height, v.pix_fmt = 32, 32, "yuv420p"
        for i in range(5):
            f = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            f.pts = i
            c.mux(v.encode(f))
        c.mux(v.encode(None))
    js2 = tmp_path / "silent.json"
    js2.write_text(json.dumps(_timeline(str(silent)).to_dict()))
    code, _, err = run(["compose", str(js2), "--video", "-o", str(tmp_path / "o2")], capsys)
    assert code == 1 and "silent.mp4: has no audio track" in err
    assert not (tmp_path / "o2").exists()


def test_render_compare_and_errors(scene, tmp_path, capsys):
    _, js = scene
    out = tmp_path / "o"
    run(["compose", str(js), "-o", str(out)], capsys)
    code, stdout, _ = run(["render", str(out / "scene.A.mid"), "--engine", "builtin"], capsys)
    assert code == 0 and "builtin" in stdout and sf.info(out / "scene.A.wav").subtype == "PCM_24"
    code, stdout, _ = run(
        [
            "compare",
            str(out / "scene.A.mid"),
            str(out / "scene.B.mid"),
            "--format",
            "json",
            "--plot",
            str(tmp_path / "c.png"),
        ],
        capsys,
    )
    d = json.loads(stdout)
    assert (
        code == 0 and d["a"] == [4, 3, 7] and d["r"] == pytest.approx(1.0) and (tmp_path / "c.png").exists()
    )
    code, stdout, _ = run(["compare", str(js)], capsys)
    assert code == 0 and "r = 1.000" in stdout
    junk = tmp_path / "junk.mid"
    junk.write_text("not midi")
    code, _, err = run(["render", str(junk), "-o", str(tmp_path / "junk.wav")], capsys)
    assert code == 1 and "junk.mid: not a valid MIDI file" in err and not (tmp_path / "junk.wav").exists()


def test_maps_show_and_plot(tmp_path, capsys):
    code, stdout, _ = run(["maps", "show", "--format", "json"], capsys)
    d = json.loads(stdout)
    assert code == 0 and d["B"]["emotions"]["fearful"] == "m2" and len(d["A"]["regions"]) == 12
    code, stdout, _ = run(["maps", "show", "--method", "B"], capsys)
    assert "angry      -> TT" in stdout and "CC numbers" in stdout
    for m in ("A", "B"):
        code, _, err = run(["maps", "plot", "--method", m, "-o", str(tmp_path / f"{m}.png")], capsys)
        assert code == 0, err
        assert (tmp_path / f"{m}.png").read_bytes()[:4] == b"\x89PNG"


def test_stats_json_and_bad_csv(tmp_path, capsys):
    x = np.array([-40.0, -20, -10, 0, 5, 15])
    p = tmp_path / "r.csv"
    p.write_text("scene,rating\n" + "".join(f"s1,{v}\n" for v in x) + "s2,10\ns2,30\n")
    code, stdout, _ = run(["stats", str(p), "--format", "json", "--plot", str(tmp_path / "b.png")], capsys)
    rows = json.loads(stdout)["scenes"]
    assert code == 0 and [r["scene"] for r in rows] == ["s1", "s2"] and rows[0]["n"] == 6
    assert rows[0]["mean"] == pytest.approx(x.mean()) and rows[1]["df"] == 1
    assert (tmp_path / "b.png").exists()
    code, stdout, _ = run(["stats", str(p)], capsys)
    assert code == 0 and stdout.splitlines()[1].split()[:3] == ["s1", "6", "-8.33"]
    p.write_text("scene,rating\ns1,good\n")
    code, _, err = run(["stats", str(p)], capsys)
    assert code == 1 and "line 2: rating 'good' is not a number" in err


def test_live_without_ports(scene, capsys, monkeypatch):
    def no_backend():
        raise RuntimeError("no ALSA sequencer")

    monkeypatch.setattr(mido, "get_output_names", no_backend)
    code, stdout, _ = run(["live", "--list-ports"], capsys)
    assert code == 0 and "no MIDI output ports" in stdout
    _, js = scene
    code, _, err = run(["live", "--input", str(js), "--midi-port", "Synth"], capsys)
    assert code == 1 and "MIDI output port 'Synth' not found; available ports: none" in err
    code, _, err = run(["live", "--midi-port", "Synth"], capsys)
    assert code == 2 and "exactly one of --input FILE or --mic" in err
