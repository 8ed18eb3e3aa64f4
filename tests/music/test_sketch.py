"""The score sketch: cues, harmony from the interval colour, tempo map, parts, DAW-ready MIDI, cue sheet."""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

import mido
import pytest
import soundfile as sf

from emoscore.errors import ConfigError
from emoscore.music.cues import cut_sections
from emoscore.music.maps import load_method_a
from emoscore.music.scoring import ScoreSettings, score_timeline
from emoscore.music.sketch import CUE_SHEET_COLUMNS, Sketch, compose_sketch, key_for
from emoscore.music.sketch_midi import sketch_to_midi, write_sketch_midi
from emoscore.music.sketch_rules import load_sketch_rules
from emoscore.timeline import Segment, Timeline

RULES = Path(__file__).parents[2] / "src" / "emoscore" / "data" / "sketch.toml"


def quiet(start: float, end: float, domain: str = "silence") -> Segment:
    return Segment(start, end, {}, None, None, None, domain=domain, voiced=0.0)


@pytest.fixture
def scene(seg, make_tl) -> Timeline:
    """72 s: sad 0-24, silence 24-32, happy 32-52, angry 52-72 (4-s windows), as the contract check."""
    plan = [("sad", 0, 24, (0.15, 0.3, 0.3)), (None, 24, 32, None), ("happy", 32, 52, (0.85, 0.7, 0.6))]
    plan.append(("angry", 52, 72, (0.15, 0.85, 0.75)))
    segs = []
    for emotion, a, b, vad in plan:
        for s in range(a, b, 4):
            segs.append(quiet(s, s + 4) if emotion is None else seg(s, s + 4, emotion, *vad, p_top=0.8))
    return make_tl(segs)


def midi_notes(mid: mido.MidiFile) -> list[tuple[float, float, int, int]]:
    """(start s, end s, pitch, channel) of every note, read the way a sequencer plays the file."""
    t, on, notes = 0.0, {}, []
    for m in mid:
        t += m.time
        if m.type == "note_on" and m.velocity > 0:
            on[(m.channel, m.note)] = t
        elif m.type in ("note_off", "note_on") and (m.channel, m.note) in on:
            notes.append((on.pop((m.channel, m.note)), t, m.note, m.channel))
    return notes


def meta_times(mid: mido.MidiFile, kind: str) -> list[tuple[float, object]]:
    t, out = 0.0, []
    for m in mid:
        t += m.time
        if m.type == kind:
            out.append((t, m))
    return out


def bar_midpoints(sk: Sketch, number: int) -> list[float]:
    """Film times in the middle of each bar of cue ``number`` (away from any chord change)."""
    cue = sk.cues[number - 1]
    bass = [n for n in sk.part_notes("bass") if cue.start_tick <= n.start_tick < cue.end_tick]
    bar_starts = sorted({n.start_tick for n in bass})
    return [sk.seconds(t + 60) for t in bar_starts]  # 60 ticks in: past the onset, before the next


def sounding(sk: Sketch, seconds: float) -> list[int]:
    tick = sk.tick_at(seconds)
    return sorted({n.pitch for n in sk.notes if n.start_tick <= tick < n.end_tick})


def test_cues_follow_the_emotion_and_silence_is_a_rest(scene):
    sk = compose_sketch(scene)
    got = [(c.start, c.end, c.emotion, c.interval, c.key) for c in sk.cues]
    assert got == [
        (0.0, 24.0, "sad", "m3", "F minor"),
        (32.0, 52.0, "happy", "M3", "G major"),
        (52.0, 72.0, "angry", "TT", "F Locrian"),
    ]
    assert [(r.start, r.end, r.reason) for r in sk.rests] == [(24.0, 32.0, "silence")]
    assert sk.notice is None and sk.duration == pytest.approx(72.0, abs=1e-4)


def test_the_sad_cue_is_minor_and_the_happy_cue_major_over_the_bass(scene):
    sk = compose_sketch(scene)
    for number, third, other in ((1, 3, 4), (2, 4, 3)):
        for t in bar_midpoints(sk, number):
            chord = sounding(sk, t)
            root = chord[0] % 12  # the bass: always the lowest voice and the chord's root
            pcs = {p % 12 for p in chord}
            assert (root + third) % 12 in pcs and (root + other) % 12 not in pcs, (number, t, chord)


def test_every_chord_holds_its_cue_interval_above_its_root(scene):
    sk = compose_sketch(scene)
    for cue in sk.cues:
        for t in bar_midpoints(sk, cue.number):
            harmony = [
                n for n in sk.notes if n.part != "motif" and n.start_tick <= sk.tick_at(t) < n.end_tick
            ]
            root = min(n.pitch for n in harmony)
            assert (root + cue.semitones) % 12 in {n.pitch % 12 for n in harmony}, (cue.number, t)


def test_tempo_rises_with_arousal_and_each_cue_has_its_key_metre_and_marker(scene):
    mid = sketch_to_midi(compose_sketch(scene))
    bpm = {round(t, 3): mido.tempo2bpm(m.tempo) for t, m in meta_times(mid, "set_tempo")}
    assert bpm[0.0] < bpm[32.0] < bpm[52.0]
    assert [(round(t, 3), m.text) for t, m in meta_times(mid, "marker")] == [
        (0.0, "cue 1 - sad, F minor, 80 BPM"),
        (24.0, "rest - silence"),
        (32.0, "cue 2 - happy, G major, 120 BPM"),
        (52.0, "cue 3 - angry, F Locrian, 135 BPM"),
    ]
    assert [(round(t, 3), m.key) for t, m in meta_times(mid, "key_signature")] == [
        (0.0, "Fm"),
        (32.0, "G"),
        (52.0, "Ebm"),  # F Locrian: Gb major's six flats, written as its relative minor
    ]
    sigs = {round(t, 3): (m.numerator, m.denominator) for t, m in meta_times(mid, "time_signature")}
    assert (sigs[0.0], sigs[32.0], sigs[52.0]) == ((3, 4), (4, 4), (7, 8))


def test_midi_time_is_film_time_through_the_tempo_map(seg, make_tl):
    # irregular cue lengths (3.1-s and 3.8-s windows): every cue must still start exactly at its film time
    sad = [seg(3.1 * i, 3.1 * i + 3.1, "sad", 0.15, 0.3, 0.3) for i in range(3)]
    happy = [seg(9.3 + 3.1 * i, 9.3 + 3.1 * i + 3.1, "happy", 0.85, 0.7, 0.6) for i in range(4)]
    angry = [seg(21.7 + 3.8 * i, 21.7 + 3.8 * i + 3.8, "angry", 0.15, 0.85, 0.75) for i in range(3)]
    sk = compose_sketch(make_tl(sad + happy + angry), min_cue=4.0)
    mid = sketch_to_midi(sk)
    markers = [t for t, _ in meta_times(mid, "marker")]
    assert markers == pytest.approx([0.0, 9.3, 21.7], abs=1e-3)
    assert mid.length == pytest.approx(33.1, abs=1e-3)
    for (start, end, _, _), note in zip(sorted(midi_notes(mid)), sorted(sk.notes, key=_key(sk)), strict=True):
        assert start == pytest.approx(sk.seconds(note.start_tick), abs=1e-3)
        assert end == pytest.approx(sk.seconds(note.end_tick), abs=1e-3)


def _key(sk: Sketch):
    channel = {p.role: p.channel for p in sk.parts}
    return lambda n: (sk.seconds(n.start_tick), sk.seconds(n.end_tick), n.pitch, channel[n.part])


def test_nothing_starts_in_a_rest_and_the_last_chord_fades_into_it(scene):
    sk = compose_sketch(scene)
    mid = sketch_to_midi(sk)
    notes = midi_notes(mid)
    assert not [n for n in notes if 24.0 <= n[0] < 32.0]
    rules = load_sketch_rules()
    ringing = [n for n in notes if n[0] < 24.0 < n[1]]
    assert ringing and {n[3] for n in ringing} == {0}  # only the pad rings on
    assert max(n[1] for n in ringing) == pytest.approx(24.0 + rules.tail, abs=1e-3)
    fade = [
        c for c in sk.controls if c.part == "pad" and c.number == 11 and 24.0 < sk.seconds(c.tick) <= 26.01
    ]
    assert fade[-1].value == 0 and [c.value for c in fade] == sorted((c.value for c in fade), reverse=True)


def test_a_daw_ready_type_1_file(scene, tmp_path):
    sk = compose_sketch(scene)
    mid = mido.MidiFile(write_sketch_midi(sk, tmp_path / "s.mid"))
    assert mid.type == 1 and mid.ticks_per_beat == 480 and len(mid.tracks) == 4
    names = [next(m.name for m in tr if m.type == "track_name") for tr in mid.tracks]
    assert names[1:] == ["pad (strings)", "bass", "motif"] and names[0].startswith("emoscore score sketch")
    programs = {m.channel: m.program for tr in mid.tracks for m in tr if m.type == "program_change"}
    assert programs == {0: 48, 1: 32, 2: 71}
    ccs = [(m.channel, m.control) for m in mid if m.type == "control_change"]
    for ch in (0, 1, 2):
        assert (ch, 1) in ccs and (ch, 11) in ccs
    # the paper's other-emotion CCs, on the pad, window by window: sad's first window, calm = 0.2 * 2/10
    first = [m for m in mid.tracks[1][:40] if m.type == "control_change" and m.control == 21]
    assert first and first[0].value == round(0.2 * 2 / 10 * 127)
    # the pad and bass never go below one another: the bass is the lowest voice throughout
    for cue in sk.cues:
        for t in bar_midpoints(sk, cue.number):
            tick = sk.tick_at(t)
            bass = [n.pitch for n in sk.part_notes("bass") if n.start_tick <= tick < n.end_tick]
            others = [n.pitch for n in sk.notes if n.part != "bass" and n.start_tick <= tick < n.end_tick]
            assert len(bass) == 1 and bass[0] < min(others)


def test_at_least_a_note_a_second_and_the_pad_moves_smoothly(scene):
    sk = compose_sketch(scene)
    assert len(sk.notes) / 64.0 >= 1.0
    # voice-leading: the pad's chords change by small steps, never jumping as block chords would
    pad = sk.part_notes("pad")
    onsets = sorted({n.start_tick for n in pad if n.start_tick < sk.cues[0].end_tick})
    chords = [sorted(n.pitch for n in pad if n.start_tick <= t < n.end_tick) for t in onsets]
    moves = [
        sum(min(abs(a - b) for b in prev) for a in cur) / len(cur)
        for prev, cur in zip(chords, chords[1:], strict=False)
    ]
    assert moves and max(moves) <= 2.5


def test_same_seed_same_file_another_seed_another_motif(scene, tmp_path):
    a = write_sketch_midi(compose_sketch(scene, seed=7), tmp_path / "a.mid").read_bytes()
    b = write_sketch_midi(compose_sketch(scene, seed=7), tmp_path / "b.mid").read_bytes()
    assert a == b
    one, two = compose_sketch(scene, seed=1), compose_sketch(scene, seed=2)
    assert one.cues == two.cues  # cues, keys, tempi, chords do not depend on the seed
    for part in ("pad", "bass"):
        assert [(n.start_tick, n.end_tick, n.pitch) for n in one.part_notes(part)] == [
            (n.start_tick, n.end_tick, n.pitch) for n in two.part_notes(part)
        ]
    assert [(n.start_tick, n.pitch) for n in one.part_notes("motif")] != [
        (n.start_tick, n.pitch) for n in two.part_notes("motif")
    ]


def test_a_short_change_merges_into_the_cue_unless_the_minimum_allows_it(seg, make_tl):
    segs = [seg(s, s + 4, "sad", 0.15, 0.3, 0.3) for s in (0, 4, 8)]
    segs += [seg(12, 16, "happy", 0.85, 0.7, 0.6)] + [
        seg(s, s + 4, "sad", 0.15, 0.3, 0.3) for s in (16, 20, 24)
    ]
    tl = make_tl(segs)
    assert [(c.start, c.end, c.interval) for c in compose_sketch(tl).cues] == [(0.0, 28.0, "m3")]
    # with one-window smoothing and 4-s cues the blip is a cue of its own
    a = load_method_a()
    sections = cut_sections(tl, a, min_length=4.0, smoothing=1)
    assert [(s.start, s.end, s.interval.short) for s in sections] == [
        (0, 12, "m3"),
        (12, 16, "M3"),
        (16, 28, "m3"),
    ]


def test_a_cue_is_named_after_the_windows_that_give_its_interval(seg, make_tl):
    # 4 s of sad then 4 s of angry are one 8-s cue: its interval and its name come from the same
    # windows (a tie goes to the first heard), and smoothing keeps the two windows apart
    tl = make_tl(
        [seg(0, 4, "sad", 0.15, 0.3, 0.3, p_top=0.6), seg(4, 8, "angry", 0.15, 0.85, 0.75, p_top=0.95)]
    )
    (cue,) = compose_sketch(tl).cues
    assert (cue.emotion, cue.interval, cue.key) == ("sad", "m3", "F minor")
    assert [w.interval.short for w in cut_sections(tl, load_method_a(), min_length=8.0)[0].windows] == [
        "m3",
        "TT",
    ]


def test_a_short_pause_carries_the_cue_on(seg, make_tl):
    tl = make_tl([seg(0, 4, "sad", 0.15, 0.3, 0.3), seg(4, 8, "sad", 0.15, 0.3, 0.3), quiet(8, 12)])
    tl = make_tl([*tl.segments, seg(12, 16, "sad", 0.15, 0.3, 0.3), seg(16, 20, "sad", 0.15, 0.3, 0.3)])
    sk = compose_sketch(tl)
    assert [(c.start, c.end) for c in sk.cues] == [(0.0, 20.0)] and not sk.rests
    assert any(8.0 <= sk.seconds(n.start_tick) < 12.0 for n in sk.notes)  # the cue plays on through it


def test_music_windows_with_valence_arousal_are_scored_by_method_a_only(make_tl):
    music = [
        Segment(s, s + 4, {}, 0.8, 0.75, 0.6, domain="music") for s in range(0, 16, 4)
    ]  # no speech emotion, but the music models' valence/arousal
    tl = make_tl(music)
    a = compose_sketch(tl, "A")
    assert [(c.emotion, c.interval) for c in a.cues] == [("music", "M3")]
    b = compose_sketch(tl, "B")
    assert not b.cues and not b.notes and "method B" in (b.notice or "")


def test_a_timeline_with_nothing_to_read_is_a_sketch_of_rests(make_tl, tmp_path):
    tl = make_tl([quiet(0, 4), quiet(4, 8, "other"), quiet(8, 12)])
    result = score_timeline(tl, ScoreSettings(style="sketch", render=True), tmp_path, name="q")
    sk = result.sketch
    assert sk is not None and not sk.notes and [r.reason for r in sk.rests] == ["silence"]
    assert result.notices == (
        "scene.wav: no window has valence/arousal to score (method A); the sketch is 12 s of rests",
    )
    y, rate = sf.read(tmp_path / "q.sketch.wav")
    assert rate == 44_100 and not y.any() and len(y) / rate == pytest.approx(12.0, abs=0.01)
    mid = mido.MidiFile(tmp_path / "q.sketch.mid")
    assert [m.text for m in mid if m.type == "marker"] == ["rest - silence"]


def test_score_timeline_writes_the_sketch_its_cue_sheet_and_the_cues_in_the_document(scene, tmp_path):
    result = score_timeline(scene, ScoreSettings(style="sketch", seed=3), tmp_path, name="cue")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cue.cues.csv",
        "cue.intervals.json",
        "cue.sketch.mid",
    ]
    assert [(a.kind, a.method) for a in result.artefacts] == [
        ("midi", "sketch"),
        ("cues", None),
        ("intervals", None),
    ]
    with (tmp_path / "cue.cues.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == CUE_SHEET_COLUMNS
    assert [(r["cue"], r["emotion"], r["key"], r["interval"], r["time_signature"]) for r in rows] == [
        ("1", "sad", "F minor", "m3", "3/4"),
        ("2", "happy", "G major", "M3", "4/4"),
        ("3", "angry", "F Locrian", "TT", "7/8"),
    ]
    doc = json.loads((tmp_path / "cue.intervals.json").read_text())
    assert doc["methods"] == {} and doc["sketch"]["seed"] == 3 and doc["sketch"]["method"] == "A"
    assert [c["key"] for c in doc["sketch"]["cues"]] == [r["key"] for r in rows]
    assert doc["sketch"]["cue_sheet"] == "cue.cues.csv" and doc["sketch"]["rests"][0]["reason"] == "silence"


def test_methods_a_and_b_stay_bit_for_bit_beside_the_sketch(timeline, tmp_path):
    alone = score_timeline(timeline, ScoreSettings(), tmp_path / "alone", name="x")
    both = score_timeline(timeline, ScoreSettings(style="intervals,sketch"), tmp_path / "both", name="x")
    for m in "AB":
        assert (tmp_path / "alone" / f"x.{m}.mid").read_bytes() == (
            tmp_path / "both" / f"x.{m}.mid"
        ).read_bytes()
    # the paper-exact files of the shared fixture, as the code before the sketch wrote them
    digest = {f: hashlib.sha256((tmp_path / "alone" / f).read_bytes()).hexdigest() for f in GOLDEN}
    assert digest == GOLDEN
    assert [a.kind for a in alone.artefacts] == ["midi", "midi", "intervals"]
    assert both.document["methods"] == alone.document["methods"] and "sketch" in both.document


GOLDEN = {
    "x.A.mid": "c450215da7bdb6f687ad11ae7035b6dec86008134f857de2303b2abe3d809002",
    "x.B.mid": "a25e4d101df45b83550fc0269796208766599aa1518b161081030f2d30621a50",
    "x.intervals.json": "c1f2515f006f4416449a70e38be7220ed2102ebb6c6b97d7feaf82bf919ef41a",
}


def test_settings_pick_the_sketch_method_and_refuse_a_map_it_would_ignore(tmp_path):
    assert ScoreSettings(style="sketch").sketch_method == "A"
    assert ScoreSettings(methods="B", style="sketch").sketch_method == "B"
    assert ScoreSettings(style="intervals,sketch").label == "all"
    b_map = tmp_path / "b.toml"
    b_map.write_text(
        '[emotions]\nfearful="m2"\nneutral="M2"\nsad="m3"\nhappy="M3"\nangry="TT"\nsurprised="M7"\n'
    )
    from emoscore.music.scoring import load_user_maps

    with pytest.raises(ConfigError, match="the sketch takes its intervals from method A"):
        ScoreSettings(style="sketch", maps=load_user_maps([b_map]))
    bad_options = [
        ({"style": "jazz"}, "--style jazz: choose one of intervals, sketch"),
        ({"seed": -1}, "--seed -1"),
        ({"min_cue": 0.5}, "--cue-min 0.5"),
    ]
    for bad, match in bad_options:
        with pytest.raises(ConfigError, match=match):
            ScoreSettings(**bad)


def test_a_method_b_map_missing_a_cue_emotion_is_one_line(scene, tmp_path):
    b_map = tmp_path / "b.toml"
    b_map.write_text(
        '[emotions]\nfearful="m2"\nneutral="M2"\nsad="m3"\nhappy="M3"\nangry="TT"\nsurprised="M7"\n'
    )
    from emoscore.music.maps import load_method_b

    with pytest.raises(ConfigError, match=r"b\.toml: no interval for emotion 'calm'"):
        compose_sketch(scene, "B", mapping=load_method_b(b_map))


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("[families.TT]", "[families.XX]", "no family for interval 'TT'"),
        (
            'progression = ["i", "iv", "i:m7", "v"]',
            'progression = ["i", "IV"]',
            "chord 'IV' does not hold the minor 3rd",
        ),
        ('mode = "locrian"', 'mode = "ionian"', "the tritone .TT. is not in ionian"),
        ("pulses = [2, 2, 3]", "pulses = [2, 2, 2]", r"do not fill a bar of 7/8"),
        ("bpm = [50, 150]", "bpm = [50, 950]", "tempo.bpm: 950 is outside 20..300"),
        ("smoothing = 3 ", "smoothing = 4 ", "cues.smoothing: 4 must be odd"),
        ('"5" = [0, 7]', '"5" = [7, 0]', "chords.5: needs distinct pitch classes"),
    ],
)
def test_rules_are_validated_on_load(tmp_path, old, new, match):
    text = RULES.read_text()
    assert old in text
    bad = tmp_path / "rules.toml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError, match=match) as exc:
        load_sketch_rules(bad)
    assert str(exc.value).startswith(f"{bad}:") and "\n" not in str(exc.value)


def test_keys_are_spelled_from_their_signature():
    modes = {
        f.harmony(v).mode.name: f.harmony(v).mode
        for f in load_sketch_rules().families.values()
        for v in (0, 1)
    }
    keys = [(0, "aeolian"), (7, "ionian"), (4, "phrygian"), (5, "lydian"), (2, "dorian"), (10, "mixolydian")]
    got = [(k.name, k.signature) for k in (key_for(t, modes[m]) for t, m in [*keys, (6, "ionian")])]
    assert got == [
        *[("C minor", "Cm"), ("G major", "G"), ("E Phrygian", "Am"), ("F Lydian", "C"), ("D Dorian", "Am")],
        *[("Bb Mixolydian", "Eb"), ("Gb major", "Gb")],  # six sharps or six flats: flats
    ]


def test_rendered_with_the_existing_render_path(scene, tmp_path):
    result = score_timeline(scene, ScoreSettings(style="sketch", render=True), tmp_path, name="r")
    info = sf.info(tmp_path / "r.sketch.wav")
    assert (info.samplerate, info.subtype) == (44_100, "PCM_24") and info.duration >= 72.0
    y, rate = sf.read(tmp_path / "r.sketch.wav")
    level = lambda a, b: float(abs(y[int(a * rate) : int(b * rate)]).max())  # noqa: E731
    assert level(27.5, 31.5) < 0.01 < level(2, 22)  # the rest is silent once the tail has faded
    assert ("wav", "sketch") in [(a.kind, a.method) for a in result.artefacts]


def test_cli_style_sketch_and_unknown_style(scene, tmp_path, capsys):
    from emoscore.cli import main

    js = tmp_path / "scene.json"
    js.write_text(json.dumps(scene.to_dict()))
    with pytest.raises(SystemExit) as exc:
        main(["compose", str(js), "--style", "sketch", "--seed", "2", "-o", str(tmp_path / "o")])
        sys.exit(0)
    out = capsys.readouterr()
    assert (exc.value.code or 0) == 0, out.err
    assert "cue 1 - sad, F minor, 80 BPM: 0.0-24.0 s, 3/4, m3 Fm Bbm" in out.out
    written = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert written == ["scene.cues.csv", "scene.intervals.json", "scene.sketch.mid"]
    with pytest.raises(SystemExit) as exc:
        main(["compose", str(js), "--style", "jazz", "-o", str(tmp_path / "p")])
    err = capsys.readouterr().err.strip().splitlines()
    assert exc.value.code != 0 and err == [
        "emoscore: --style jazz: choose one of intervals, sketch (or several, comma-separated)"
    ]
