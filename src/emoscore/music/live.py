"""Live output: send each window's note pair and CC messages to a MIDI port as the window
completes, in real time.

A window's notes can only be known once the window has been heard, so each pair starts when
its window completes and sounds until the next window completes (one window of latency), and
the last pair is held for its own length. The scheduler talks to any mido output port and to
an injectable clock, so it runs the same against a hardware synth and in tests.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Protocol

import mido
import numpy as np

from emoscore.errors import AudioError, ConfigError
from emoscore.music.maps import EmotionMap, RegionMap, load_interval_table, load_map
from emoscore.music.midi import ROOT_CHANNEL, UPPER_CHANNEL
from emoscore.music.score import DEFAULT_PROGRAM, DEFAULT_ROOT, Step, compose
from emoscore.timeline import Timeline


class Clock(Protocol):
    """Seconds since an arbitrary origin, and a way to wait until a later time."""

    def now(self) -> float: ...

    def sleep_until(self, t: float) -> None: ...


class MonotonicClock:
    """The real clock (``time.monotonic``)."""

    def now(self) -> float:
        return time.monotonic()

    def sleep_until(self, t: float) -> None:
        delay = t - time.monotonic()
        if delay > 0:
            time.sleep(delay)


@dataclass(frozen=True)
class LiveReport:
    """What was sent: windows played, messages sent and the worst lateness against the plan."""

    windows: int
    messages: int
    max_late: float


def list_output_ports() -> list[str]:
    """MIDI output port names; empty when there is no MIDI backend or sequencer (no error)."""
    try:
        return list(mido.get_output_names())
    except Exception:  # no python-rtmidi, or no ALSA sequencer / CoreMIDI / WinMM on this machine
        return []


def open_output_port(name: str) -> mido.ports.BaseOutput:
    """Open the output port ``name``; a one-line :class:`ConfigError` lists what exists."""
    names = list_output_ports()
    if name not in names:
        have = (
            ", ".join(repr(n) for n in names)
            if names
            else "none (no MIDI sequencer or interface on this machine)"
        )
        raise ConfigError(f"MIDI output port {name!r} not found; available ports: {have}")
    try:
        return mido.open_output(name)
    except Exception as exc:
        raise ConfigError(f"MIDI output port {name!r} cannot be opened ({exc})") from None


def step_messages(step: Step) -> list[mido.Message]:
    """The controller values and the two note-ons that begin a window's pair."""
    msgs = [
        mido.Message("control_change", channel=ROOT_CHANNEL, control=n, value=v) for n, v in step.controllers
    ]
    for ch, note in zip((ROOT_CHANNEL, UPPER_CHANNEL), step.notes, strict=True):
        msgs.append(mido.Message("note_on", channel=ch, note=note, velocity=step.velocity))
    return msgs


def release_messages(step: Step) -> list[mido.Message]:
    return [
        mido.Message("note_off", channel=ch, note=note, velocity=0)
        for ch, note in zip((ROOT_CHANNEL, UPPER_CHANNEL), step.notes, strict=True)
    ]


def play_live(
    steps: Iterable[Step],
    port: mido.ports.BaseOutput,
    *,
    clock: Clock | None = None,
    program: int = DEFAULT_PROGRAM,
    on_step: Callable[[Step], None] | None = None,
) -> LiveReport:
    """Send ``steps`` to ``port``: each pair starts at (clock origin + its window's end).

    ``steps`` may be a generator that yields windows as they are analysed; a step that
    arrives late is sent at once. Sounding notes are always released, even on interrupt.
    """
    clock = clock or MonotonicClock()
    origin = clock.now()
    sent = windows = 0
    late = 0.0
    current: Step | None = None

    def send(msgs: list[mido.Message]) -> None:
        nonlocal sent
        for m in msgs:
            port.send(m)
        sent += len(msgs)

    send(
        [mido.Message("program_change", channel=ch, program=program) for ch in (ROOT_CHANNEL, UPPER_CHANNEL)]
    )
    try:
        for step in steps:
            due = origin + step.end
            clock.sleep_until(due)
            late = max(late, clock.now() - due)
            if current is not None:
                send(release_messages(current))
            send(step_messages(step))
            current, windows = step, windows + 1
            if on_step:
                on_step(step)
        if current is not None:
            clock.sleep_until(origin + current.end + (current.end - current.start))
    finally:
        if current is not None:
            send(release_messages(current))
    return LiveReport(windows, sent, late)


def steps_from_timeline(
    timeline: Timeline,
    method: str = "A",
    *,
    mapping: EmotionMap | RegionMap | None = None,
    root: int = DEFAULT_ROOT,
) -> Iterator[Step]:
    """The steps of a finished timeline (a file analysed ahead of playback)."""
    yield from compose(timeline, method, mapping=mapping, root=root).steps


def steps_from_blocks(
    blocks: Iterable[np.ndarray],
    sample_rate: int,
    *,
    window: float,
    analyze: Callable[[str], Timeline],
    method: str = "A",
    mapping: EmotionMap | RegionMap | None = None,
    root: int = DEFAULT_ROOT,
) -> Iterator[Step]:
    """Steps from a live audio stream: every ``window`` seconds of blocks is written to a
    temporary WAV, analysed with ``analyze`` (e.g. ``emoscore.recognize.analyze_file``) and
    turned into one step timed at its place in the stream, or none where the window rests."""
    import soundfile as sf

    mapping = mapping or load_map(method)
    table = load_interval_table()
    need = int(round(window * sample_rate))
    buf = np.zeros(0, dtype=np.float32)
    index = 0
    fd, tmp = tempfile.mkstemp(suffix=".wav", prefix="emoscore-live-")
    os.close(fd)
    try:
        for block in blocks:
            buf = np.concatenate([buf, np.asarray(block, dtype=np.float32).reshape(-1)])
            while len(buf) >= need:
                chunk, buf = buf[:need], buf[need:]
                sf.write(tmp, chunk, sample_rate)
                tl = analyze(tmp)
                if not tl.segments:
                    raise AudioError(f"live window {index}: the recogniser returned no segment")
                start = index * window
                seg = replace(tl.segments[0], start=start, end=start + window)
                placed = replace(tl, duration=window, window=window, hop=window, segments=(seg,))
                # a window with nothing for the method to read (silence; no speech emotion for B) rests
                yield from compose(placed, method, mapping=mapping, root=root, table=table).steps
                index += 1
    finally:
        os.unlink(tmp)


def microphone_blocks(sample_rate: int = 16_000, block: float = 0.1) -> Iterator[np.ndarray]:
    """Mono blocks from the default input device (needs the ``sounddevice`` package)."""
    try:
        import sounddevice  # type: ignore[import-not-found]
    except ImportError:
        raise ConfigError(
            "--mic needs the sounddevice package (pip install sounddevice) and a microphone"
        ) from None
    try:
        sounddevice.check_input_settings(channels=1, samplerate=sample_rate)
        stream = sounddevice.InputStream(channels=1, samplerate=sample_rate, dtype="float32")
    except Exception as exc:
        raise AudioError(f"microphone: no usable input device ({str(exc).splitlines()[0]})") from None
    n = int(block * sample_rate)
    with stream:
        while True:
            data, _ = stream.read(n)
            yield data[:, 0].copy()
