"""Music for a finished analysis: the same library calls as ``emoscore compose --mix``, with the
files written under the server's data folder and recorded in the store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from emoscore.errors import ConfigError, DataError
from emoscore.store import AnalysisRecord, CompositionRecord, Store
from emoscore.store.store import new_id
from emoscore.timeline import Timeline
from emoscore.web.config import ServerConfig
from emoscore.web.uploads import upload_path

METHODS = ("A", "B", "both")
MEDIA_TYPES = {"midi": "audio/midi", "wav": "audio/wav", "mix": "audio/wav", "intervals": "application/json"}
SUFFIXES = {"midi": ".mid", "wav": ".wav", "mix": ".mix.wav", "intervals": ".intervals.json"}


def check_method(method: str) -> list[str]:
    """The methods to compose for ``A``, ``B`` or ``both`` (any case)."""
    m = str(method).strip().upper()
    if m == "BOTH":
        return ["A", "B"]
    if m in ("A", "B"):
        return [m]
    raise ConfigError(f"method {method!r}: use A, B or both")


def artifact_filename(analysis_filename: str, kind: str, method: str | None) -> str:
    """Download name: the upload's stem, the method and the kind's suffix (``scene.A.mid``).

    >>> artifact_filename("scene.wav", "mix", "B"), artifact_filename("x.mp4", "intervals", None)
    ('scene.B.mix.wav', 'x.intervals.json')
    """
    stem = Path(analysis_filename).stem or "emoscore"
    return f"{stem}{'.' + method if method else ''}{SUFFIXES[kind]}"


def compose_analysis(
    store: Store,
    config: ServerConfig,
    record: AnalysisRecord,
    *,
    method: str = "both",
    root: str | int = "C3",
    program: int = 48,
    mix: bool = True,
) -> CompositionRecord:
    """Compose, write MIDI, render WAV and (with ``mix``) mix it under the upload's sound."""
    from emoscore.music import (
        compare_sequences,
        compose,
        mix_under_speech,
        parse_root,
        render_midi,
        write_midi,
    )
    from emoscore.music.midi import NotePair

    methods = check_method(method)
    root_note = parse_root(root)
    if not 0 <= int(program) <= 127:
        raise ConfigError(f"program {program}: General MIDI programs are 0..127")
    if record.result is None:
        raise DataError(f"{record.filename}: the analysis has no result yet (status {record.status})")
    timeline = Timeline.from_dict(record.result)
    scores = {m: compose(timeline, m, root=root_note, program=int(program)) for m in methods}
    comp_id = new_id()
    rel = Path("artifacts") / record.id / comp_id
    folder = config.data_dir / rel
    folder.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, Any]] = []

    def add(kind: str, m: str | None, path: str | Path) -> None:
        p = Path(path)
        files.append(
            {
                "kind": kind,
                "method": m,
                "path": str(rel / p.name),
                "media_type": MEDIA_TYPES[kind],
                "size": p.stat().st_size,
            }
        )

    doc: dict[str, Any] = {
        "input": record.filename,
        "model": record.result.get("model"),
        "window": timeline.window,
        "hop": timeline.hop,
        "root": root_note,
        "program": int(program),
        "cc": next(iter(scores.values())).cc_numbers,
        "methods": {},
    }
    try:
        for m, score in scores.items():
            mid = write_midi(score, folder / f"{m}.mid")
            add("midi", m, mid)
            wav = render_midi(mid, folder / f"{m}.wav")
            add("wav", m, wav.path)
            doc["methods"][m] = {
                "track": score.title,
                "engine": wav.engine,
                "steps": [s.to_dict() for s in score.steps],
            }
            if mix:
                mixed = mix_under_speech(
                    wav.path, upload_path(config.uploads_dir, record.sha256), folder / f"{m}.mix.wav"
                )
                add("mix", m, mixed.path)
        if len(scores) == 2:
            pairs = {m: [NotePair(s.start, s.end, *s.notes) for s in sc.steps] for m, sc in scores.items()}
            doc["comparison"] = compare_sequences(pairs["A"], pairs["B"]).to_dict()
        intervals = folder / "intervals.json"
        intervals.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        add("intervals", None, intervals)
        return store.add_composition(
            record.id,
            method="both" if len(methods) == 2 else methods[0],
            root=root_note,
            program=int(program),
            document=doc,
            files=files,
            composition_id=comp_id,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
