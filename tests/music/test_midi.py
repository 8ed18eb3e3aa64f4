import mido
import pytest

from emoscore.errors import DataError
from emoscore.music.midi import TICKS_PER_SECOND, read_note_pairs, write_midi
from emoscore.music.score import compose


def _events(path):
    """(seconds, message) for every channel message, from the file as written."""
    t, out = 0.0, []
    for msg in mido.MidiFile(path):
        t += msg.time
        if not msg.is_meta:
            out.append((round(t, 6), msg))
    return out


def test_note_pairs_durations_and_times(timeline, tmp_path):
    path = write_midi(compose(timeline, "B"), tmp_path / "s.B.mid")
    ev = _events(path)
    ons = [(t, m.channel, m.note, m.velocity) for t, m in ev if m.type == "note_on" and m.velocity > 0]
    offs = [(t, m.channel, m.note) for t, m in ev if m.type == "note_off"]
    starts = [0.0, 4.0, 8.0, 12.0, 16.0]
    uppers = [52, 51, 54, 49, 50]
    assert [(t, n) for t, ch, n, _ in ons if ch == 0] == [(s, 48) for s in starts]
    assert [(t, n) for t, ch, n, _ in ons if ch == 1] == list(zip(starts, uppers, strict=True))
    assert [(t, n) for t, ch, n in offs if ch == 1] == [
        (s + 4.0, u) for s, u in zip(starts, uppers, strict=True)
    ]
    # velocity from arousal: the angry window (A = 0.85) is the loudest
    vel = {t: v for t, ch, _, v in ons if ch == 0}
    assert max(vel, key=vel.get) == 8.0
    # MIDI time equals audio time; the file lasts exactly the timeline
    mid = mido.MidiFile(path)
    assert mid.length == pytest.approx(20.0, abs=1e-6) and TICKS_PER_SECOND == 960


def test_cc_messages_at_window_starts(timeline, tmp_path):
    path = write_midi(compose(timeline, "A"), tmp_path / "s.A.mid")
    ccs = [(t, m.control, m.value) for t, m in _events(path) if m.type == "control_change"]
    assert len(ccs) == 5 * 7  # every window: the seven emotions other than its top one
    first = {c: v for t, c, v in ccs if t == 0.0}
    assert first == {20: 13, 21: 9, 23: 4, 24: 4, 25: 4, 26: 4, 27: 4}
    at4 = {c: v for t, c, v in ccs if t == 4.0}  # sad on top: CC 23 absent, neutral carries 0.105
    assert 23 not in at4 and at4[20] == 13
    # CCs come before the notes they shape
    ev = _events(path)
    first_note = next(i for i, (_, m) in enumerate(ev) if m.type == "note_on")
    assert all(m.type in ("program_change", "control_change") for _, m in ev[:first_note])


def test_track_names_method_and_model(timeline, tmp_path):
    path = write_midi(compose(timeline, "A"), tmp_path / "s.A.mid")
    meta = [m for m in mido.MidiFile(path).tracks[0] if m.is_meta]
    name = next(m.name for m in meta if m.type == "track_name")
    assert "method A" in name and "model demo 2" in name
    texts = " ".join(m.text for m in meta if m.type == "text")
    assert "CC20=neutral" in texts and "CC27=surprised" in texts


def test_unison_is_two_notes_that_end(tmp_path):
    from emoscore.timeline import ModelInfo, Segment, Timeline

    p = {"boredom": 0.7, "sad": 0.3}
    tl = Timeline(
        "b.wav",
        4.0,
        ModelInfo("m", "1", ("boredom", "sad")),
        2.0,
        2.0,
        (Segment(0, 2, p, 0.3, 0.1, 0.35), Segment(2, 4, p, 0.3, 0.1, 0.35)),
    )
    path = write_midi(compose(tl, "B"), tmp_path / "u.mid")
    pairs = read_note_pairs(path)
    assert [(p.start, p.end, p.lower, p.upper) for p in pairs] == [(0.0, 2.0, 48, 48), (2.0, 4.0, 48, 48)]


def test_read_pairs_round_trip(timeline, tmp_path):
    path = write_midi(compose(timeline, "A"), tmp_path / "s.mid")
    assert [(p.start, p.end, p.semitones) for p in read_note_pairs(path)] == [
        (0.0, 4.0, 4),
        (4.0, 8.0, 3),
        (8.0, 12.0, 6),
        (12.0, 16.0, 1),
        (16.0, 20.0, 2),
    ]


def test_not_midi(tmp_path):
    bad = tmp_path / "x.mid"
    bad.write_text("hello, not MIDI")
    with pytest.raises(DataError, match=r"x\.mid: not a valid MIDI file"):
        read_note_pairs(bad)
    with pytest.raises(DataError, match="file not found"):
        read_note_pairs(tmp_path / "missing.mid")


def test_failed_write_leaves_nothing(timeline, tmp_path, monkeypatch):
    def boom(self, filename=None, file=None):
        with open(filename, "wb") as fh:
            fh.write(b"MThd half")
        raise OSError("disk full")

    monkeypatch.setattr(mido.MidiFile, "save", boom)
    with pytest.raises(OSError):
        write_midi(compose(timeline, "A"), tmp_path / "s.mid")
    assert list(tmp_path.iterdir()) == []


def test_outputs_get_normal_permissions(timeline, tmp_path):
    import os

    path = write_midi(compose(timeline, "A"), tmp_path / "p.mid")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
