import mido
import numpy as np
import pytest
import soundfile as sf

from emoscore.errors import ConfigError
from emoscore.music import live
from emoscore.music.score import compose
from emoscore.timeline import ModelInfo, Segment, Timeline


class FakeClock:
    """Time that passes only when someone waits (or work is simulated)."""

    def __init__(self):
        self.t = 100.0

    def now(self):
        return self.t

    def sleep_until(self, t):
        self.t = max(self.t, t)


class RecordingPort(mido.ports.BaseOutput):
    """An in-process output port that records each message with the clock time it was sent."""

    def __init__(self, clock):
        self.clock = clock
        self.sent = []
        super().__init__("recorder")

    def _send(self, msg):
        self.sent.append((round(self.clock.now() - 100.0, 6), msg))


def test_each_pair_starts_when_its_window_completes(timeline):
    clock = FakeClock()
    port = RecordingPort(clock)
    steps = compose(timeline, "B").steps
    report = live.play_live(iter(steps), port, clock=clock)
    ons = [(t, m.channel, m.note, m.velocity) for t, m in port.sent if m.type == "note_on"]
    offs = [(t, m.note) for t, m in port.sent if m.type == "note_off"]
    assert [(t, n) for t, ch, n, _ in ons if ch == 1] == [
        (4.0, 52),
        (8.0, 51),
        (12.0, 54),
        (16.0, 49),
        (20.0, 50),
    ]
    assert [(t, n) for t, ch, n, _ in ons if ch == 0] == [(t, 48) for t in (4.0, 8.0, 12.0, 16.0, 20.0)]
    # each pair sounds until the next window completes; the last one for its own length
    assert [t for t, n in offs if n != 48] == [8.0, 12.0, 16.0, 20.0, 24.0]
    assert [v for _, ch, _, v in ons if ch == 0] == [s.velocity for s in steps]
    ccs = [(t, m.control, m.value) for t, m in port.sent if m.type == "control_change"]
    assert [(c, v) for t, c, v in ccs if t == 4.0] == list(steps[0].controllers)
    # at a window boundary: release the old pair, then the controllers, then the new pair
    at8 = [m.type for t, m in port.sent if t == 8.0]
    assert at8 == ["note_off"] * 2 + ["control_change"] * 7 + ["note_on"] * 2
    assert report.windows == 5 and report.messages == len(port.sent) and report.max_late == 0.0
    assert port.sent[0][1].type == "program_change"


def test_late_windows_are_sent_at_once_and_reported(timeline):
    clock = FakeClock()
    port = RecordingPort(clock)

    def slow():
        for s in compose(timeline, "A").steps:
            clock.t = 100.0 + s.end + 0.25  # the analysis of this window took 0.25 s past its end
            yield s

    report = live.play_live(slow(), port, clock=clock)
    starts = [t for t, m in port.sent if m.type == "note_on" and m.channel == 0]
    assert starts == [4.25, 8.25, 12.25, 16.25, 20.25]
    assert report.max_late == pytest.approx(0.25)


def test_interrupt_releases_the_sounding_notes(timeline):
    clock = FakeClock()
    port = RecordingPort(clock)

    def interrupted():
        steps = compose(timeline, "A").steps
        yield steps[0]
        yield steps[1]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        live.play_live(interrupted(), port, clock=clock)
    ons = sum(m.type == "note_on" for _, m in port.sent)
    offs = sum(m.type == "note_off" for _, m in port.sent)
    assert ons == offs == 4


def test_no_ports_is_a_clear_error(monkeypatch):
    def no_backend():
        raise RuntimeError("MidiInAlsa::initialize: error creating ALSA sequencer client object.")

    monkeypatch.setattr(mido, "get_output_names", no_backend)
    assert live.list_output_ports() == []
    with pytest.raises(ConfigError, match="MIDI output port 'Synth 1' not found; available ports: none"):
        live.open_output_port("Synth 1")
    monkeypatch.setattr(mido, "get_output_names", lambda: ["Other"])
    with pytest.raises(ConfigError, match="available ports: 'Other'"):
        live.open_output_port("Synth 1")


def test_steps_from_a_live_stream():
    """Blocks arrive in 0.5-s pieces; every 2 s of them is analysed as one window."""
    rate = 16000
    loud = 0.5 * np.sin(np.arange(2 * rate) / 3).astype(np.float32)
    audio = np.concatenate(
        [np.zeros(2 * rate, np.float32) + 1e-3, loud, np.zeros(2 * rate, np.float32) + 1e-3]
    )
    blocks = [audio[i : i + rate // 2] for i in range(0, len(audio), rate // 2)]
    seen = []

    def analyze(path):
        y, r = sf.read(path)
        seen.append((r, len(y)))
        energetic = float(np.sqrt(np.mean(y**2))) > 0.1
        p = {"angry": 0.8, "sad": 0.2} if energetic else {"angry": 0.2, "sad": 0.8}
        vad = (0.15, 0.85, 0.7) if energetic else (0.15, 0.3, 0.2)
        return Timeline(path, 2.0, ModelInfo("m", "1", ("angry", "sad")), 2.0, 2.0, (Segment(0, 2, p, *vad),))

    steps = list(live.steps_from_blocks(blocks, rate, window=2.0, analyze=analyze, method="B"))
    assert seen == [(rate, 2 * rate)] * 3
    assert [(s.start, s.end, s.interval) for s in steps] == [
        (0.0, 2.0, "m3"),
        (2.0, 4.0, "TT"),
        (4.0, 6.0, "m3"),
    ]
