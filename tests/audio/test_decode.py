"""Decoding every input kind of issue 2 to mono 16 kHz float32, and one clear AudioError for bad input.

All inputs are generated here: soundfile for wav/flac/ogg/mp3, the ffmpeg CLI for AAC, Opus and
video containers (a few solid-colour frames plus a 440 Hz audio track).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emoscore.audio import TARGET_RATE, load_audio, probe_audio, stream_audio
from emoscore.errors import AudioError

FREQ = 440.0
SECONDS = 2.0


@pytest.fixture
def stereo_source(tone) -> Path:
    """A 2-s 440 Hz stereo wav at 44.1 kHz that the ffmpeg encodings start from."""
    return tone("source.wav", freq=FREQ, seconds=SECONDS, rate=44_100, channels=2)


def assert_tone(path: Path, peak_freq, *, seconds: float = SECONDS, tol: float = 0.06) -> np.ndarray:
    audio = load_audio(path)
    assert audio.sample_rate == TARGET_RATE
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert abs(audio.duration - seconds) <= tol, (path.name, audio.duration)
    assert abs(peak_freq(audio.samples, TARGET_RATE) - FREQ) < 3.0
    assert 0.2 < float(np.max(np.abs(audio.samples))) < 0.45  # amplitude 0.3 preserved (codecs ring a bit)
    return audio.samples


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"])
def test_wav_every_bit_depth(tone, peak_freq, subtype):
    path = tone(f"t_{subtype}.wav", freq=FREQ, seconds=SECONDS, rate=44_100, subtype=subtype)
    assert sf.info(path).subtype == subtype
    y = assert_tone(path, peak_freq, tol=1e-3)
    ref = load_audio(tone("ref.wav", freq=FREQ, seconds=SECONDS, rate=44_100, subtype="FLOAT")).samples
    # 8-bit quantisation noise is about 0.004; everything deeper is almost exact
    assert np.max(np.abs(y - ref)) < (0.02 if subtype == "PCM_U8" else 1e-3)


@pytest.mark.parametrize(
    ("name", "subtype"),
    [("t.flac", None), ("t.ogg", "VORBIS"), ("t_opus.ogg", "OPUS"), ("t.mp3", None)],
)
def test_soundfile_codecs(tone, peak_freq, name, subtype):
    rate = 48_000 if subtype == "OPUS" else 44_100
    assert_tone(tone(name, freq=FREQ, seconds=SECONDS, rate=rate, subtype=subtype), peak_freq)


def test_flac_is_lossless(tone):
    a = load_audio(tone("a.flac", freq=FREQ, rate=16_000, subtype="PCM_24")).samples
    b = load_audio(tone("a.wav", freq=FREQ, rate=16_000, subtype="PCM_24")).samples
    np.testing.assert_allclose(a, b, rtol=0, atol=2**-22)  # within one 24-bit step


@pytest.mark.parametrize(
    ("name", "codec"),
    [("t.m4a", "aac"), ("t.opus", "libopus"), ("t.mp3", "libmp3lame"), ("t.aac", "aac")],
)
def test_ffmpeg_encoded_audio(stereo_source, ffmpeg, peak_freq, name, codec):
    out = stereo_source.with_name(name)
    ffmpeg("-i", stereo_source, "-c:a", codec, "-b:a", "96k", out)
    assert_tone(out, peak_freq, tol=0.08)


@pytest.mark.parametrize(
    ("ext", "vcodec", "acodec"),
    [
        ("mp4", "libx264", "aac"),
        ("mkv", "libx264", "libvorbis"),
        ("mov", "mpeg4", "aac"),
        ("webm", "libvpx", "libopus"),
    ],
)
def test_video_containers_use_the_audio_track(stereo_source, ffmpeg, peak_freq, ext, vcodec, acodec):
    out = stereo_source.with_name(f"clip.{ext}")
    ffmpeg(
        "-f", "lavfi", "-i", f"color=c=red:s=64x48:r=10:d={SECONDS}", "-i", stereo_source,
        "-c:v", vcodec, "-c:a", acodec, "-shortest", out,
    )  # fmt: skip
    info = probe_audio(out)
    assert info.decoder == "ffmpeg" and info.channels == 2
    assert info.duration is not None and abs(info.duration - SECONDS) < 0.1
    assert_tone(out, peak_freq, tol=0.08)


@pytest.mark.parametrize("rate", [8_000, 11_025, 22_050, 44_100, 48_000, 96_000])
def test_any_rate_is_resampled_to_16k(tone, peak_freq, rate):
    path = tone(f"r{rate}.wav", freq=FREQ, seconds=1.0, rate=rate)
    assert probe_audio(path).sample_rate == rate
    audio = load_audio(path)
    assert abs(len(audio.samples) - TARGET_RATE) <= 2
    # away from the resampler's edges the tone matches an ideal 16 kHz sine up to a phase-free error
    mid = audio.samples[2000:-2000]
    assert abs(peak_freq(mid, TARGET_RATE) - FREQ) < 2.0
    rms = float(np.sqrt(np.mean(mid**2)))
    assert rms == pytest.approx(0.3 / np.sqrt(2), rel=0.01)


def test_other_target_rate(tone):
    audio = load_audio(tone("r.wav", seconds=1.0, rate=44_100), sample_rate=22_050)
    assert audio.sample_rate == 22_050 and abs(len(audio.samples) - 22_050) <= 2


@pytest.mark.parametrize("channels", [2, 6])
def test_multichannel_is_downmixed_to_mono(tmp_path, peak_freq, channels):
    rate = 48_000
    t = np.arange(rate) / rate
    # channel 0 carries the tone, the others a quieter copy and silence: the downmix is their mean
    data = np.zeros((rate, channels), dtype=np.float32)
    data[:, 0] = 0.6 * np.sin(2 * np.pi * FREQ * t)
    data[:, 1] = 0.3 * np.sin(2 * np.pi * FREQ * t)
    path = tmp_path / f"c{channels}.wav"
    sf.write(path, data, rate, subtype="FLOAT")
    assert probe_audio(path).channels == channels
    y = load_audio(path).samples
    expected_amp = 0.9 / channels
    assert float(np.max(np.abs(y[1000:-1000]))) == pytest.approx(expected_amp, rel=0.01)
    assert abs(peak_freq(y, TARGET_RATE) - FREQ) < 2.0


def test_six_channel_aac_in_mp4(tmp_path, ffmpeg, peak_freq):
    src = tmp_path / "six.wav"
    sf.write(
        src, np.repeat(np.sin(2 * np.pi * FREQ * np.arange(48_000) / 48_000)[:, None] * 0.3, 6, 1), 48_000
    )
    out = tmp_path / "six.mp4"
    ffmpeg("-i", src, "-c:a", "aac", out)
    assert probe_audio(out).channels == 6
    y = load_audio(out).samples
    assert abs(len(y) / TARGET_RATE - 1.0) < 0.08
    assert abs(peak_freq(y, TARGET_RATE) - FREQ) < 3.0


def test_probe_reports_header_facts(tone):
    info = probe_audio(tone("p.flac", seconds=1.5, rate=22_050, channels=2))
    assert (info.sample_rate, info.channels, info.decoder) == (22_050, 2, "soundfile")
    assert info.duration == pytest.approx(1.5)
    assert info.path.endswith("p.flac")


# --- streaming ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("rate", "name"), [(44_100, "long.wav"), (8_000, "long.flac"), (96_000, "long.wav")])
def test_stream_yields_bounded_blocks_matching_load(tmp_path, rate, name):
    rng = np.random.default_rng(0)
    n = 60 * rate
    y = (0.1 * rng.standard_normal(n)).astype(np.float32)
    path = tmp_path / name
    sf.write(path, y, rate, subtype="PCM_16")
    blocks = list(stream_audio(path, block_seconds=2.0))
    assert len(blocks) >= 25
    # 2 s per block; only the last may carry the resampler's flushed tail (a few ms)
    assert max(len(b) for b in blocks) <= 2 * TARGET_RATE + 2048
    assert all(b.dtype == np.float32 and b.ndim == 1 for b in blocks)
    whole = load_audio(path).samples
    np.testing.assert_array_equal(np.concatenate(blocks), whole)
    assert abs(len(whole) - 60 * TARGET_RATE) <= 2


def test_stream_ffmpeg_blocks_match_load(stereo_source, ffmpeg):
    out = stereo_source.with_name("s.m4a")
    ffmpeg("-i", stereo_source, "-c:a", "aac", out)
    blocks = list(stream_audio(out))
    assert len(blocks) > 1 and max(len(b) for b in blocks) < TARGET_RATE
    np.testing.assert_array_equal(np.concatenate(blocks), load_audio(out).samples)


def test_stream_is_lazy(tone):
    """The first block arrives before the whole file is read (no full decode up front)."""
    path = tone("lazy.wav", seconds=30.0, rate=16_000)
    gen = stream_audio(path, block_seconds=1.0)
    first = next(gen)
    assert len(first) == TARGET_RATE
    gen.close()


# --- bad input ---------------------------------------------------------------------------------


def assert_one_line(exc: pytest.ExceptionInfo, path: Path) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg.strip() == msg and len(msg) < 300
    assert str(path) in msg
    return msg


def both_fail(path: Path, match: str) -> None:
    """``load_audio`` (and so ``stream_audio``) raises AudioError with a one-line message naming ``path``."""
    with pytest.raises(AudioError, match=match) as exc:
        load_audio(path)
    assert_one_line(exc, path)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.wav"
    for fn in (probe_audio, load_audio):
        with pytest.raises(AudioError, match="not found") as exc:
            fn(path)
        assert_one_line(exc, path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.touch()
    with pytest.raises(AudioError, match="empty") as exc:
        probe_audio(path)
    assert_one_line(exc, path)
    both_fail(path, "empty")


def test_folder(tmp_path):
    folder = tmp_path / "dir.wav"
    folder.mkdir()
    with pytest.raises(AudioError, match="folder") as exc:
        probe_audio(folder)
    assert_one_line(exc, folder)
    both_fail(folder, "folder")


@pytest.mark.parametrize("name", ["notes.txt", "notes.wav", "notes.mp3", "notes.mp4"])
def test_text_file(tmp_path, name):
    path = tmp_path / name
    path.write_text("this is not audio\n" * 50)
    with pytest.raises(AudioError, match="not a|no audio") as exc:
        probe_audio(path)
    assert_one_line(exc, path)
    both_fail(path, "not a|no audio")


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.bin"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    both_fail(path, "not a|no audio|decod")


def cut(path: Path, fraction: float) -> Path:
    data = path.read_bytes()
    out = path.with_name("cut_" + path.name)
    out.write_bytes(data[: int(len(data) * fraction)])
    return out


@pytest.mark.parametrize("fraction", [0.4, 0.9])
def test_truncated_wav(tone, fraction):
    path = cut(tone("t.wav", seconds=2.0), fraction)
    with pytest.raises(AudioError, match="truncated") as exc:
        probe_audio(path)
    assert_one_line(exc, path)
    both_fail(path, "truncated")


def test_wav_cut_inside_header(tone):
    path = tone("t.wav", seconds=2.0)
    out = path.with_name("head.wav")
    out.write_bytes(path.read_bytes()[:30])
    both_fail(out, "not a|truncated|decod")


def test_truncated_flac(tone):
    path = cut(tone("t.flac", seconds=2.0, rate=44_100), 0.4)
    both_fail(path, "truncated|corrupt")


def test_truncated_mp3(tone):
    path = cut(tone("t.mp3", seconds=2.0, rate=44_100), 0.4)
    both_fail(path, "truncated")


@pytest.mark.parametrize("name", ["t.m4a", "t.mp4"])
def test_truncated_mp4_family(stereo_source, ffmpeg, name):
    out = stereo_source.with_name(name)
    ffmpeg("-i", stereo_source, "-c:a", "aac", out)
    both_fail(cut(out, 0.5), "not a|truncated|corrupt")


def test_truncated_ogg(tone):
    both_fail(cut(tone("t.ogg", seconds=2.0, rate=44_100, subtype="VORBIS"), 0.4), "not a|truncated|corrupt")


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
@pytest.mark.parametrize(
    ("name", "subtype", "rate"), [("t.ogg", "VORBIS", 44_100), ("t_opus.ogg", "OPUS", 48_000)]
)
def test_truncated_ogg_vorbis_and_opus(tone, name, subtype, rate, fraction):
    """libsndfile reads a cut Ogg file as a shorter whole one; the page walk says it is cut."""
    whole = tone(name, seconds=3.0, rate=rate, subtype=subtype)
    assert abs(load_audio(whole).duration - 3.0) < 0.05  # the whole file has its end-of-stream page
    path = cut(whole, fraction)
    for fn in (probe_audio, load_audio):
        with pytest.raises(AudioError, match="truncated or corrupt audio") as exc:
            fn(path)
        assert_one_line(exc, path)


def test_ogg_cut_at_a_page_boundary(ffmpeg, stereo_source):
    """Every page whole, but the stream never closed: no end-of-stream page."""
    whole = stereo_source.with_name("t.opus")
    ffmpeg("-i", stereo_source, "-c:a", "libopus", whole)
    data = whole.read_bytes()
    pages = [i for i in range(len(data)) if data.startswith(b"OggS", i)]
    path = whole.with_name("pages.opus")
    path.write_bytes(data[: pages[len(pages) // 2]])
    both_fail(path, "truncated or corrupt audio \\(the Ogg stream ends without its end-of-stream page\\)")


def test_ogg_with_trailing_bytes_after_the_stream_is_whole(tone):
    path = tone("t.ogg", seconds=1.0, rate=44_100, subtype="VORBIS")
    path.write_bytes(path.read_bytes() + b"\0" * 100)
    assert abs(load_audio(path).duration - 1.0) < 0.05


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.97])
def test_truncated_flac_says_so(tone, fraction):
    path = cut(tone("t.flac", seconds=3.0, rate=44_100), fraction)
    both_fail(path, "truncated or corrupt audio")


def test_wav_with_streaming_length_is_not_called_truncated(tone, peak_freq):
    """Encoders writing to a pipe leave data size 0xFFFFFFFF; that is a valid file."""
    path = tone("pipe.wav", freq=FREQ, seconds=1.0)
    data = bytearray(path.read_bytes())
    pos = data.index(b"data")
    data[pos + 4 : pos + 8] = struct.pack("<I", 0xFFFFFFFF)
    path.write_bytes(bytes(data))
    samples = load_audio(path).samples
    assert abs(len(samples) - TARGET_RATE) <= 2 and abs(peak_freq(samples, TARGET_RATE) - FREQ) < 2


@pytest.mark.parametrize("name", ["silent.wav", "silent.flac"])
def test_silent_file(tmp_path, name):
    path = tmp_path / name
    sf.write(path, np.zeros(16_000, dtype=np.float32), 16_000)
    assert probe_audio(path).duration == pytest.approx(1.0)  # the header is fine; the content is not
    both_fail(path, "silent")


def test_near_silent_dither_is_still_silent(tmp_path):
    path = tmp_path / "dither.wav"
    sf.write(path, np.full(16_000, 3e-5, dtype=np.float32), 16_000, subtype="FLOAT")
    both_fail(path, "silent")


def test_quiet_but_audible_file_is_accepted(tone):
    samples = load_audio(tone("quiet.wav", amp=0.002, rate=16_000)).samples
    assert float(np.max(np.abs(samples))) == pytest.approx(0.002, rel=0.05)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("subtype", ["FLOAT", "DOUBLE"])
def test_nan_and_inf_samples(tmp_path, bad, subtype):
    y = (0.3 * np.sin(np.arange(32_000) / 5)).astype(np.float64)
    y[20_000] = bad
    path = tmp_path / f"bad_{subtype}.wav"
    sf.write(path, y, 16_000, subtype=subtype)
    both_fail(path, "NaN or infinite")


def test_nan_in_resampled_file(tmp_path):
    y = (0.3 * np.sin(np.arange(44_100) / 5)).astype(np.float32)
    y[100] = np.nan
    path = tmp_path / "nan44.wav"
    sf.write(path, y, 44_100, subtype="FLOAT")
    both_fail(path, "NaN or infinite")


def patch_header(path: Path, offset: int, fmt: str, value: int) -> Path:
    data = bytearray(path.read_bytes())
    data[offset : offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    path.write_bytes(bytes(data))
    return path


def test_zero_channel_wav(tone):
    path = patch_header(tone("zero.wav", seconds=0.5), 22, "<H", 0)  # fmt chunk: NumChannels
    for fn in (probe_audio, load_audio):
        with pytest.raises(AudioError, match="no audio channels") as exc:
            fn(path)
        assert_one_line(exc, path)


@pytest.mark.parametrize("rate", [1, 10_000_000])
def test_absurd_sample_rate(tone, rate):
    path = tone(f"rate{rate}.wav", seconds=0.5)
    patch_header(path, 24, "<I", rate)  # SampleRate
    patch_header(path, 28, "<I", rate * 2)  # ByteRate (16-bit mono)
    for fn in (probe_audio, load_audio):
        with pytest.raises(AudioError, match="sample rate") as exc:
            fn(path)
        msg = assert_one_line(exc, path)
        assert f"{rate:g}" in msg


def test_video_without_audio(tmp_path, ffmpeg):
    path = tmp_path / "mute.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=64x48:r=10:d=1", "-c:v", "libx264", path)
    for fn in (probe_audio, load_audio):
        with pytest.raises(AudioError, match="no audio track") as exc:
            fn(path)
        assert_one_line(exc, path)


def test_errors_are_raised_lazily_but_before_any_block(tmp_path):
    """A bad header fails on the first ``next()``, not after yielding garbage."""
    path = tmp_path / "missing.flac"
    gen = stream_audio(path)
    with pytest.raises(AudioError, match="not found"):
        next(gen)


@pytest.mark.parametrize("channels", [1, 2, 3, 6, 8])
def test_mixdown_is_the_channel_mean(channels):
    """The fast column-sum mixdown gives numpy's channel mean: identical up to 6 channels."""
    from emoscore.audio.decode import _mixdown

    rng = np.random.default_rng(channels)
    block = rng.uniform(-1, 1, (10_001, channels)).astype(np.float32)
    got, want = _mixdown(block), block.mean(axis=1, dtype=np.float32)
    assert got.dtype == np.float32 and got.shape == (10_001,)
    if channels <= 6:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert not np.shares_memory(got, block)
