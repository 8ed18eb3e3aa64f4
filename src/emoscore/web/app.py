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

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from emoscore.errors import AudioError, EmoscoreError
from emoscore.store import Store
from emoscore.web.access import AccessControl
from emoscore.web.config import ServerConfig
from emoscore.web.jobs import JobRunner
from emoscore.web.routes import analyses, compositions, meta

RESTART_MESSAGE = "the server stopped while this job was running; upload the file again"
MULTIPART_SLACK = 64 * 1024  # form boundaries and option fields around the file
OTHER_BODY_LIMIT = 64 * 1024  # compose options and other JSON bodies
CLOSE = {"connection": "close"}  # after a 413 the rest of the body is not read

DESCRIPTION = """Emotion timelines of audio and video files, and film-score sketches from them.

Upload a file to `POST /api/analyses`, poll `GET /api/analyses/{id}` until `status` is `done`
(its `result` is exactly `emoscore analyze --format json`), then `POST /api/analyses/{id}/compose`
for method A/B MIDI, WAV and mixed WAV, downloaded from `GET /api/artifacts/{id}`."""


class UploadLimit:
    """Body limits counted as the bytes arrive: an upload over ``max_bytes`` (plus the form's
    slack) is refused with 413 as soon as its ``Content-Length`` says so, or, without one (a
    chunked upload), as soon as that many bytes have been received; nothing more is read. Other
    requests carry small JSON bodies and get ``OTHER_BODY_LIMIT``."""

    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["method"] == "POST" and scope["path"].rstrip("/") == analyses.UPLOAD_PATH
        limit = self.max_bytes + MULTIPART_SLACK if upload else OTHER_BODY_LIMIT

        def refusal(size: int, *, declared: bool) -> str:
            if upload:
                return analyses.too_large(size, self.max_bytes, declared=declared)
            return f"request body is too large (over {limit // 1024} KiB)"

        length = dict(scope["headers"]).get(b"content-length")
        if length and length.isdigit() and int(length) > limit:
            detail = refusal(int(length), declared=True)
            await JSONResponse({"detail": detail}, 413, CLOSE)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(refusal(received, declared=False))
            return message

        async def watched(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:
            if not started:
                await JSONResponse({"detail": exc.detail}, 413, CLOSE)(scope, receive, send)


class BodyTooLarge(HTTPException):
    """Raised from inside the body stream; FastAPI re-raises an HTTPException met while it parses a
    body, so the refusal is a 413, never 'error parsing the body'. The connection is closed after
    it, so the server does not go on receiving (and discarding) the rest of the body."""

    def __init__(self, detail: str):
        super().__init__(413, detail, headers=CLOSE)


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
    config.temp_dir.mkdir(parents=True, exist_ok=True)
    store = Store(config.database_url)
    runner = JobRunner(store, config.workers, max_compose=config.max_compose_jobs)
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
    # added last, so it runs first: a refused request is never read
    app.add_middleware(AccessControl, config=app.state.config)
    # a router cannot carry a mount, so the page's files are mounted here
    app.mount("/static", StaticFiles(directory=meta.static_dir()), name="static")
    app.include_router(meta.router)
    app.include_router(analyses.router)
    app.include_router(compositions.router)
    return app
