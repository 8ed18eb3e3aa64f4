"""A :class:`~emoscore.music.sketch.Sketch` as files a DAW opens: a type-1 Standard MIDI File and
a cue sheet (CSV).

The MIDI file has a conductor track (track name, input, the CC table, and at each cue
``set_tempo``, ``time_signature``, ``key_signature`` and a ``marker`` named after the cue; rests
get a marker too) and one named track per part with its General MIDI program, CC1/CC11 dynamics
and notes. 480 ticks per beat; the tempo map makes MIDI time equal film time.
"""

from __future__ import annotations

import csv
from pathlib import Path

import mido

from emoscore.atomic import atomic_output
from emoscore.music.sketch import CUE_SHEET_COLUMNS, TICKS_PER_BEAT, Sketch


def _text(text: str) -> str:
    """Text for a MIDI meta event: as it is when Latin-1 holds it, else its UTF-8 bytes (mido
    writes meta text as Latin-1; a user's file name or label may be anything)."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8").decode("latin-1")


def _track(
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]], head: list, end: int
) -> mido.MidiTrack:
    """Head events at tick 0, then ``events`` (tick, order, message) in time order."""
    track = mido.MidiTrack(head)
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
    return track


def sketch_to_midi(sketch: Sketch) -> mido.MidiFile:
    """The sketch as a type-1 MIDI file: conductor track + one track per part."""
    meta: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for s in sketch.tempo_map:
        meta.append((s.start_tick, 0, mido.MetaMessage("set_tempo", tempo=s.tempo)))
    for tick, num, den in sketch.meters:
        meta.append(
            (
                tick,
                1,
                mido.MetaMessage(
                    "time_signature", numerator=num, denominator=den, clocks_per_click=96 // den
                ),
            )
        )
    for c in sketch.cues:
        meta.append((c.start_tick, 2, mido.MetaMessage("key_signature", key=c.key_signature)))
        meta.append((c.start_tick, 3, mido.MetaMessage("marker", text=_text(c.marker))))
    for r in sketch.rests:
        meta.append((r.start_tick, 3, mido.MetaMessage("marker", text=_text(r.marker))))
    ccs = ", ".join(f"CC{n}={lab}" for lab, n in sorted(sketch.cc_numbers.items(), key=lambda kv: kv[1]))
    head = [
        mido.MetaMessage("track_name", name=_text(sketch.title)),
        mido.MetaMessage("text", text=_text(f"input: {Path(sketch.input).name}")),
        mido.MetaMessage("text", text=_text(f"seed {sketch.seed}, rules {sketch.rules}")),
        mido.MetaMessage(
            "text", text=_text(f"CC1 modulation, CC11 expression; on the pad, p * 127 of: {ccs}")
        ),
    ]
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    mid.tracks.append(_track(meta, head, sketch.end_tick))
    for part in sketch.parts:
        events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
        for n in sketch.part_notes(part.role):
            # offs sort before controls and ons at the same tick: a re-struck note never cuts itself
            events.append(
                (n.end_tick, 0, mido.Message("note_off", channel=part.channel, note=n.pitch, velocity=0))
            )
            events.append(
                (
                    n.start_tick,
                    2,
                    mido.Message("note_on", channel=part.channel, note=n.pitch, velocity=n.velocity),
                )
            )
        for ctl in sketch.controls:
            if ctl.part == part.role:
                events.append(
                    (
                        ctl.tick,
                        1,
                        mido.Message(
                            "control_change", channel=part.channel, control=ctl.number, value=ctl.value
                        ),
                    )
                )
        head = [
            mido.MetaMessage("track_name", name=_text(part.name)),
            mido.Message("program_change", channel=part.channel, program=part.program),
        ]
        mid.tracks.append(_track(events, head, sketch.end_tick))
    return mid


def write_sketch_midi(sketch: Sketch, path: str | Path) -> Path:
    """Write the sketch as a type-1 MIDI file (atomically)."""
    path = Path(path)
    with atomic_output(path) as tmp:
        sketch_to_midi(sketch).save(tmp)
    return path


def write_cue_sheet(sketch: Sketch, path: str | Path) -> Path:
    """Write ``<name>.cues.csv``: one row per cue (:data:`~emoscore.music.sketch.CUE_SHEET_COLUMNS`)."""
    path = Path(path)
    with atomic_output(path) as tmp, tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(CUE_SHEET_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for cue in sketch.cues:
            writer.writerow(cue.row())
    return path
