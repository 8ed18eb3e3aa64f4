"""Music from a finished analysis (methods A and B, the score sketch), the maps behind it, and the
files to download."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from emoscore.web.compose import artifact_filename
from emoscore.web.jobs import ComposeTask, ServerBusy
from emoscore.web.routes.deps import ConfigDep, RunnerDep, StoreDep, analysis_or_404, done_or_409
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
async def compose(
    analysis_id: str,
    store: StoreDep,
    config: ConfigDep,
    runner: RunnerDep,
    options: ComposeRequest | None = None,
) -> dict[str, Any]:
    """Method A/B interval sequences and/or the score sketch → MIDI, WAV (44.1 kHz, 24-bit), the
    mix under the upload, and for the sketch its cue sheet (CSV; the cues are in the intervals JSON).

    Composing runs in a worker process, never in the server: at most ``--max-compose`` requests
    wait (429 above) and identical requests in flight share one composition."""
    options = options or ComposeRequest()
    done_or_409(analysis_or_404(store, analysis_id, with_result=False))
    try:
        fut = runner.compose(ComposeTask(config, analysis_id, options.model_dump()))
    except ServerBusy as exc:
        raise HTTPException(429, str(exc)) from None
    # shielded: a client that hangs up must not cancel the job other identical requests share
    return composition_view(await asyncio.shield(asyncio.wrap_future(fut)))


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
