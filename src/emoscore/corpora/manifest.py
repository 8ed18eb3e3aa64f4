"""Manifest corpora: a CSV of ``path,label[,speaker]`` rows, paths relative to the CSV's folder.

Bad rows (empty or missing file, empty or unknown label) are reported one line each and the rest
is kept, so one typo does not throw away an evaluation; a file without the required columns, or
with no usable row at all, is a :class:`DataError`. A clip listed twice counts once: repeats with
the same label are dropped with one warning for the manifest (a repeat would weigh the clip twice
and could put it on both sides of a split), a repeat with another label is a bad row.
"""

from __future__ import annotations

import csv
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from emoscore.corpora.table import COLUMNS, make_frame
from emoscore.errors import DataError
from emoscore.taxonomy import Taxonomy, load_taxonomy

REQUIRED = ("path", "label")


@dataclass(frozen=True)
class ManifestResult:
    """The usable rows as a corpus table, one ``file:LINE: problem`` message per bad row, and how
    many rows repeated a clip already listed (dropped)."""

    frame: pd.DataFrame
    bad_rows: tuple[str, ...]
    duplicates: int = 0


def load_manifest(
    csv_path: str | Path,
    *,
    corpus: str | None = None,
    taxonomy: Taxonomy | None = None,
    label_map: str = "generic",
) -> ManifestResult:
    """Read a manifest CSV into a corpus table (``corpus`` defaults to the file's stem).

    Labels go through the taxonomy's ``label_map`` (default ``generic``: ``anger`` → ``angry``);
    the label as written is kept in ``code``. Without a ``speaker`` column each clip is its own
    speaker. Extra columns are kept as text. Repeated clips are dropped with one warning.
    """
    src = str(csv_path)
    path = Path(csv_path)
    if not path.is_file():
        raise DataError(f"{src}: manifest not found")
    tax = taxonomy or load_taxonomy()
    if label_map not in tax.corpus_maps:
        raise DataError(f"{src}: no label map {label_map!r} in the taxonomy")
    known = tax.corpus_maps[label_map]
    name = corpus or path.stem
    base = path.parent
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise DataError(f"{src}: empty manifest (need a header path,label[,speaker])")
            columns = [h.strip().lower() for h in header]
            for col in REQUIRED:
                if col not in columns:
                    raise DataError(f"{src}: missing column {col!r} (need path,label[,speaker])")
            extras = [c for c in columns if c and c not in COLUMNS]
            rows, bad = [], []
            seen: dict[str, tuple[int, str, str]] = {}  # clip (real path) -> line, label, class
            duplicates = 0
            for fields in reader:
                if not any(f.strip() for f in fields):
                    continue
                line = reader.line_num
                rec = dict(zip(columns, (f.strip() for f in fields), strict=False))
                rel, label = rec.get("path", ""), rec.get("label", "")
                key = label if label in known else label.lower()
                if not rel:
                    bad.append(f"{src}:{line}: empty path")
                elif not label:
                    bad.append(f"{src}:{line}: {rel}: empty label")
                elif key not in known:
                    bad.append(f"{src}:{line}: {rel}: unknown label {label!r}")
                elif not (base / rel).is_file():
                    bad.append(f"{src}:{line}: {rel} not found")
                elif (clip := os.path.realpath(base / rel)) in seen:
                    first_line, first_label, first_class = seen[clip]
                    if first_class == known[key]:
                        duplicates += 1
                    else:
                        bad.append(
                            f"{src}:{line}: {rel}: listed again with label {label!r} "
                            f"(line {first_line} has {first_label!r})"
                        )
                elif known[key]:
                    seen[clip] = (line, label, known[key])
                    speaker = rec.get("speaker") or f"{Path(rel).with_suffix('').as_posix()}"
                    rows.append(
                        {
                            "path": os.path.abspath(base / rel),
                            "label": known[key],
                            "code": label,
                            "speaker": f"{name}:{speaker}",
                            "corpus": name,
                            **{c: rec.get(c, "") for c in extras},
                        }
                    )
    except UnicodeDecodeError:
        raise DataError(f"{src}: not UTF-8 text") from None
    except csv.Error as exc:
        raise DataError(f"{src}: malformed CSV ({exc})") from None
    if duplicates:
        warnings.warn(
            f"{src}: {duplicates} duplicate row(s) dropped (a clip listed again counts once)",
            stacklevel=2,
        )
    if not rows:
        detail = f"{len(bad)} bad; first: {bad[0].split(': ', 1)[1]}" if bad else "no rows"
        raise DataError(f"{src}: no usable rows ({detail})")
    return ManifestResult(make_frame(rows, extras), tuple(bad), duplicates)


def load_manifest_corpus(
    folder: str | Path, corpus: str, *, manifest: str = "manifest.csv", taxonomy: Taxonomy | None = None
) -> pd.DataFrame:
    """A named corpus laid out as ``folder/manifest.csv`` (``path,label,speaker``) beside its audio.

    Labels go through the taxonomy's ``[corpora.<corpus>]`` map, speakers become
    ``"<corpus>:<speaker>"``; the bad-row messages are in ``frame.attrs["bad_rows"]``.
    """
    csv_path = Path(folder) / manifest
    if not csv_path.is_file():
        raise DataError(f"{csv_path}: {corpus} manifest not found (expected a CSV path,label,speaker)")
    result = load_manifest(csv_path, corpus=corpus, taxonomy=taxonomy, label_map=corpus)
    frame = result.frame
    frame.attrs["bad_rows"] = result.bad_rows
    return frame
