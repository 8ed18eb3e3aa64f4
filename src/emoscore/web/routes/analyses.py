"""Uploads become analysis jobs; their status, results, waveform, history and deletion."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, cast
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Query, Response, UploadFile

from emoscore.errors import AudioError, ConfigError
from emoscore.recognize.settings import AnalysisSettings
from emoscore.store import AnalysisRecord, Store
from emoscore.vocabulary import (
    DEFAULT_WINDOW,
    MAX_WINDOW,
    MIN_WINDOW,
    DomainMode,
    Smoothing,
    methods_label,
    parse_methods,
)
from emoscore.web.config import ServerConfig
from emoscore.web.jobs import AnalysisTask, JobRunner
from emoscore.web.routes.catalogue import resolve_model
from emoscore.web.routes.deps import ConfigDep, RunnerDep, StoreDep, analysis_or_404, done_or_409
from emoscore.web.routes.views import composition_view, summary_view
from emoscore.web.uploads import StoredUpload, UploadTooLarge, display_name, store_upload, upload_path

UPLOAD_PATH = "/api/analyses"

router = APIRouter(prefix=UPLOAD_PATH, tags=["analyses"])


def too_large(size: int, limit: int, *, declared: bool = True) -> str:
    """The 413 message: ``declared`` when the size is the client's ``Content-Length``, else the
    bytes received before reading stopped."""
    what = f"{size / 1e6:.1f} MB" if declared else f"more than {size / 1e6:.1f} MB received"
    return f"upload is too large ({what}); the limit is {limit / 1e6:.1f} MB"


def submit_analysis(runner: JobRunner, config: ServerConfig, rec: AnalysisRecord) -> None:
    """Queue ``rec`` for a worker (its model is looked up again: it may have gone since)."""
    opts = rec.options
    _, path = resolve_model(config, opts.get("model"))
    settings = AnalysisSettings(
        model=path,
        window=float(opts["window"]),
        hop=opts.get("hop"),
        domain=opts.get("domain") or DomainMode.SPEECH,  # stored before 0.2: no domain = speech only
        smooth=opts.get("smooth") or Smoothing.OFF,
        transcript=bool(opts.get("transcript", False)),
    )
    runner.submit(
        AnalysisTask(
            db_url=config.database_url,
            analysis_id=rec.id,
            audio_path=str(upload_path(config.uploads_dir, rec.sha256)),
            filename=rec.filename,
            settings=settings,
            duration=rec.duration,
            max_duration=config.max_duration,
        )
    )


def analysis_options(
    config: ServerConfig,
    *,
    model: str | None,
    window: float,
    hop: str | None,
    method: str,
    domain: str | None = None,
    smooth: str | None = None,
    transcript: bool = False,
) -> dict[str, Any]:
    """The options an upload is analysed with, checked (by the library's settings) before its
    body is stored."""
    try:
        hop_s = float(hop) if hop not in (None, "") else None
    except ValueError:
        raise ConfigError(f"hop {hop!r}: not a number of seconds") from None
    model_name, path = resolve_model(config, model)
    settings = AnalysisSettings(
        model=path,
        window=window,
        hop=hop_s,
        domain=domain or config.default_domain,
        smooth=smooth or Smoothing.OFF,
        transcript=transcript,
    )
    return {
        "model": model_name,
        "window": settings.window,
        "hop": hop_s,
        "domain": str(settings.domain),
        "smooth": str(settings.smooth),
        "transcript": settings.transcript,
        "method": methods_label(parse_methods(method)),
    }


def accept_upload(
    file: UploadFile, store: Store, config: ServerConfig
) -> tuple[str, StoredUpload, float | None]:
    """``(display name, stored file, duration)`` of a decodable upload within the limits.

    A refused upload's file is removed unless another analysis uses the same content.
    """
    from emoscore.audio import probe_audio

    name = display_name(file.filename)
    try:
        up = store_upload(file.file, config.uploads_dir, max_bytes=config.max_upload_bytes)
    except UploadTooLarge as exc:
        raise HTTPException(413, too_large(exc.args[0], config.max_upload_bytes)) from None

    def refuse(status: int, message: str) -> HTTPException:
        if store.count_uses(up.sha256) == 0:
            up.path.unlink(missing_ok=True)
        return HTTPException(status, message)

    if up.size == 0:
        raise refuse(422, f"{name}: the file is empty")
    try:
        info = probe_audio(up.path)
    except AudioError as exc:
        raise refuse(415, str(exc).replace(str(up.path), name)) from None
    if info.duration is not None and info.duration > config.max_duration:
        raise refuse(
            422,
            f"{name}: {info.duration:.1f} s is longer than this server's limit of {config.max_duration:g} s",
        )
    return name, up, info.duration


@router.post("", status_code=202)
def create_analysis(
    response: Response,
    store: StoreDep,
    config: ConfigDep,
    runner: RunnerDep,
    file: Annotated[UploadFile, File(description="An audio or video file")],
    model: Annotated[
        str | None, Form(description="Model name (GET /api/models); default: the server's")
    ] = None,
    window: Annotated[
        float, Form(description=f"Analysis window, seconds ({MIN_WINDOW:g}-{MAX_WINDOW:g})")
    ] = DEFAULT_WINDOW,
    hop: Annotated[str | None, Form(description="Hop between windows, seconds (default: the window)")] = None,
    method: Annotated[str, Form(description="Interval map the page composes with: A, B or both")] = "both",
    domain: Annotated[
        str | None,
        Form(
            description="auto (default): detect speech / music / other per window; speech or music: "
            "treat every window as that. Silence is always detected."
        ),
    ] = None,
    smooth: Annotated[
        str | None, Form(description="off (default), median or hmm: smooth neighbouring windows")
    ] = None,
    transcript: Annotated[
        bool,
        Form(
            description="true: transcribe the speech windows (top-level transcript of utterances and "
            "each window's words in text)"
        ),
    ] = False,
) -> dict[str, Any]:
    """Upload a file; it is analysed by a worker. Poll the returned ``url``."""
    opts = analysis_options(
        config,
        model=model,
        window=window,
        hop=hop,
        method=method,
        domain=domain,
        smooth=smooth,
        transcript=transcript,
    )
    if runner.active >= config.max_active_jobs:
        raise HTTPException(429, f"the server is busy ({runner.active} jobs waiting); try again later")
    name, up, duration = accept_upload(file, store, config)
    rec = store.create_analysis(
        filename=name, sha256=up.sha256, size=up.size, duration=duration, options=opts
    )
    submit_analysis(runner, config, rec)
    response.headers["Location"] = f"/api/analyses/{rec.id}"
    return {"id": rec.id, "status": rec.status, "url": f"/api/analyses/{rec.id}"}


@router.get("")
def list_analyses(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """History, newest first (without results)."""
    rows, total = store.list_analyses(limit=limit, offset=offset)
    return {"items": [summary_view(r) for r in rows], "total": total, "limit": limit, "offset": offset}


@router.get("/{analysis_id}")
def get_analysis(analysis_id: str, store: StoreDep) -> dict[str, Any]:
    """Status, progress, error and (when done) the timeline, plus compositions made from it."""
    rec = analysis_or_404(store, analysis_id)
    comps = store.compositions_for(rec.id) if rec.status == "done" else []
    return {**summary_view(rec), "result": rec.result, "compositions": [composition_view(c) for c in comps]}


@router.delete("/{analysis_id}")
def delete_analysis(
    analysis_id: str, store: StoreDep, config: ConfigDep, runner: RunnerDep
) -> dict[str, Any]:
    """Forget an analysis, its compositions and files (the upload too, unless shared); a queued or
    running analysis is stopped."""
    rec = analysis_or_404(store, analysis_id, with_result=False)
    if store.delete_analysis(rec.id) is None:
        raise HTTPException(404, f"analysis {analysis_id!r} not found")
    runner.cancel(rec.id)
    shutil.rmtree(config.artifacts_dir / rec.id, ignore_errors=True)
    if store.count_uses(rec.sha256) == 0:
        upload_path(config.uploads_dir, rec.sha256).unlink(missing_ok=True)
    return {"id": rec.id, "deleted": True}


@router.get("/{analysis_id}/timeline")
def timeline(
    analysis_id: str,
    store: StoreDep,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",  # noqa: A002
) -> Response:
    """The result as a JSON or CSV download."""
    from emoscore.timeline import Timeline

    rec = done_or_409(analysis_or_404(store, analysis_id))
    stem = Path(rec.filename).stem or "emoscore"
    if format == "csv":
        body, media = Timeline.from_dict(cast(Mapping[str, Any], rec.result)).to_csv(), "text/csv"
    else:
        body, media = json.dumps(rec.result, indent=2, ensure_ascii=False) + "\n", "application/json"
    disposition = f"attachment; filename*=utf-8''{quote(f'{stem}.timeline.{format}')}"
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/{analysis_id}/waveform")
def waveform(analysis_id: str, store: StoreDep) -> dict[str, Any]:
    """Peak level per bin over the whole input, for drawing it."""
    rec = done_or_409(analysis_or_404(store, analysis_id, with_result=False))
    return {"duration": rec.duration, "peaks": store.waveform(rec.id) or []}
