"""Standard MIDI files: write a :class:`~emoscore.music.score.Score`, read note pairs back.

Timing: 480 ticks per beat at 120 bpm, i.e. 960 ticks per second, so MIDI time equals the
input's audio time (a window starting at 12.5 s starts at tick 12000). Event times are
rounded from absolute seconds, never accumulated, so there is no drift over long inputs.

Channels: the root sounds on channel 1 and the upper note on channel 2 (0 and 1 in mido),
so a unison pair is two distinct notes that end cleanly. CC messages go to channel 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mido

from emoscore.atomic import atomic_output
from emoscore.errors import DataError
from emoscore.music.score import Score

TICKS_PER_BEAT = 480
TEMPO = 500_000  # µs per beat: 120 bpm
TICKS_PER_SECOND = TICKS_PER_BEAT * 1_000_000 // TEMPO
ROOT_CHANNEL, UPPER_CHANNEL = 0, 1


def to_ticks(seconds: float) -> int:
    """
    >>> to_ticks(12.5)
    12000
    """
    return int(round(seconds * TICKS_PER_SECOND))


def score_to_midi(score: Score) -> mido.MidiFile:
    """A one-track MIDI file holding the score's note pairs and CC messages."""
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for step in score.steps:
        on, off = to_ticks(step.start), to_ticks(step.end)
        if off <= on:
            continue
        events.append((on, 1, mido.MetaMessage("marker", text=f"{step.interval} {step.emotion}")))
        for number, value in step.controllers:
            events.append(
                (on, 2, mido.Message("control_change", channel=ROOT_CHANNEL, control=number, value=value))
            )
        for ch, note in zip((ROOT_CHANNEL, UPPER_CHANNEL), step.notes, strict=True):
            events.append((on, 3, mido.Message("note_on", channel=ch, note=note, velocity=step.velocity)))
            # offs sort before ons at the same tick, so back-to-back windows never cut each other
            events.append((off, 0, mido.Message("note_off", channel=ch, note=note, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))

    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=score.title))
    track.append(mido.MetaMessage("text", text=f"input: {Path(score.input).name}"))
    ccs = ", ".join(f"CC{n}={lab}" for lab, n in sorted(score.cc_numbers.items(), key=lambda kv: kv[1]))
    track.append(mido.MetaMessage("text", text=f"controllers (value = round(p * 127)): {ccs}"))
    track.append(mido.MetaMessage("set_tempo", tempo=TEMPO))
    track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4))
    for ch in (ROOT_CHANNEL, UPPER_CHANNEL):
        track.append(mido.Message("program_change", channel=ch, program=score.program))
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    mid.tracks.append(track)
    return mid


def write_midi(score: Score, path: str | Path) -> Path:
    """Write ``score`` as a standard MIDI file (atomically)."""
    path = Path(path)
    with atomic_output(path) as tmp:
        score_to_midi(score).save(tmp)
    return path


def read_midi(path: str | Path) -> mido.MidiFile:
    """Open a MIDI file; :class:`DataError` names a missing or non-MIDI file."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: file not found")
    try:
        return mido.MidiFile(p)
    except (OSError, EOFError, KeyError, ValueError, IndexError, TypeError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{p}: not a valid MIDI file ({msg})") from None


@dataclass(frozen=True)
class NotePair:
    """Two notes that start together: ``semitones`` = upper − lower."""

    start: float
    end: float
    lower: int
    upper: int

    @property
    def semitones(self) -> int:
        return self.upper - self.lower


def read_note_pairs(path: str | Path) -> list[NotePair]:
    """The note pairs of a MIDI file, in time order (any file with notes starting in twos).

    Onsets are grouped to the millisecond; a group of one note counts as a unison with itself
    and a larger group takes its lowest and highest notes, so files from other tools can be
    compared too.
    """
    mid = read_midi(path)
    onsets: dict[float, list[int]] = {}
    ends: dict[float, float] = {}
    sounding: dict[tuple[int, int], float] = {}
    t = 0.0
    for msg in mid:
        t += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            key = round(t, 3)
            onsets.setdefault(key, []).append(msg.note)
            sounding[(msg.channel, msg.note)] = key
        elif msg.type in ("note_off", "note_on"):
            started = sounding.pop((msg.channel, msg.note), None)
            if started is not None:
                ends[started] = max(ends.get(started, 0.0), t)
    if not onsets:
        raise DataError(f"{path}: the MIDI file has no notes")
    return [
        NotePair(start, ends.get(start, t), min(notes), max(notes)) for start, notes in sorted(onsets.items())
    ]
