"""The FastAPI application: the store and job runner, the upload limit, the error answers, and
the routers of ``emoscore.web.routes``.

Everything answers JSON; every refusal is a 4xx with ``{"detail": "<one clear line>"}``.
``/docs`` (Swagger UI) and ``/redoc`` load their scripts and styles from the app itself
(``fastapi-offline`` ships them), so they work without network access like the page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from emoscore.errors import AudioError, EmoscoreError
from emoscore.store import Store
from emoscore.web.config import ServerConfig
from emoscore.web.jobs import JobRunner
from emoscore.web.routes import analyses, compositions, meta

RESTART_MESSAGE = "the server stopped while this job was running; upload the file again"
MULTIPART_SLACK = 64 * 1024  # form boundaries and option fields around the file

DESCRIPTION = """Emotion timelines of audio and video files, and film-score sketches from them.

Upload a file to `POST /api/analyses`, poll `GET /api/analyses/{id}` until `status` is `done`
(its `result` is exactly `emoscore analyze --format json`), then `POST /api/analyses/{id}/compose`
for method A/B MIDI, WAV and mixed WAV, downloaded from `GET /api/artifacts/{id}`."""


class UploadLimit:
    """Refuses an upload whose declared size is over the limit before its body is read."""

    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].rstrip("/") == analyses.UPLOAD_PATH
        ):
            length = dict(scope["headers"]).get(b"content-length")
            if length and length.isdigit() and int(length) > self.max_bytes + MULTIPART_SLACK:
                detail = analyses.too_large(int(length), self.max_bytes)
                await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _field_error(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "form")]
        parts.append(f"{'.'.join(loc) or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


async def _validation_error(_req: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": _field_error(exc)}, status_code=422)


async def _emoscore_error(_req: Request, exc: EmoscoreError) -> JSONResponse:
    # the library's checks name the command-line option (``--window 9: …``); here it is a field
    detail = str(exc).removeprefix("--")
    return JSONResponse({"detail": detail}, status_code=415 if isinstance(exc, AudioError) else 422)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: ServerConfig = app.state.config
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(config.database_url)
    runner = JobRunner(store, config.workers)
    app.state.store, app.state.runner = store, runner
    runner.start()
    # jobs that were queued when the server stopped are queued again
    for analysis_id in store.recover(RESTART_MESSAGE):
        rec = store.get_analysis(analysis_id, with_result=False)
        if rec is not None:
            try:
                analyses.submit_analysis(runner, config, rec)
            except EmoscoreError as exc:
                store.fail(rec.id, str(exc))
    try:
        yield
    finally:
        runner.shutdown()
        store.close()


def create_app(config: ServerConfig | None = None) -> FastAPI:
    """The FastAPI application for ``config`` (the store and workers start with the app)."""
    app = FastAPIOffline(
        title="emoscore",
        version=meta.version(),
        description=DESCRIPTION,
        lifespan=_lifespan,
        exception_handlers={RequestValidationError: _validation_error, EmoscoreError: _emoscore_error},
    )
    app.state.config = config or ServerConfig()
    app.add_middleware(UploadLimit, max_bytes=app.state.config.max_upload_bytes)
    # a router cannot carry a mount, so the page's files are mounted here
    app.mount("/static", StaticFiles(directory=meta.static_dir()), name="static")
    app.include_router(meta.router)
    app.include_router(analyses.router)
    app.include_router(compositions.router)
    return app
