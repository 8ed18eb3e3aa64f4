"""What a batch works on: audio/video files found under a folder, or listed in a manifest CSV.

Inputs that cannot even be queued (a manifest row naming a missing file, an empty path) are
returned as :class:`InputProblem` rows so the batch records them as failures instead of stopping.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from emoscore.errors import DataError

AUDIO_SUFFIXES = frozenset(
    ".wav .wave .flac .mp3 .ogg .oga .opus .m4a .aac .wma .aif .aiff .aifc .au .snd .caf .w64 .amr".split()
)
VIDEO_SUFFIXES = frozenset(".mp4 .m4v .mov .mkv .webm .avi .mpg .mpeg .flv .wmv .3gp .ts .mts".split())
MEDIA_SUFFIXES = AUDIO_SUFFIXES | VIDEO_SUFFIXES


@dataclass(frozen=True)
class InputProblem:
    """An input that cannot be analysed at all, with a one-line reason."""

    file: str
    message: str


@dataclass(frozen=True)
class Inputs:
    """Absolute paths to analyse, inputs already known to be bad, and the folder names are relative to."""

    files: tuple[str, ...]
    problems: tuple[InputProblem, ...]
    root: str


def is_media(path: str | Path) -> bool:
    """Whether a file name looks like audio or video we can decode.

    >>> is_media("a/b.FLAC"), is_media("notes.txt")
    (True, False)
    """
    return Path(path).suffix.lower() in MEDIA_SUFFIXES


def discover_folder(folder: str | Path) -> Inputs:
    """Every audio/video file under ``folder`` (recursive, sorted; hidden files and folders skipped)."""
    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"{root}: not a folder")
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(
            os.path.abspath(os.path.join(dirpath, f))
            for f in filenames
            if not f.startswith(".") and is_media(f)
        )
    return Inputs(tuple(sorted(found)), (), os.path.abspath(root))


def read_batch_manifest(csv_path: str | Path) -> Inputs:
    """Files listed in the ``path`` column of a CSV (other columns such as ``label`` are ignored).

    Relative paths are relative to the CSV's folder. Missing files and empty paths become
    problems (named ``MANIFEST:LINE`` when there is no path), duplicates are listed once.
    """
    src = Path(csv_path)
    if not src.is_file():
        raise DataError(f"{src}: manifest not found")
    base = src.parent
    files: list[str] = []
    problems: list[InputProblem] = []
    seen: set[str] = set()
    try:
        with open(src, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip().lower() for h in next(reader, [])]
            if "path" not in header:
                raise DataError(
                    f"{src}: manifest needs a 'path' column (found {', '.join(header) or 'no header'})"
                )
            col = header.index("path")
            for fields in reader:
                if not any(f.strip() for f in fields):
                    continue
                rel = fields[col].strip() if col < len(fields) else ""
                if not rel:
                    problems.append(InputProblem(f"{src}:{reader.line_num}", "empty path in manifest"))
                    continue
                path = os.path.abspath(base / rel)
                if path in seen:
                    continue
                seen.add(path)
                if not os.path.isfile(path):
                    problems.append(
                        InputProblem(
                            path, f"{path}: file not found (manifest {src.name} line {reader.line_num})"
                        )
                    )
                else:
                    files.append(path)
    except UnicodeDecodeError:
        raise DataError(f"{src}: not UTF-8 text") from None
    except csv.Error as exc:
        raise DataError(f"{src}: malformed CSV ({exc})") from None
    if not files and not problems:
        raise DataError(f"{src}: manifest lists no files")
    return Inputs(tuple(files), tuple(problems), os.path.abspath(base))


def discover(source: str | Path) -> Inputs:
    """A folder is searched recursively; a ``.csv`` file is read as a manifest."""
    p = Path(source)
    if p.is_dir():
        inputs = discover_folder(p)
        if not inputs.files:
            raise DataError(
                f"{p}: no audio or video files found ({', '.join(sorted(AUDIO_SUFFIXES)[:6])}, …)"
            )
        return inputs
    if p.suffix.lower() == ".csv":
        return read_batch_manifest(p)
    if not p.exists():
        raise DataError(f"{p}: not found (give a folder or a manifest .csv)")
    raise DataError(f"{p}: give a folder of audio/video files or a manifest .csv with a 'path' column")
