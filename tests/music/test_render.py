import shutil

import numpy as np
import pytest
import soundfile as sf

from emoscore.errors import AudioError, ConfigError, DataError
from emoscore.music.midi import write_midi
from emoscore.music.render import render_midi
from emoscore.music.score import compose

HAS_FLUIDSYNTH = shutil.which("fluidsynth") is not None


@pytest.fixture
def gapped_midi(seg, make_tl, tmp_path):
    """Notes 0-2 s (C3+E3) and 4-6 s (C3+Eb3), silence 2-4 s."""
    tl = make_tl([seg(0, 2, "happy", 0.9, 0.7, 0.7), seg(4, 6, "sad", 0.15, 0.3, 0.2)])
    return write_midi(compose(tl, "B"), tmp_path / "g.mid")


def _rms(y, rate, t0, t1):
    return float(np.sqrt(np.mean(y[int(t0 * rate) : int(t1 * rate)] ** 2)))


def _check_wav(path, *, min_len=6.0, max_len=12.0):
    info = sf.info(path)
    assert info.samplerate == 44100 and info.subtype == "PCM_24"
    assert min_len <= info.duration <= max_len
    y, rate = sf.read(path)
    y = y.mean(axis=1) if y.ndim == 2 else y
    notes = min(_rms(y, rate, 0.3, 1.8), _rms(y, rate, 4.3, 5.8))
    gap = _rms(y, rate, 3.2, 3.95)
    assert notes > 0.005 and notes > 8 * gap, (notes, gap)
    return y, rate


@pytest.mark.skipif(not HAS_FLUIDSYNTH, reason="fluidsynth not installed")
def test_fluidsynth_render(gapped_midi, tmp_path):
    r = render_midi(gapped_midi, tmp_path / "g.wav")
    assert r.engine == "fluidsynth" and r.soundfont.endswith(".sf2")
    _check_wav(r.path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.mid", "g.wav"]


def test_builtin_synth_plays_the_notes(gapped_midi, tmp_path):
    r = render_midi(gapped_midi, tmp_path / "g.wav", engine="builtin")
    assert r.engine == "builtin" and r.soundfont is None
    y, rate = _check_wav(r.path, max_len=7.0)
    # the spectrum of the first window peaks at C3 and E3, of the second at C3 and Eb3
    for (t0, t1), upper in (((0.2, 1.8), 52), ((4.2, 5.8), 51)):
        seg = y[int(t0 * rate) : int(t1 * rate)]
        spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
        freqs = np.fft.rfftfreq(len(seg), 1 / rate)
        band = freqs < 180
        top2 = sorted(freqs[band][np.argsort(spec[band])[-40:]])
        expect = [440 * 2 ** ((n - 69) / 12) for n in (48, upper)]
        for f in expect:
            assert min(abs(np.array(top2) - f)) < 1.0, (f, top2[:5], top2[-5:])


def test_auto_falls_back_without_fluidsynth(gapped_midi, tmp_path):
    r = render_midi(gapped_midi, tmp_path / "g.wav", fluidsynth="no-such-fluidsynth-binary")
    assert r.engine == "builtin"
    with pytest.raises(ConfigError, match="needs the fluidsynth program"):
        render_midi(
            gapped_midi, tmp_path / "h.wav", engine="fluidsynth", fluidsynth="no-such-fluidsynth-binary"
        )


def test_bad_inputs_leave_nothing(tmp_path, gapped_midi):
    junk = tmp_path / "junk.mid"
    junk.write_bytes(b"RIFF\x00\x00not midi at all")
    with pytest.raises(DataError, match=r"junk\.mid: not a valid MIDI file"):
        render_midi(junk, tmp_path / "junk.wav")
    with pytest.raises(ConfigError, match=r"nope\.sf2: SoundFont not found"):
        render_midi(gapped_midi, tmp_path / "x.wav", soundfont=tmp_path / "nope.sf2")
    import mido

    empty = mido.MidiFile()
    empty.tracks.append(mido.MidiTrack())
    empty.save(tmp_path / "empty.mid")
    with pytest.raises(AudioError, match="no notes to render"):
        render_midi(tmp_path / "empty.mid", tmp_path / "empty.wav")
    assert not list(tmp_path.glob("*.wav")) and not list(tmp_path.glob(".*"))
