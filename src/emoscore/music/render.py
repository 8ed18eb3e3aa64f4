"""MIDI → 44.1 kHz, 24-bit WAV: FluidSynth with a General MIDI SoundFont, or a built-in
additive synth when FluidSynth (or the SoundFont) is not installed.

The FluidSynth path runs the ``fluidsynth`` program (Debian ``fluidsynth`` +
``fluid-soundfont-gm``) in fast-render mode; it needs no audio device.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
import soundfile as sf

from emoscore.atomic import atomic_output
from emoscore.errors import AudioError, ConfigError
from emoscore.music.midi import read_midi

SAMPLE_RATE = 44_100
SUBTYPE = "PCM_24"
SOUNDFONTS = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/soundfonts/default.sf2",
)
ENGINES = ("auto", "fluidsynth", "builtin")


@dataclass(frozen=True)
class RenderResult:
    """What was written and which engine made it."""

    path: str
    engine: str
    sample_rate: int
    duration: float
    soundfont: str | None = None


def find_soundfont(soundfont: str | Path | None = None) -> Path | None:
    """The SoundFont to use: the given one (must exist), ``$EMOSCORE_SOUNDFONT``, or a GM default."""
    if soundfont is not None:
        p = Path(soundfont)
        if not p.is_file():
            raise ConfigError(f"{p}: SoundFont not found")
        return p
    env = os.environ.get("EMOSCORE_SOUNDFONT")
    for cand in ([env] if env else []) + list(SOUNDFONTS):
        if Path(cand).is_file():
            return Path(cand)
    return None


def render_midi(
    midi: str | Path,
    out: str | Path,
    *,
    soundfont: str | Path | None = None,
    engine: str = "auto",
    gain: float = 0.5,
    fluidsynth: str = "fluidsynth",
) -> RenderResult:
    """Render ``midi`` to a 44.1 kHz PCM_24 WAV at ``out`` (written atomically).

    ``engine="auto"`` uses FluidSynth when the program and a SoundFont are found, else the
    built-in synth; the result says which.
    """
    if engine not in ENGINES:
        raise ConfigError(f"unknown render engine {engine!r}; use {', '.join(ENGINES)}")
    mid = read_midi(midi)  # fail on non-MIDI before either engine sees it
    if not any(m.type == "note_on" and m.velocity > 0 for m in mid):
        raise AudioError(f"{midi}: the MIDI file has no notes to render")
    sf2 = find_soundfont(soundfont)
    binary = shutil.which(fluidsynth)
    use_fluid = engine == "fluidsynth" or (engine == "auto" and binary is not None and sf2 is not None)
    if use_fluid and (binary is None or sf2 is None):
        raise ConfigError(
            "FluidSynth rendering needs the fluidsynth program and a SoundFont (.sf2); "
            f"found program: {binary or 'none'}, SoundFont: {sf2 or 'none'}"
        )
    out = Path(out)
    with atomic_output(out) as tmp:
        if use_fluid:
            _render_fluidsynth(Path(midi), tmp, binary, sf2, gain)  # type: ignore[arg-type]
        else:
            sf.write(tmp, synthesize(mid), SAMPLE_RATE, subtype=SUBTYPE)
        info = sf.info(tmp)
    return RenderResult(
        str(out),
        "fluidsynth" if use_fluid else "builtin",
        info.samplerate,
        info.duration,
        str(sf2) if use_fluid else None,
    )


def run_fluidsynth(
    midi: Path,
    wav: Path,
    *,
    binary: str,
    soundfont: Path,
    rate: int,
    gain: float,
    extra: tuple[str, ...] = (),
    timeout: float = 600,
) -> None:
    """Render ``midi`` to a WAV with the FluidSynth program (fast, non-interactive); one-line
    :class:`AudioError` naming the MIDI when it cannot run or writes nothing."""
    cmd = [binary, "-n", "-i", "-q", *extra, "-g", f"{gain:g}", "-r", str(rate), "-T", "wav", "-F", str(wav),
           str(soundfont), str(midi)]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AudioError(f"{midi}: fluidsynth failed to run ({exc})") from None
    if proc.returncode != 0 or not wav.exists() or wav.stat().st_size <= 44:
        why = (proc.stderr or proc.stdout).strip().splitlines()
        raise AudioError(f"{midi}: fluidsynth rendering failed ({why[-1] if why else 'no output'})")


def _render_fluidsynth(midi: Path, wav: Path, binary: str, sf2: Path, gain: float) -> None:
    run_fluidsynth(midi, wav, binary=binary, soundfont=sf2, rate=SAMPLE_RATE, gain=gain, extra=("-O", "s24"))
    info = sf.info(wav)
    if info.samplerate != SAMPLE_RATE or info.subtype != SUBTYPE:  # an old fluidsynth ignoring -r / -O
        y, rate = sf.read(wav, always_2d=True)
        if rate != SAMPLE_RATE:
            import soxr

            y = soxr.resample(y, rate, SAMPLE_RATE)
        sf.write(wav, y, SAMPLE_RATE, subtype=SUBTYPE)


# --- built-in synth -------------------------------------------------------------------------

HARMONICS = (1.0, 0.5, 0.3, 0.15, 0.08)  # a soft, organ-like pad
ATTACK, DECAY, SUSTAIN, RELEASE = 0.03, 0.15, 0.7, 0.35


def _notes(mid: mido.MidiFile) -> list[tuple[float, float, int, int]]:
    """(start, end, note, velocity) of every note in seconds."""
    out: list[tuple[float, float, int, int]] = []
    pending: dict[tuple[int, int], tuple[float, int]] = {}
    t = 0.0
    for msg in mid:
        t += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            key = (msg.channel, msg.note)
            if key in pending:  # re-struck without a note-off: close the first one
                s, v = pending.pop(key)
                out.append((s, t, msg.note, v))
            pending[key] = (t, msg.velocity)
        elif msg.type in ("note_off", "note_on"):
            started = pending.pop((msg.channel, msg.note), None)
            if started is not None:
                out.append((started[0], t, msg.note, started[1]))
    out += [(s, t, note, v) for (_, note), (s, v) in pending.items()]
    return sorted(out)


def _envelope(n_hold: int, rate: int) -> np.ndarray:
    """ADSR: attack, decay to the sustain level over the held part, then the release tail."""
    a, d, r = int(ATTACK * rate), int(DECAY * rate), int(RELEASE * rate)
    held = np.full(n_hold, SUSTAIN, dtype=np.float64)
    ramp = np.concatenate([np.linspace(0, 1, a, endpoint=False), np.linspace(1, SUSTAIN, d, endpoint=False)])
    m = min(n_hold, len(ramp))
    held[:m] = ramp[:m]
    last = held[-1] if n_hold else 0.0
    return np.concatenate([held, np.linspace(last, 0.0, r)])


def synthesize(mid: mido.MidiFile, *, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Render a MIDI file with additive sine harmonics and an ADSR envelope (stereo float32).

    The output lasts the MIDI file's length plus the release tail.
    """
    notes = _notes(mid)
    length = max((e for _, e, _, _ in notes), default=0.0)
    total = int(np.ceil((length + RELEASE) * sample_rate)) + 1
    y = np.zeros(total, dtype=np.float64)
    for start, end, note, vel in notes:
        i0 = int(round(start * sample_rate))
        env = _envelope(max(1, int(round((end - start) * sample_rate))), sample_rate)
        env = env[: total - i0]
        t = np.arange(len(env)) / sample_rate
        f0 = 440.0 * 2 ** ((note - 69) / 12)
        wave = sum(
            h * np.sin(2 * np.pi * f0 * (k + 1) * t) for k, h in enumerate(HARMONICS) if f0 * (k + 1) < 20_000
        )
        y[i0 : i0 + len(env)] += 0.15 * (vel / 127) * env * wave
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    if peak > 0.95:  # many simultaneous notes: scale down instead of clipping
        y *= 0.95 / peak
    return np.repeat(y.astype(np.float32)[:, None], 2, axis=1)
