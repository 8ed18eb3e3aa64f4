from fractions import Fraction

import av
import numpy as np
import pytest
import soundfile as sf

from emoscore.errors import AudioError
from emoscore.music.mixing import mix_under_speech, mux_video, speech_activity

RATE = 44100


def _tone(freq, seconds, rate, amp):
    return (amp * np.sin(2 * np.pi * freq * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


@pytest.fixture
def dialogue(tmp_path):
    """6 s at 16 kHz: 'speech' (a 300 Hz buzz) at 1-2 s and 4-5 s, silence elsewhere."""
    y = np.zeros(6 * 16000, dtype=np.float32)
    for t0 in (1, 4):
        y[t0 * 16000 : (t0 + 1) * 16000] = _tone(300, 1.0, 16000, 0.4)
    p = tmp_path / "dialogue.wav"
    sf.write(p, y, 16000)
    return p


@pytest.fixture
def music(tmp_path):
    p = tmp_path / "music.wav"
    sf.write(p, np.repeat(_tone(1000, 6.0, RATE, 0.2)[:, None], 2, axis=1), RATE, subtype="PCM_24")
    return p


def _amp_at(y, freq, t0, t1):
    """Amplitude of the ``freq`` component between t0 and t1 (projection on sin/cos)."""
    seg = y[int(t0 * RATE) : int(t1 * RATE)]
    t = np.arange(len(seg)) / RATE
    return 2 * abs(np.mean(seg * np.exp(-2j * np.pi * freq * t)))


def test_music_is_ducked_under_speech(dialogue, music, tmp_path):
    r = mix_under_speech(music, dialogue, tmp_path / "mix.wav", duck_db=-12.0, music_db=0.0)
    info = sf.info(r.path)
    assert info.samplerate == RATE and info.subtype == "PCM_24" and info.channels == 2
    assert info.duration == pytest.approx(6.0, abs=0.01)
    y = sf.read(r.path)[0][:, 0]
    free = _amp_at(y, 1000, 2.6, 3.5)
    under = _amp_at(y, 1000, 1.3, 1.8)
    assert free == pytest.approx(0.2, rel=0.02)
    assert under / free == pytest.approx(10 ** (-12 / 20), rel=0.1)
    assert _amp_at(y, 300, 1.3, 1.8) == pytest.approx(0.4, rel=0.05)  # the dialogue itself is untouched
    assert r.speech_share == pytest.approx(2.6 / 6, abs=0.05)  # 2 s of speech plus the 0.3-s holds


def test_speech_activity_ignores_silence():
    assert not speech_activity(np.zeros(16000, dtype=np.float32), 16000).any()


def _video(path, *, audio, seconds=2.0):
    c = av.open(str(path), "w")
    v = c.add_stream("mpeg4", rate=10)
    v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
    a = c.add_stream("aac", rate=RATE, layout="mono") if audio else None
    for i in range(int(seconds * 10)):
        f = av.VideoFrame.from_ndarray(np.full((48, 64, 3), (i * 12) % 255, np.uint8), format="rgb24")
        f.pts = i
        c.mux(v.encode(f))
    c.mux(v.encode(None))
    if a is not None:
        y = _tone(300, seconds, RATE, 0.3)
        for i in range(0, len(y), 1024):
            fr = av.AudioFrame.from_ndarray(y[None, i : i + 1024], format="fltp", layout="mono")
            fr.sample_rate, fr.pts, fr.time_base = RATE, i, Fraction(1, RATE)
            c.mux(a.encode(fr))
        c.mux(a.encode(None))
    c.close()
    return path


def _video_packets(path):
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.size]


def test_video_gets_the_scored_track_and_keeps_its_picture(tmp_path, music):
    src = _video(tmp_path / "scene.mp4", audio=True)
    mix = mix_under_speech(music, src, tmp_path / "mix.wav")
    out = mux_video(src, mix.path, tmp_path / "scored.mp4")
    assert _video_packets(out) == _video_packets(src)  # copied bit for bit, not re-encoded
    with av.open(str(out)) as c:
        (a,) = c.streams.audio
        assert a.codec_context.name == "aac" and a.channels == 2
        assert float(a.duration * a.time_base) == pytest.approx(2.0, abs=0.1)  # cut to the picture's length
        pcm = np.concatenate([f.to_ndarray()[0] for f in c.decode(a)])
    assert np.sqrt(np.mean(pcm**2)) > 0.05


def test_video_errors(tmp_path, music):
    silent = _video(tmp_path / "silent.mp4", audio=False)
    with pytest.raises(AudioError, match=r"silent\.mp4: has no audio track"):
        mix_under_speech(music, silent, tmp_path / "mix.wav")
    with pytest.raises(AudioError, match="has no video stream"):
        mux_video(music, music, tmp_path / "x.mp4")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["music.wav", "silent.mp4"]
