"""Music from a finished analysis (methods A and B, the score sketch), the maps behind it, and the
files to download."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from emoscore.web.compose import artifact_filename, compose_analysis
from emoscore.web.routes.deps import ConfigDep, StoreDep, analysis_or_404, done_or_409
from emoscore.web.routes.views import composition_view

router = APIRouter(tags=["music"])


class ComposeRequest(BaseModel):
    """Options of ``POST /api/analyses/{id}/compose``."""

    method: str = Field(default="both", description="A, B or both")
    root: str = Field(
        default="C3", description="Root note: a name with octave (C3 = MIDI 48) or a MIDI number"
    )
    program: int = Field(
        default=48, ge=0, le=127, description="General MIDI program, 0-based (48 = String Ensemble 1)"
    )
    mix: bool = Field(
        default=True,
        description="Also mix the music under the uploaded sound (and, for a video, under its picture)",
    )
    style: str = Field(
        default="intervals",
        description="intervals (the paper's note pairs of each method), sketch (a score sketch: cues, "
        "harmony, tempo map, pad/bass/motif tracks, cue sheet; intervals from the one method, or A), "
        "or both: intervals,sketch",
    )
    seed: int = Field(default=0, ge=0, description="Variation seed of the score sketch")


@router.get("/api/maps")
def maps() -> dict[str, Any]:
    """The interval table, the emotion → CC numbers and the maps of methods A and B."""
    from emoscore.music.maps import load_method_a, load_method_b, maps_document

    return maps_document({"A": load_method_a(), "B": load_method_b()})


@router.post("/api/analyses/{analysis_id}/compose", status_code=201)
def compose(
    analysis_id: str, store: StoreDep, config: ConfigDep, options: ComposeRequest | None = None
) -> dict[str, Any]:
    """Method A/B interval sequences and/or the score sketch → MIDI, WAV (44.1 kHz, 24-bit), the
    mix under the upload, and for the sketch its cue sheet (CSV; the cues are in the intervals JSON)."""
    options = options or ComposeRequest()
    rec = done_or_409(analysis_or_404(store, analysis_id))
    comp = compose_analysis(
        store,
        config,
        rec,
        method=options.method,
        root=options.root,
        program=options.program,
        mix=options.mix,
        style=options.style,
        seed=options.seed,
    )
    return composition_view(comp)


@router.get("/api/artifacts/{artifact_id}")
def artifact(artifact_id: str, store: StoreDep, config: ConfigDep) -> FileResponse:
    """Download a MIDI, WAV, mixed WAV, scored video, intervals JSON or cue sheet file."""
    art = store.get_artifact(artifact_id)
    if art is None:
        raise HTTPException(404, f"artifact {artifact_id!r} not found")
    root = config.data_dir.resolve()
    path = (root / art.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(404, f"artifact {artifact_id!r}: its file is gone")
    owner = store.get_analysis(store.analysis_of(art.composition_id) or "", with_result=False)
    name = artifact_filename(owner.filename if owner else "emoscore", art.kind, art.method, art.path)
    return FileResponse(path, media_type=art.media_type, filename=name)
