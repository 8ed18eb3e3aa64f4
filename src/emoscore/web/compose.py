"""Music for a finished analysis: the library's one scoring call (as ``emoscore compose --mix``,
and ``--video`` for a video upload), written under the server's data folder and recorded in the
store."""

from __future__ import annotations

import shutil
from pathlib import Path

from emoscore.errors import DataError
from emoscore.store import AnalysisRecord, CompositionRecord, Store
from emoscore.store.store import new_id
from emoscore.timeline import Timeline
from emoscore.web.config import ServerConfig
from emoscore.web.uploads import upload_path


def artifact_filename(analysis_filename: str, kind: str, method: str | None, path: str | Path = "") -> str:
    """Download name: the upload's stem, the method and the kind's suffix (``scene.A.mid``); a
    scored video keeps its container's suffix.

    >>> artifact_filename("scene.wav", "mix", "B"), artifact_filename("x.mp4", "intervals", None)
    ('scene.B.mix.wav', 'x.intervals.json')
    >>> artifact_filename("x.mp4", "video", "A", "artifacts/1/2/x.A.mp4")
    'x.A.mp4'
    """
    from emoscore.music.scoring import ARTEFACT_KINDS

    stem = Path(analysis_filename).stem or "emoscore"
    suffix = Path(path).suffix if kind == "video" else ARTEFACT_KINDS[kind][0]
    return f"{stem}{'.' + method if method else ''}{suffix}"


def compose_analysis(
    store: Store,
    config: ServerConfig,
    record: AnalysisRecord,
    *,
    method: str = "both",
    root: str | int = "C3",
    program: int = 48,
    mix: bool = True,
    style: str = "intervals",
    seed: int = 0,
) -> CompositionRecord:
    """Compose, write MIDI, render WAV, (with ``mix``) mix it under the upload's sound and, for a
    video upload, put the mix under its picture. ``style`` ``sketch`` (or ``intervals,sketch``)
    adds the score sketch (``method sketch`` files and the cue sheet)."""
    from emoscore.music.mixing import has_video
    from emoscore.music.scoring import VIDEO_SUFFIXES, ScoreSettings, score_timeline

    if record.result is None:
        raise DataError(f"{record.filename}: the analysis has no result yet (status {record.status})")
    audio = upload_path(config.uploads_dir, record.sha256)
    container = Path(record.filename).suffix.lower()
    video = mix and container in VIDEO_SUFFIXES and has_video(audio)
    settings = ScoreSettings(
        methods=method, root=root, program=program, render=True, mix=mix, video=video, style=style, seed=seed
    )
    timeline = Timeline.from_dict(record.result)
    comp_id = new_id()
    rel = Path("artifacts") / record.id / comp_id
    folder = config.data_dir / rel
    folder.mkdir(parents=True, exist_ok=True)
    try:
        result = score_timeline(
            timeline,
            settings,
            folder,
            name=Path(record.filename).stem or "emoscore",
            audio=audio,
            container=container if video else None,
        )
        files = [
            {
                "kind": a.kind,
                "method": a.method,
                "path": str(rel / a.path.name),
                "media_type": a.media_type,
                "size": a.size,
            }
            for a in result.artefacts
        ]
        document = {**result.document, "input": record.filename}
        return store.add_composition(
            record.id,
            method=settings.label,
            root=int(settings.root),
            program=settings.program,
            document=document,
            files=files,
            composition_id=comp_id,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
