"""Music emotion corpora (4Q audio, EMOPIA, VGMIDI, emoMusic) as corpus tables.

Every loader returns the table of :mod:`emoscore.corpora.table` with ``label`` a quadrant of
the valence/arousal plane (``Q1`` +V+A, ``Q2`` −V+A, ``Q3`` −V−A, ``Q4`` +V−A), ``speaker``
the group that must never straddle a split (the artist for 4Q, the source song for EMOPIA,
the piece for VGMIDI), and extra columns ``valence`` and ``arousal`` in [-1, 1] (the sign of
the quadrant where only the quadrant is known).

EMOPIA and VGMIDI are MIDI: their rows point to FluidSynth renders (16 kHz mono FLAC) kept in a
render cache under the feature cache root, rendered once per (MIDI content, SoundFont,
program). A MIDI that cannot be rendered is named in ``frame.attrs["bad_rows"]`` and skipped.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from emoscore.corpora.table import make_frame
from emoscore.errors import DataError, EmoscoreError
from emoscore.vocabulary import QUADRANTS

#: (valence sign, arousal sign) of each quadrant
QUADRANT_SIGNS = {"Q1": (1, 1), "Q2": (-1, 1), "Q3": (-1, -1), "Q4": (1, -1)}
RENDER_RATE = 16_000
RENDER_VERSION = 2
GM_SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
_EMOPIA_NAME = re.compile(r"^(Q[1-4])_(.+)_(\d+)$")
_EXTRAS = ("valence", "arousal")


def quadrant_of(valence: float, arousal: float) -> str:
    """The quadrant of a point of the valence/arousal plane centred on 0 (0 counts as positive).

    >>> quadrant_of(0.5, 0.5), quadrant_of(-0.2, 0.7), quadrant_of(-1, -1), quadrant_of(1, -0.1)
    ('Q1', 'Q2', 'Q3', 'Q4')
    """
    if valence >= 0:
        return "Q1" if arousal >= 0 else "Q4"
    return "Q2" if arousal >= 0 else "Q3"


# --- rendering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderBatch:
    """Where each MIDI's render lies (``None`` when it failed) and one message per failure."""

    paths: tuple[str | None, ...]
    failed: tuple[str, ...]


def default_render_root() -> Path:
    """``<feature cache root>/renders``: renders live beside the features computed from them."""
    from emoscore.features.cache import default_cache_root

    return default_cache_root() / "renders"


def _render_key(midi: Path, soundfont: Path, program: int | None) -> str:
    h = hashlib.sha256(midi.read_bytes())
    h.update(
        f"|{soundfont.name}|{soundfont.stat().st_size}|{program}|{RENDER_RATE}|{RENDER_VERSION}".encode()
    )
    return h.hexdigest()


def _with_program(midi: Path, program: int, out: Path) -> None:
    """A copy of ``midi`` whose melodic channels all play General MIDI ``program``."""
    import mido

    from emoscore.music.midi import read_midi

    mid = read_midi(midi)
    for track in mid.tracks:
        for i, msg in enumerate(track):
            if msg.type == "program_change" and msg.channel != 9:
                track[i] = msg.copy(program=program)
    channels = sorted({m.channel for t in mid.tracks for m in t if m.type == "note_on" and m.channel != 9})
    if mid.tracks:
        for ch in channels:
            mid.tracks[0].insert(0, mido.Message("program_change", channel=ch, program=program, time=0))
    mid.save(str(out))


def _fluidsynth(midi: Path, wav: Path, sf2: Path) -> None:
    """Fast-render at the analysis rate; dynamic sample loading reads only the samples the piece
    plays, which makes a 140-MB General MIDI SoundFont start in a fraction of the time."""
    from emoscore.music.midi import read_midi
    from emoscore.music.render import run_fluidsynth

    read_midi(midi)  # a non-MIDI file fails here with a clear message
    binary = shutil.which("fluidsynth")
    if binary is None:
        raise DataError(f"{midi}: cannot render it, the fluidsynth program is not installed")
    run_fluidsynth(midi, wav, binary=binary, soundfont=sf2, rate=RENDER_RATE, gain=0.5,
                   extra=("-o", "synth.dynamic-sample-loading=1"), timeout=300)  # fmt: skip


def render_one(
    midi: str | Path,
    *,
    root: str | Path | None = None,
    soundfont: str | Path | None = None,
    program: int | None = None,
) -> Path:
    """The cached 16 kHz mono FLAC render of one MIDI file (rendered now if missing).

    ``program`` replaces every instrument by that General MIDI program (0 = grand piano,
    48 = strings …), a cheap augmentation; ``None`` keeps the file's own instruments.
    Raises an :class:`~emoscore.errors.EmoscoreError` naming the file when it cannot be rendered.
    """
    import soundfile as sf

    from emoscore.music.render import find_soundfont

    src = Path(midi)
    sf2 = find_soundfont(
        soundfont if soundfont is not None else (GM_SOUNDFONT if Path(GM_SOUNDFONT).is_file() else None)
    )
    if sf2 is None:
        raise DataError(
            f"{src}: no General MIDI SoundFont found to render it (apt-get install fluid-soundfont-gm)"
        )
    try:
        key = _render_key(src, sf2, program)
    except OSError as exc:
        raise DataError(f"{src}: cannot read the MIDI file ({exc.strerror or exc})") from None
    base = Path(root) if root is not None else default_render_root()
    out = base / key[:2] / f"{key}.flac"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".render-") as tmp:
        source = src
        if program is not None:
            source = Path(tmp) / "program.mid"
            _with_program(src, program, source)
        wav = Path(tmp) / "render.wav"
        _fluidsynth(source, wav, sf2)
        y, rate = sf.read(wav, always_2d=True, dtype="float32")
        y = y.mean(axis=1)
        if rate != RENDER_RATE:
            import soxr

            y = soxr.resample(y, rate, RENDER_RATE).astype(np.float32)
        peak = float(np.max(np.abs(y))) if y.size else 0.0
        if peak < 1e-4:
            raise DataError(f"{src}: the render is silent (no audible notes)")
        if peak > 0.99:  # keep dense chords from clipping in 16-bit
            y = y * (0.99 / peak)
        tmp_out = Path(tmp) / "render.flac"
        sf.write(tmp_out, y, RENDER_RATE, subtype="PCM_16")
        os.replace(tmp_out, out)
    return out


def render_midis(
    midis: Sequence[str | Path],
    *,
    root: str | Path | None = None,
    soundfont: str | Path | None = None,
    program: int | None = None,
    n_jobs: int = 6,
    progress: bool = False,
) -> RenderBatch:
    """Render many MIDI files through the cache; failures are skipped, each named once."""

    def one(m: str | Path) -> tuple[str | None, str | None]:
        try:
            return str(render_one(m, root=root, soundfont=soundfont, program=program)), None
        except EmoscoreError as exc:
            return None, str(exc)
        except Exception as exc:  # a library error on a malformed file must not stop the batch
            return None, f"{m}: cannot be rendered ({type(exc).__name__}: {exc})"

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(midis), unit="midi", desc="render")
    results: list[tuple[str | None, str | None]] = []
    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool:
        for res in pool.map(one, midis):
            results.append(res)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return RenderBatch(tuple(p for p, _ in results), tuple(e for _, e in results if e))


# --- loaders ---------------------------------------------------------------------------------


def _row(path: str, label: str, code: str, group: str, corpus: str, **extra: object) -> dict[str, object]:
    v, a = QUADRANT_SIGNS[label]
    row: dict[str, object] = {
        "path": path,
        "label": label,
        "code": code,
        "speaker": f"{corpus}:{group}",
        "corpus": corpus,
        "valence": float(v),
        "arousal": float(a),
    }
    row.update(extra)
    return row


def _finish(
    rows: list[dict[str, object]],
    extras: Iterable[str],
    bad: Sequence[str],
    folder: Path,
    corpus: str,
    expected: str,
) -> pd.DataFrame:
    if not rows:
        detail = f"; {len(bad)} failed, first: {bad[0]}" if bad else ""
        raise DataError(f"{folder}: no {corpus} clips found (expected {expected}){detail}")
    frame = make_frame(rows, (*_EXTRAS, *extras))
    frame.attrs["bad_rows"] = tuple(bad)
    return frame


def load_mer4q(folder: str | Path) -> pd.DataFrame:
    """4Q audio (Panda et al. 2018): ``audio/Q1..Q4/<Song>.ogg`` + ``annotations.csv``.

    Groups are artists (clips of one artist sound alike). Extras: ``title``. Annotated songs
    whose audio is missing (321 of the 900 here) are left out silently; a file whose folder
    disagrees with its annotation is a :class:`DataError`.
    """
    folder = Path(folder)
    ann = folder / "annotations.csv"
    if not ann.is_file():
        raise DataError(f"{ann}: 4Q annotations not found")
    rows = []
    with open(ann, encoding="utf-8-sig", newline="") as fh:
        for rec in csv.DictReader(fh):
            song, quad = rec.get("Song", "").strip(), rec.get("Quadrant", "").strip()
            if quad not in QUADRANTS:
                raise DataError(f"{ann}: song {song!r} has unknown quadrant {quad!r}")
            found = [
                folder / "audio" / q / f"{song}{ext}" for q in QUADRANTS for ext in (".ogg", ".mp3", ".wav")
            ]
            present = [p for p in found if p.is_file()]
            if not present:
                continue
            if present[0].parent.name != quad:
                raise DataError(f"{present[0]}: in folder {present[0].parent.name} but annotated {quad}")
            artist = (rec.get("Artist") or song).strip()
            rows.append(
                _row(
                    os.path.abspath(present[0]),
                    quad,
                    quad,
                    artist,
                    "mer-4q",
                    title=(rec.get("Title") or "").strip(),
                )
            )
    return _finish(rows, ("title",), (), folder, "mer-4q", "audio/Q1..Q4/*.ogg with annotations.csv")


def emopia_song_splits(folder: str | Path) -> dict[str, str]:
    """Song id → ``train``/``val``/``test`` from EMOPIA's official song-level split files."""
    out: dict[str, str] = {}
    for part in ("train", "val", "test"):
        p = Path(folder) / "split" / f"{part}_SL.csv"
        if not p.is_file():
            continue
        with open(p, encoding="utf-8-sig", newline="") as fh:
            for rec in csv.DictReader(fh):
                out[rec["songID"].strip()] = part
    return out


def load_emopia(
    folder: str | Path,
    *,
    render_root: str | Path | None = None,
    program: int | None = None,
    n_jobs: int = 6,
    progress: bool = False,
) -> pd.DataFrame:
    """EMOPIA pop-piano clips ``midis/Q<k>_<songID>_<clip>.mid``, as FluidSynth renders.

    Groups are source songs; ``split`` is the official song-level split (``train``/``val``/
    ``test``, empty for the clips in no split file). Extras: ``midi``, ``split``.
    """
    folder = Path(folder)
    splits = emopia_song_splits(folder)
    midis = sorted((folder / "midis").glob("*.mid")) if (folder / "midis").is_dir() else []
    parsed = [(m, _EMOPIA_NAME.match(m.stem)) for m in midis]
    found = [(m, x) for m, x in parsed if x is not None]
    batch = render_midis(
        [m for m, _ in found], root=render_root, program=program, n_jobs=n_jobs, progress=progress
    )
    rows = []
    for (midi, match), path in zip(found, batch.paths, strict=True):
        if path is None:
            continue
        quad, song = match.group(1), match.group(2)
        rows.append(
            _row(path, quad, quad, song, "emopia", midi=str(midi.resolve()), split=splits.get(song, ""))
        )
    return _finish(rows, ("midi", "split"), batch.failed, folder, "emopia", "midis/Q<k>_<song>_<clip>.mid")


def load_vgmidi(
    folder: str | Path,
    *,
    render_root: str | Path | None = None,
    program: int | None = None,
    n_jobs: int = 6,
    progress: bool = False,
) -> pd.DataFrame:
    """VGMIDI labelled phrases (``vgmidi_labelled.csv`` + ``phrases/*.mid``), as renders.

    Valence and arousal are ±1 per phrase; groups are pieces. Extras: ``midi``, ``game``.
    """
    folder = Path(folder)
    table = folder / "vgmidi_labelled.csv"
    if not table.is_file():
        raise DataError(f"{table}: VGMIDI label table not found")
    items = []
    with open(table, encoding="utf-8-sig", newline="") as fh:
        for line, rec in enumerate(csv.DictReader(fh), start=2):
            try:
                v, a = float(rec["valence"]), float(rec["arousal"])
            except (KeyError, ValueError):
                raise DataError(f"{table}:{line}: valence/arousal must be numbers") from None
            midi = folder / "phrases" / Path(rec.get("midi", "")).name
            piece = f"{rec.get('game', '').strip()}/{rec.get('piece', '').strip()}"
            items.append((midi, quadrant_of(v, a), piece, rec.get("game", "").strip()))
    missing = [f"{m}: MIDI file not found" for m, *_ in items if not m.is_file()]
    present = [it for it in items if it[0].is_file()]
    batch = render_midis(
        [m for m, *_ in present], root=render_root, program=program, n_jobs=n_jobs, progress=progress
    )
    rows = [
        _row(path, quad, quad, piece, "vgmidi", midi=str(midi.resolve()), game=game)
        for (midi, quad, piece, game), path in zip(present, batch.paths, strict=True)
        if path is not None
    ]
    return _finish(
        rows,
        ("midi", "game"),
        (*missing, *batch.failed),
        folder,
        "vgmidi",
        "vgmidi_labelled.csv with phrases/*.mid",
    )


def _clean(text: str | None) -> str:
    return (text or "").strip().strip("\t").strip()


def load_emomusic(folder: str | Path) -> pd.DataFrame:
    """emoMusic ("1000 songs") clips with audio: ``mp345/<id>.mp3`` + ``annotations/``.

    ``valence``/``arousal`` are the static means rescaled from 1..9 to [-1, 1]; the label is
    their quadrant; groups are artists. Extras: ``song_id``. The 0.5-s curves come from
    :func:`load_emomusic_curves`.
    """
    folder = Path(folder)
    static = folder / "annotations" / "static_annotations.csv"
    info = folder / "annotations" / "songs_info.csv"
    for p in (static, info):
        if not p.is_file():
            raise DataError(f"{p}: emoMusic annotation file not found")
    artists = {}
    with open(info, encoding="utf-8-sig", newline="") as fh:
        for rec in csv.DictReader(fh):
            artists[_clean(rec.get("song_id"))] = _clean(rec.get("Artist"))
    rows = []
    with open(static, encoding="utf-8-sig", newline="") as fh:
        for rec in csv.DictReader(fh):
            sid = _clean(rec.get("song_id"))
            audio = [folder / d / f"{sid}{ext}" for d in ("mp345", "wav45") for ext in (".mp3", ".wav")]
            present = [p for p in audio if p.is_file()]
            if not present:
                continue
            v = (float(rec["mean_valence"]) - 5.0) / 4.0
            a = (float(rec["mean_arousal"]) - 5.0) / 4.0
            quad = quadrant_of(v, a)
            row = _row(
                os.path.abspath(present[0]), quad, quad, artists.get(sid) or sid, "emomusic", song_id=sid
            )
            row.update(valence=v, arousal=a)
            rows.append(row)
    return _finish(rows, ("song_id",), (), folder, "emomusic", "mp345/<id>.mp3 with annotations/")


def load_emomusic_curves(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Song id → the mean human curve: columns ``time`` (s, 15.0..45.0 every 0.5), ``valence``,
    ``arousal`` (−1..1), for every annotated song."""
    folder = Path(folder) / "annotations"
    curves: dict[str, dict[str, np.ndarray]] = {}
    times: np.ndarray | None = None
    for dim in ("valence", "arousal"):
        p = folder / f"{dim}_cont_average.csv"
        if not p.is_file():
            raise DataError(f"{p}: emoMusic {dim} curves not found")
        table = pd.read_csv(p)
        cols = [c for c in table.columns if c.startswith("sample_")]
        times = np.array([int(c.removeprefix("sample_").removesuffix("ms")) / 1000 for c in cols])
        for _, rec in table.iterrows():
            curves.setdefault(str(int(rec["song_id"])), {})[dim] = rec[cols].to_numpy(dtype=float)
    assert times is not None
    return {
        sid: pd.DataFrame({"time": times, "valence": d["valence"], "arousal": d["arousal"]})
        for sid, d in curves.items()
        if "valence" in d and "arousal" in d
    }


#: MIDI corpora and where their clips lie: counted without rendering by :func:`midi_clip_count`.
MIDI_CLIPS = {"emopia": "midis/*.mid", "vgmidi": "phrases/*.mid"}


def midi_clip_count(name: str, folder: str | Path) -> int | None:
    """How many MIDI clips a MIDI corpus holds, without rendering any (None: not a MIDI corpus)."""
    pattern = MIDI_CLIPS.get(name)
    return None if pattern is None else sum(1 for _ in Path(folder).glob(pattern))


MUSIC_LOADERS: dict[str, Callable[..., pd.DataFrame]] = {
    "mer-4q": load_mer4q,
    "emopia": load_emopia,
    "vgmidi": load_vgmidi,
    "emomusic": load_emomusic,
}
