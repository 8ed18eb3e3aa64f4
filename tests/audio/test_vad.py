"""Voice activity (Silero on onnxruntime) and the silence floor."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from emoscore.audio.decode import load_audio
from emoscore.audio.vad import ABSOLUTE_FLOOR_DB, SileroVAD, level_db, silence_floor
from emoscore.errors import ConfigError

RATE = 16_000


def test_level_ignores_a_dc_offset_and_digital_zeros():
    rng = np.random.default_rng(0)
    assert level_db(np.zeros(RATE)) == level_db(np.full(RATE, 0.4)) == -120.0
    noise = rng.standard_normal(RATE) * 10 ** (-40 / 20)
    assert level_db(noise + 0.3) == pytest.approx(-40.0, abs=0.2)


def test_the_floor_is_absolute_for_quiet_files_and_relative_for_loud_ones():
    assert silence_floor([-62.0] * 10) == ABSOLUTE_FLOOR_DB  # room tone throughout: all below
    assert silence_floor([-10.0] * 10 + [-62.0]) == pytest.approx(-50.0)
    assert silence_floor([]) == ABSOLUTE_FLOOR_DB


def test_speech_is_voiced_noise_and_tones_are_not(espeak_speech):
    speech = load_audio(espeak_speech("Get out of my house, now!"), sample_rate=RATE).samples
    rng = np.random.default_rng(1)
    t = np.arange(3 * RATE) / RATE
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    hiss = (0.05 * rng.standard_normal(3 * RATE)).astype(np.float32)
    vad = SileroVAD()
    shares = vad.voiced_share([speech, tone, hiss, np.zeros(100, np.float32)])
    assert shares[0] > 0.3 and shares[1] < 0.1 and shares[2] < 0.1 and shares[3] == 0.0
    # windows are independent rows: a window's share does not depend on its batch neighbours
    assert vad.voiced_share([speech])[0] == pytest.approx(shares[0])


def test_vad_survives_pickling(tmp_path):
    import pickle

    vad = SileroVAD()
    vad.voiced_share([np.zeros(RATE, np.float32)])
    again = pickle.loads(pickle.dumps(vad))
    sf.write(tmp_path / "z.wav", np.zeros(RATE, np.float32), RATE)
    assert again.voiced_share([np.zeros(RATE, np.float32)])[0] == 0.0


def test_the_8khz_mode_agrees_with_the_16khz_one(espeak_speech):
    """The fast tier's Silero runs at 8 kHz (the windows decimated): same 32-ms frames, and speech,
    tone and hiss are told apart as at 16 kHz."""
    speech = load_audio(espeak_speech("Get out of my house, now!"), sample_rate=RATE).samples
    rng = np.random.default_rng(1)
    t = np.arange(3 * RATE) / RATE
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    hiss = (0.05 * rng.standard_normal(3 * RATE)).astype(np.float32)
    fast, full = SileroVAD(model_rate=8000), SileroVAD()
    frames = fast.frame_probabilities([speech, hiss])
    assert [len(p) for p in frames] == [len(p) for p in full.frame_probabilities([speech, hiss])]
    shares = fast.voiced_share([speech, tone, hiss])
    assert shares[0] > 0.3 and shares[1] < 0.1 and shares[2] < 0.1
    assert abs(shares[0] - full.voiced_share([speech])[0]) < 0.15
    with pytest.raises(ConfigError, match="model_rate"):
        SileroVAD(model_rate=22050)
