"""Loaders that read each corpus's documented file-name layout into a corpus table.

Loading is a walk over file names: no audio is decoded. Every loader takes the corpus's
folder and returns the table described in :mod:`emoscore.corpora.table`. Files whose names do
not follow the layout (other RAVDESS modalities, stray files) are skipped; a name that follows
the layout but carries an unknown label code is a :class:`DataError` naming the file.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from emoscore.corpora.catalog import corpus_catalog
from emoscore.corpora.table import audio_files, make_frame
from emoscore.errors import DataError
from emoscore.taxonomy import Taxonomy, load_taxonomy

# (label code, speaker id, extra columns) for a file of the layout, or None to skip it
Parsed = tuple[str, str, Mapping[str, object]] | None

_RAVDESS = re.compile(r"^03-01-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$")
_EMODB = re.compile(r"^(\d{2})([a-z]\d{2})([A-Z])([a-z])$")
_CREMAD = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})$", re.IGNORECASE)
_TESS_FILE = re.compile(r"^([OY]AF)_(.+)_([^_]+)$", re.IGNORECASE)
_TESS_FOLDER = re.compile(r"^([OY]AF)_(.+)$", re.IGNORECASE)
_SAVEE_FILE = re.compile(r"^([A-Z]{2})_([a-z]{1,2})(\d{2})$")
_SAVEE_SPEAKER = re.compile(r"^[A-Z]{2}$")
_SAVEE_CLIP = re.compile(r"^([a-z]{1,2})(\d{2})$")


def _collect(
    folder: Path,
    corpus: str,
    parse: Callable[[Path], Parsed],
    extras: tuple[str, ...],
    expected: str,
    taxonomy: Taxonomy | None,
) -> pd.DataFrame:
    tax = taxonomy or load_taxonomy()
    rows = []
    for path in audio_files(folder):
        parsed = parse(path)
        if parsed is None:
            continue
        code, speaker, extra = parsed
        label = tax.map_label(corpus, code, source=str(path))
        if not label:  # the taxonomy maps this code to "": left out on purpose
            continue
        rows.append(
            {
                "path": os.path.abspath(path),
                "label": label,
                "code": code,
                "speaker": f"{corpus}:{speaker}",
                "corpus": corpus,
                **extra,
            }
        )
    if not rows:
        raise DataError(f"{folder}: no {corpus} clips found (expected {expected})")
    return make_frame(rows, extras)


def load_ravdess(folder: str | Path, *, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """RAVDESS audio-only speech: ``Actor_XX/03-01-EE-II-SS-RR-AA.wav``.

    Extras: ``intensity`` (normal/strong), ``statement`` and ``repetition`` (01/02 codes),
    ``gender`` (odd actor = ``m``). Song (vocal channel 02) and video files are skipped.
    """

    def parse(path: Path) -> Parsed:
        m = _RAVDESS.match(path.stem)
        if m is None:
            return None
        emotion, intensity, statement, repetition, actor = m.groups()
        extra = {
            "intensity": {"01": "normal", "02": "strong"}.get(intensity, intensity),
            "statement": statement,
            "repetition": repetition,
            "gender": "m" if int(actor) % 2 else "f",
        }
        return emotion, actor, extra

    extras = ("intensity", "statement", "repetition", "gender")
    return _collect(Path(folder), "ravdess", parse, extras, "Actor_XX/03-01-EE-II-SS-RR-AA.wav", taxonomy)


def read_emodb_ratings(path: str | Path) -> dict[str, tuple[float, float]]:
    """EmoDB's ``erkennung.txt``: file stem → (recognition %, naturalness %) from its listening test.

    The file is latin-1 with German decimal commas and non-breaking-space padding.
    """
    ratings = {}
    with open(path, encoding="latin-1") as fh:
        for line in fh:
            fields = [f.strip() for f in line.split("\t")]
            if len(fields) < 4 or not fields[1].lower().endswith(".wav"):
                continue
            try:
                recognised, natural = (float(f.replace(",", ".")) for f in fields[2:4])
            except ValueError:
                continue
            ratings[Path(fields[1]).stem] = (recognised, natural)
    return ratings


def load_emodb(folder: str | Path, *, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """EmoDB: ``wav/SSTTTEv.wav`` (speaker, text id, emotion letter, version).

    Extras: ``text``, ``version``, ``gender`` and, when ``erkennung.txt`` sits in the folder,
    ``recognition`` and ``naturalness`` (% of 20 listeners; NaN for files it does not list).
    """
    folder = Path(folder)
    genders = corpus_catalog()["emodb"].genders
    ratings_file = folder / "erkennung.txt"
    ratings = read_emodb_ratings(ratings_file) if ratings_file.is_file() else {}

    def parse(path: Path) -> Parsed:
        m = _EMODB.match(path.stem)
        if m is None:
            return None
        speaker, text, emotion, version = m.groups()
        recognition, naturalness = ratings.get(path.stem, (math.nan, math.nan))
        extra = {
            "text": text,
            "version": version,
            "gender": genders.get(speaker, ""),
            "recognition": recognition,
            "naturalness": naturalness,
        }
        return emotion, speaker, extra

    extras = ("text", "version", "gender", "recognition", "naturalness")
    return _collect(folder, "emodb", parse, extras, "wav/SSTTTEv.wav", taxonomy)


def load_cremad(folder: str | Path, *, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """CREMA-D: ``1001_DFA_ANG_XX.wav`` anywhere under the folder (usually ``AudioWAV/``).

    Extras: ``sentence`` (three-letter code) and ``level`` (LO, MD, HI or XX unspecified).
    """

    def parse(path: Path) -> Parsed:
        m = _CREMAD.match(path.stem)
        if m is None:
            return None
        actor, sentence, emotion, level = m.groups()
        return emotion.upper(), actor, {"sentence": sentence.upper(), "level": level.upper()}

    return _collect(Path(folder), "cremad", parse, ("sentence", "level"), "1001_DFA_ANG_XX.wav", taxonomy)


def load_tess(folder: str | Path, *, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """TESS: ``OAF_back_angry.wav`` (speaker OAF/YAF, word, emotion), possibly in ``OAF_angry/``.

    The label comes from the file name's last field; when that is not a TESS label the
    enclosing folder's name decides (some copies name folders ``OAF_Pleasant_surprise``).
    Extra: ``word``.
    """
    tess_codes = (taxonomy or load_taxonomy()).corpus_maps["tess"]

    def parse(path: Path) -> Parsed:
        m = _TESS_FILE.match(path.stem)
        if m is not None and m.group(3).lower() in tess_codes:
            return m.group(3).lower(), m.group(1).upper(), {"word": m.group(2).lower()}
        f = _TESS_FOLDER.match(path.parent.name)
        if f is None:
            return None
        word = m.group(2).lower() if m is not None else path.stem.lower()
        return f.group(2).lower(), f.group(1).upper(), {"word": word}

    return _collect(Path(folder), "tess", parse, ("word",), "OAF_back_angry.wav", taxonomy)


def load_savee(folder: str | Path, *, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """SAVEE: ``DC_a01.wav`` or ``DC/a01.wav`` (speaker DC JE JK KL; emotion a d f h n sa su).

    Extra: ``sentence`` (the two-digit number after the emotion letters).
    """

    def parse(path: Path) -> Parsed:
        m = _SAVEE_FILE.match(path.stem)
        if m is not None:
            speaker, code, sentence = m.groups()
            return code, speaker, {"sentence": sentence}
        c = _SAVEE_CLIP.match(path.stem)
        if c is not None and _SAVEE_SPEAKER.match(path.parent.name):
            return c.group(1), path.parent.name, {"sentence": c.group(2)}
        return None

    return _collect(Path(folder), "savee", parse, ("sentence",), "DC_a01.wav or DC/a01.wav", taxonomy)


def load_label_folders(
    root: str | Path, *, corpus: str | None = None, taxonomy: Taxonomy | None = None
) -> pd.DataFrame:
    """Folder-per-label corpus: ``ROOT/<label>/*.wav``, or ``ROOT/<label>/<speaker>/*.wav``.

    Folder names are labels, normalised through the taxonomy's ``generic`` map (``anger`` →
    ``angry``); folders it does not know are one :class:`DataError` naming them all. Without a
    speaker level each clip is its own speaker (``"<corpus>:<label>/<stem>"``), so speaker-grouped
    splits degrade to clip-level ones. Files directly in ROOT are ignored.
    """
    root = Path(root)
    tax = taxonomy or load_taxonomy()
    name = corpus or root.resolve().name
    known = tax.corpus_maps["generic"]
    rows, unknown = [], set()
    for path in audio_files(root):
        parts = path.relative_to(root).parts
        if len(parts) < 2:
            continue
        folder = parts[0]
        key = folder if folder in known else folder.strip().lower()
        if key not in known:
            unknown.add(folder)
            continue
        if not known[key]:
            continue
        speaker = parts[1] if len(parts) > 2 else f"{folder}/{path.stem}"
        rows.append(
            {
                "path": os.path.abspath(path),
                "label": known[key],
                "code": folder,
                "speaker": f"{name}:{speaker}",
                "corpus": name,
            }
        )
    if unknown:
        listed = ", ".join(repr(u) for u in sorted(unknown))
        raise DataError(f"{root}: unknown label folder(s) {listed}; known: {', '.join(sorted(known))}")
    if not rows:
        raise DataError(f"{root}: no audio found in label folders (expected ROOT/<label>/*.wav)")
    return make_frame(rows)


LOADERS: dict[str, Callable[..., pd.DataFrame]] = {
    "ravdess": load_ravdess,
    "emodb": load_emodb,
    "cremad": load_cremad,
    "tess": load_tess,
    "savee": load_savee,
}
