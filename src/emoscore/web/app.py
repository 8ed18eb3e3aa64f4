"""The HTTP API and the page: thin routes over the recogniser, the music package and the store.

Everything answers JSON; every refusal is a 4xx with ``{"detail": "<one clear line>"}``.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from importlib import metadata, resources
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from emoscore.errors import AudioError, ConfigError, EmoscoreError, ModelError
from emoscore.store import AnalysisRecord, CompositionRecord, Store
from emoscore.web.compose import artifact_filename, check_method, compose_analysis
from emoscore.web.config import MAX_WINDOW, MIN_WINDOW, ServerConfig
from emoscore.web.jobs import AnalysisTask, JobRunner
from emoscore.web.uploads import UploadTooLarge, display_name, store_upload, upload_path

RESTART_MESSAGE = "the server stopped while this job was running; upload the file again"
UPLOAD_PATH = "/api/analyses"
MULTIPART_SLACK = 64 * 1024  # form boundaries and option fields around the file

DESCRIPTION = """Emotion timelines of audio and video files, and film-score sketches from them.

Upload a file to `POST /api/analyses`, poll `GET /api/analyses/{id}` until `status` is `done`
(its `result` is exactly `emoscore analyze --format json`), then `POST /api/analyses/{id}/compose`
for method A/B MIDI, WAV and mixed WAV, downloaded from `GET /api/artifacts/{id}`."""


def _version() -> str:
    try:
        return metadata.version("emoscore")
    except metadata.PackageNotFoundError:
        return "0"


def static_dir() -> Path:
    return Path(str(resources.files("emoscore.web").joinpath("static")))


class ComposeRequest(BaseModel):
    """Options of ``POST /api/analyses/{id}/compose``."""

    method: str = Field(default="both", description="A, B or both")
    root: str = Field(
        default="C3", description="Root note: a name with octave (C3 = MIDI 48) or a MIDI number"
    )
    program: int = Field(
        default=48, ge=0, le=127, description="General MIDI program, 0-based (48 = String Ensemble 1)"
    )
    mix: bool = Field(default=True, description="Also mix the music under the uploaded sound")


class UploadLimit:
    """Refuses an upload whose declared size is over the limit before its body is read."""

    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/") == UPLOAD_PATH:
            length = dict(scope["headers"]).get(b"content-length")
            if length and length.isdigit() and int(length) > self.max_bytes + MULTIPART_SLACK:
                resp = JSONResponse({"detail": _too_large(int(length), self.max_bytes)}, status_code=413)
                await resp(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _too_large(size: int, limit: int) -> str:
    return f"upload is too large ({size / 1e6:.1f} MB); the limit is {limit / 1e6:.1f} MB"


def _field_error(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "form")]
        parts.append(f"{'.'.join(loc) or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def _status_for(exc: EmoscoreError) -> int:
    return 415 if isinstance(exc, AudioError) else 422


def create_app(config: ServerConfig | None = None) -> FastAPI:
    """The FastAPI application for ``config`` (the store and workers start with the app)."""
    config = config or ServerConfig()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        store = Store(config.database_url)
        runner = JobRunner(store, config.workers)
        app.state.store, app.state.runner = store, runner
        runner.start()
        for analysis_id in store.recover(RESTART_MESSAGE):
            rec = store.get_analysis(analysis_id, with_result=False)
            if rec is not None:
                try:
                    _submit(rec)
                except EmoscoreError as exc:
                    store.fail(rec.id, str(exc))
        try:
            yield
        finally:
            runner.shutdown()
            store.close()

    app = FastAPI(title="emoscore", version=_version(), description=DESCRIPTION, lifespan=lifespan)
    app.add_middleware(UploadLimit, max_bytes=config.max_upload_bytes)

    def store_of() -> Store:
        return app.state.store

    # -- errors -------------------------------------------------------------------------------
    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _field_error(exc)}, status_code=422)

    @app.exception_handler(EmoscoreError)
    async def _emoscore(_req: Request, exc: EmoscoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=_status_for(exc))

    # -- models -------------------------------------------------------------------------------
    def models() -> dict[str, dict[str, Any]]:
        from emoscore.models.registry import list_models, model_summary

        rows = {r["name"]: r for r in list_models()}
        for name, path in config.models.items():
            rows[name] = model_summary(name, path)
        return rows

    def default_model(rows: dict[str, dict[str, Any]]) -> str | None:
        if config.default_model in rows:
            return config.default_model
        return next(iter(sorted(rows)), None)

    def model_path(name: str | None) -> tuple[str, str]:
        rows = models()
        chosen = name or default_model(rows)
        if chosen is None:
            raise ModelError("no models are installed on this server")
        if chosen not in rows:
            raise ModelError(f"unknown model {chosen!r}; this server has: {', '.join(sorted(rows))}")
        return chosen, rows[chosen]["path"]

    def _submit(rec: AnalysisRecord) -> None:
        opts = rec.options
        _, path = model_path(opts.get("model"))
        app.state.runner.submit(
            AnalysisTask(
                db_url=config.database_url,
                analysis_id=rec.id,
                audio_path=str(upload_path(config.uploads_dir, rec.sha256)),
                filename=rec.filename,
                model_path=path,
                window=float(opts["window"]),
                hop=opts.get("hop"),
                duration=rec.duration,
            )
        )

    # -- views --------------------------------------------------------------------------------
    def artifact_view(a: Any) -> dict[str, Any]:
        return {
            "id": a.id,
            "kind": a.kind,
            "method": a.method,
            "media_type": a.media_type,
            "size": a.size,
            "url": f"/api/artifacts/{a.id}",
        }

    def composition_view(c: CompositionRecord) -> dict[str, Any]:
        return {
            "id": c.id,
            "analysis_id": c.analysis_id,
            "method": c.method,
            "root": c.root,
            "program": c.program,
            "created": c.created.isoformat(),
            "methods": c.document.get("methods", {}),
            "comparison": c.document.get("comparison"),
            "cc": c.document.get("cc", {}),
            "artifacts": [artifact_view(a) for a in c.artifacts],
        }

    def summary_view(r: AnalysisRecord) -> dict[str, Any]:
        return {
            "id": r.id,
            "status": r.status,
            "progress": round(r.progress, 4),
            "error": r.error,
            "filename": r.filename,
            "duration": r.duration,
            "size": r.size,
            "options": dict(r.options),
            "created": r.created.isoformat(),
            "updated": r.updated.isoformat(),
            "url": f"/api/analyses/{r.id}",
        }

    def get_or_404(analysis_id: str, *, with_result: bool = True) -> AnalysisRecord:
        rec = store_of().get_analysis(analysis_id, with_result=with_result)
        if rec is None:
            raise HTTPException(404, f"analysis {analysis_id!r} not found")
        return rec

    def done_or_409(rec: AnalysisRecord) -> None:
        if rec.status != "done":
            why = f": {rec.error}" if rec.error else ""
            raise HTTPException(409, f"analysis {rec.id} is {rec.status}{why}; it has no result to use")

    # -- routes -------------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(static_dir() / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=static_dir()), name="static")

    @app.get("/api/health", tags=["service"])
    async def health() -> dict[str, Any]:
        """Liveness: answers from memory, never waits on a job or the database."""
        runner = app.state.runner
        return {
            "status": "ok",
            "version": _version(),
            "jobs_active": runner.active,
            "workers": runner.workers,
        }

    @app.get("/api/models", tags=["service"])
    def list_models_route() -> dict[str, Any]:
        """Models a client may choose by name."""
        rows = models()
        keep = ("name", "version", "task", "labels", "feature_set", "description", "licence")
        return {
            "default": default_model(rows),
            "models": [{k: r.get(k) for k in keep} for r in sorted(rows.values(), key=lambda r: r["name"])],
        }

    @app.get("/api/maps", tags=["music"])
    def maps() -> dict[str, Any]:
        """The interval table, the emotion → CC numbers and the maps of methods A and B."""
        from emoscore.music.maps import load_method_a, load_method_b, maps_document

        return maps_document({"A": load_method_a(), "B": load_method_b()})

    @app.post(UPLOAD_PATH, status_code=202, tags=["analyses"])
    def create_analysis(
        response: Response,
        file: UploadFile = File(..., description="An audio or video file"),  # noqa: B008
        model: str | None = Form(None, description="Model name (GET /api/models); default: the server's"),
        window: float = Form(4.0, description="Analysis window, seconds (1-5)"),
        hop: str | None = Form(None, description="Hop between windows, seconds (default: the window)"),
        method: str = Form("both", description="Interval map the page composes with: A, B or both"),
    ) -> dict[str, Any]:
        """Upload a file; it is analysed by a worker. Poll the returned ``url``."""
        from emoscore.audio import probe_audio
        from emoscore.audio.windows import check_window

        if not MIN_WINDOW <= window <= MAX_WINDOW:
            raise ConfigError(f"window {window:g}: must be between {MIN_WINDOW:g} and {MAX_WINDOW:g} seconds")
        try:
            hop_s = float(hop) if hop not in (None, "") else None
        except ValueError:
            raise ConfigError(f"hop {hop!r}: not a number of seconds") from None
        hop_s = check_window(window, hop_s) if hop_s is not None else None
        methods = check_method(method)
        model_name, _ = model_path(model)
        if app.state.runner.active >= config.max_active_jobs:
            raise HTTPException(
                429, f"the server is busy ({app.state.runner.active} jobs waiting); try again later"
            )
        name = display_name(file.filename)
        try:
            up = store_upload(file.file, config.uploads_dir, max_bytes=config.max_upload_bytes)
        except UploadTooLarge as exc:
            raise HTTPException(413, _too_large(exc.args[0], config.max_upload_bytes)) from None
        store = store_of()

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
                f"{name}: {info.duration:.1f} s is longer than this server's limit of "
                f"{config.max_duration:g} s",
            )
        opts = {
            "model": model_name,
            "window": window,
            "hop": hop_s,
            "method": "both" if len(methods) == 2 else methods[0],
        }
        rec = store.create_analysis(
            filename=name, sha256=up.sha256, size=up.size, duration=info.duration, options=opts
        )
        _submit(rec)
        response.headers["Location"] = f"/api/analyses/{rec.id}"
        return {"id": rec.id, "status": rec.status, "url": f"/api/analyses/{rec.id}"}

    @app.get("/api/analyses", tags=["analyses"])
    def list_analyses(limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0)) -> dict[str, Any]:
        """History, newest first (without results)."""
        rows, total = store_of().list_analyses(limit=limit, offset=offset)
        return {"items": [summary_view(r) for r in rows], "total": total, "limit": limit, "offset": offset}

    @app.get("/api/analyses/{analysis_id}", tags=["analyses"])
    def get_analysis(analysis_id: str) -> dict[str, Any]:
        """Status, progress, error and (when done) the timeline, plus compositions made from it."""
        rec = get_or_404(analysis_id)
        comps = store_of().compositions_for(rec.id) if rec.status == "done" else []
        return {
            **summary_view(rec),
            "result": rec.result,
            "compositions": [composition_view(c) for c in comps],
        }

    @app.delete("/api/analyses/{analysis_id}", tags=["analyses"])
    def delete_analysis(analysis_id: str) -> dict[str, Any]:
        """Forget an analysis, its compositions and files (the upload too, unless shared)."""
        rec = get_or_404(analysis_id, with_result=False)
        store = store_of()
        if store.delete_analysis(rec.id) is None:
            raise HTTPException(404, f"analysis {analysis_id!r} not found")
        shutil.rmtree(config.artifacts_dir / rec.id, ignore_errors=True)
        if store.count_uses(rec.sha256) == 0:
            upload_path(config.uploads_dir, rec.sha256).unlink(missing_ok=True)
        return {"id": rec.id, "deleted": True}

    @app.get("/api/analyses/{analysis_id}/timeline", tags=["analyses"])
    def timeline(analysis_id: str, format: str = Query("json", pattern="^(json|csv)$")) -> Response:  # noqa: A002
        """The result as a JSON or CSV download."""
        import json

        from emoscore.timeline import Timeline

        rec = get_or_404(analysis_id)
        done_or_409(rec)
        stem = Path(rec.filename).stem or "emoscore"
        if format == "csv":
            body, media = Timeline.from_dict(cast(Mapping[str, Any], rec.result)).to_csv(), "text/csv"
        else:
            body, media = json.dumps(rec.result, indent=2, ensure_ascii=False) + "\n", "application/json"
        return Response(
            body,
            media_type=media,
            headers={
                "Content-Disposition": f"attachment; filename*=utf-8''{quote(f'{stem}.timeline.{format}')}"
            },
        )

    @app.get("/api/analyses/{analysis_id}/waveform", tags=["analyses"])
    def waveform(analysis_id: str) -> dict[str, Any]:
        """Peak level per bin over the whole input, for drawing it."""
        rec = get_or_404(analysis_id, with_result=False)
        done_or_409(rec)
        peaks = store_of().waveform(rec.id) or []
        return {"duration": rec.duration, "peaks": peaks}

    @app.post("/api/analyses/{analysis_id}/compose", status_code=201, tags=["music"])
    def compose(analysis_id: str, options: ComposeRequest | None = None) -> dict[str, Any]:
        """Method A/B interval sequences → MIDI, WAV (44.1 kHz, 24-bit) and the mix under the upload."""
        options = options or ComposeRequest()
        rec = get_or_404(analysis_id)
        done_or_409(rec)
        comp = compose_analysis(
            store_of(),
            config,
            rec,
            method=options.method,
            root=options.root,
            program=options.program,
            mix=options.mix,
        )
        return composition_view(comp)

    @app.get("/api/artifacts/{artifact_id}", tags=["music"])
    def artifact(artifact_id: str) -> FileResponse:
        """Download a MIDI, WAV, mixed WAV or intervals JSON file."""
        store = store_of()
        art = store.get_artifact(artifact_id)
        if art is None:
            raise HTTPException(404, f"artifact {artifact_id!r} not found")
        root = config.data_dir.resolve()
        path = (root / art.path).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise HTTPException(404, f"artifact {artifact_id!r}: its file is gone")
        owner = store.get_analysis(store.analysis_of(art.composition_id) or "", with_result=False)
        name = artifact_filename(owner.filename if owner else "emoscore", art.kind, art.method)
        return FileResponse(path, media_type=art.media_type, filename=name)

    return app
