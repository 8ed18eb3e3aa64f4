"""Music corpus loaders on tiny synthetic folders (and, marked ``corpus``, on the real data)."""

from __future__ import annotations

import csv
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf

from emoscore.corpora import load_corpus
from emoscore.corpora.music import (
    emopia_song_splits,
    load_emomusic,
    load_emomusic_curves,
    load_emopia,
    load_mer4q,
    load_vgmidi,
    quadrant_of,
    render_one,
)
from emoscore.errors import DataError


def _tone(path: Path, freq: float = 440.0, seconds: float = 0.5) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * 16000)) / 16000
    sf.write(path, 0.2 * np.sin(2 * np.pi * freq * t), 16000)
    return path


def _midi(path: Path, notes: tuple[int, ...] = (60, 64, 67), program: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.Message("program_change", program=program, time=0))
    for n in notes:
        track.append(mido.Message("note_on", note=n, velocity=90, time=0))
        track.append(mido.Message("note_off", note=n, velocity=0, time=240))
    mid.save(str(path))
    return path


def _mer4q(root: Path) -> Path:
    rows = [
        ("S1", "Artist A", "Q1"),
        ("S2", "Artist A", "Q2"),
        ("S3", "Artist B", "Q3"),
        ("S4", "B", "Q4"),
        ("S5", "Gone", "Q1"),
    ]  # S5 has no audio: left out
    with open(root / "annotations.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Song", "Artist", "Title", "Quadrant", "PQuad", "MoodsStr", "GenresStr"])
        for song, artist, quad in rows:
            w.writerow([song, artist, f"title {song}", quad, "1", "", ""])
            if song != "S5":
                _tone(root / "audio" / quad / f"{song}.wav")
    return root


def test_quadrant_signs() -> None:
    assert [quadrant_of(v, a) for v, a in [(1, 1), (-1, 1), (-1, -1), (1, -1)]] == ["Q1", "Q2", "Q3", "Q4"]


def test_mer4q_groups_by_artist(tmp_path: Path) -> None:
    frame = load_mer4q(_mer4q(tmp_path))
    assert frame["label"].tolist() == ["Q1", "Q2", "Q3", "Q4"]
    assert frame["speaker"].tolist() == ["mer-4q:Artist A", "mer-4q:Artist A", "mer-4q:Artist B", "mer-4q:B"]
    assert frame["valence"].tolist() == [1.0, -1.0, -1.0, 1.0]
    assert frame["arousal"].tolist() == [1.0, 1.0, -1.0, -1.0]
    assert frame["title"].iloc[0] == "title S1"


def test_mer4q_folder_label_mismatch_is_named(tmp_path: Path) -> None:
    _mer4q(tmp_path)
    (tmp_path / "audio" / "Q1" / "S1.wav").rename(tmp_path / "audio" / "Q3" / "S1.wav")
    with pytest.raises(DataError, match="S1.wav: in folder Q3 but annotated Q1"):
        load_mer4q(tmp_path)


def test_vgmidi_renders_and_skips_bad_midi(tmp_path: Path) -> None:
    root = tmp_path / "vgmidi"
    _midi(root / "phrases" / "Game_Piece A_0.mid")
    _midi(root / "phrases" / "Game_Piece B_0.mid", notes=(48, 52))
    (root / "phrases" / "Game_Broken_0.mid").write_bytes(b"not a midi file")
    with open(root / "vgmidi_labelled.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "series", "console", "game", "piece", "midi", "valence", "arousal"])
        w.writerow([1, "S", "N64", "Game", "Piece A", "labelled/phrases/Game_Piece A_0.mid", 1, -1])
        w.writerow([2, "S", "N64", "Game", "Piece B", "labelled/phrases/Game_Piece B_0.mid", -1, 1])
        w.writerow([3, "S", "N64", "Game", "Broken", "labelled/phrases/Game_Broken_0.mid", 1, 1])
        w.writerow([4, "S", "N64", "Game", "Missing", "labelled/phrases/Game_Missing_0.mid", 1, 1])
    renders = tmp_path / "renders"
    frame = load_vgmidi(root, render_root=renders)
    assert dict(zip(frame["speaker"], frame["label"], strict=True)) == {
        "vgmidi:Game/Piece A": "Q4",
        "vgmidi:Game/Piece B": "Q2",
    }
    assert set(frame["speaker"]) == {"vgmidi:Game/Piece A", "vgmidi:Game/Piece B"}
    bad = frame.attrs["bad_rows"]
    assert len(bad) == 2
    assert any("Game_Broken_0.mid" in b for b in bad) and any(
        "Game_Missing_0.mid: MIDI file not found" in b for b in bad
    )
    y, rate = sf.read(frame["path"].iloc[0])
    assert rate == 16000 and y.ndim == 1 and np.abs(y).max() > 0.01  # audible mono render
    # the cache: a second load renders nothing new
    before = {p: Path(p).stat().st_mtime_ns for p in frame["path"]}
    again = load_vgmidi(root, render_root=renders)
    assert {p: Path(p).stat().st_mtime_ns for p in again["path"]} == before


def test_program_augmentation_is_a_separate_render(tmp_path: Path) -> None:
    midi = _midi(tmp_path / "a.mid")
    piano = render_one(midi, root=tmp_path / "r")
    strings = render_one(midi, root=tmp_path / "r", program=48)
    assert piano != strings
    a, _ = sf.read(piano)
    b, _ = sf.read(strings)
    n = min(len(a), len(b))
    assert not np.allclose(a[:n], b[:n], atol=1e-3)


def test_emopia_song_ids_and_split(tmp_path: Path) -> None:
    root = tmp_path / "emopia"
    _midi(root / "midis" / "Q1_ab_c-d_0.mid")
    _midi(root / "midis" / "Q3_xyz_1.mid", notes=(40, 43))
    (root / "split").mkdir()
    (root / "split" / "test_SL.csv").write_text(
        "songID,num_Q1,num_Q2,num_Q3,num_Q4,DominantQ\nab_c-d,1,0,0,0,1\n"
    )
    frame = load_emopia(root, render_root=tmp_path / "r")
    assert frame["speaker"].tolist() == ["emopia:ab_c-d", "emopia:xyz"]
    assert frame["split"].tolist() == ["test", ""]
    assert frame["label"].tolist() == ["Q1", "Q3"]


@pytest.mark.corpus
def test_real_mer4q(shared_data: Path) -> None:
    frame = load_corpus("mer-4q", shared_data)
    assert len(frame) == 579
    assert set(frame["label"]) == {"Q1", "Q2", "Q3", "Q4"}
    assert frame["speaker"].nunique() > 400  # artists, not clips


@pytest.mark.corpus
def test_real_emomusic_and_curves(shared_data: Path) -> None:
    frame = load_emomusic(shared_data / "emomusic")
    assert len(frame) == 10 and frame["valence"].between(-1, 1).all()
    curves = load_emomusic_curves(shared_data / "emomusic")
    c = curves[str(frame["song_id"].iloc[0])]
    assert c["time"].iloc[0] == 15.0 and c["time"].iloc[-1] == 45.0 and len(c) == 61


@pytest.mark.corpus
def test_real_emopia_song_level_split(shared_data: Path) -> None:
    splits = emopia_song_splits(shared_data / "emopia")
    assert sorted(set(splits.values())) == ["test", "train", "val"]
    assert list(splits.values()).count("test") == 32 and len(splits) > 350


def test_midi_corpora_are_counted_without_rendering(tmp_path: Path) -> None:
    from emoscore.corpora.music import midi_clip_count

    (tmp_path / "midis").mkdir()
    for name in ("Q1_a_0.mid", "Q2_b_1.mid"):
        (tmp_path / "midis" / name).write_bytes(b"MThd")
    assert midi_clip_count("emopia", tmp_path) == 2
    assert midi_clip_count("ravdess", tmp_path) is None
    assert not any(tmp_path.rglob("*.flac"))
