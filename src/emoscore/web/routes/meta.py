"""The page and what a client asks before uploading: liveness and the models it may name."""

from __future__ import annotations

from importlib import metadata, resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from emoscore.web.routes.catalogue import default_model, server_models
from emoscore.web.routes.deps import ConfigDep

router = APIRouter()

MODEL_FIELDS = ("name", "version", "task", "labels", "feature_set", "description", "licence")


def version() -> str:
    try:
        return metadata.version("emoscore")
    except metadata.PackageNotFoundError:
        return "0"


def static_dir() -> Path:
    return Path(str(resources.files("emoscore.web").joinpath("static")))


@router.get("/", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(static_dir() / "index.html", media_type="text/html")


@router.get("/api/health", tags=["service"])
async def health(request: Request) -> dict[str, Any]:
    """Liveness: answers from memory, never waits on a job or the database."""
    runner = request.app.state.runner
    return {"status": "ok", "version": version(), "jobs_active": runner.active, "workers": runner.workers}


@router.get("/api/models", tags=["service"])
def list_models_route(config: ConfigDep) -> dict[str, Any]:
    """Models a client may choose by name."""
    rows = server_models(config)
    return {
        "default": default_model(config, rows),
        "default_domain": config.default_domain,
        "models": [
            {k: r.get(k) for k in MODEL_FIELDS} for r in sorted(rows.values(), key=lambda r: r["name"])
        ],
    }
