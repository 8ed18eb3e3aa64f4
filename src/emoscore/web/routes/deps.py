"""FastAPI dependencies: what ``create_app`` keeps on ``app.state``, and records by id or a 404.

The getters are ``async`` so they run on the event loop: ``/api/health`` must never wait for a
thread while uploads are being stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from emoscore.store import AnalysisRecord, Store
from emoscore.web.config import ServerConfig
from emoscore.web.jobs import JobRunner


async def get_config(request: Request) -> ServerConfig:
    return request.app.state.config


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_runner(request: Request) -> JobRunner:
    return request.app.state.runner


ConfigDep = Annotated[ServerConfig, Depends(get_config)]
StoreDep = Annotated[Store, Depends(get_store)]
RunnerDep = Annotated[JobRunner, Depends(get_runner)]


def analysis_or_404(store: Store, analysis_id: str, *, with_result: bool = True) -> AnalysisRecord:
    rec = store.get_analysis(analysis_id, with_result=with_result)
    if rec is None:
        raise HTTPException(404, f"analysis {analysis_id!r} not found")
    return rec


def done_or_409(rec: AnalysisRecord) -> AnalysisRecord:
    if rec.status != "done":
        why = f": {rec.error}" if rec.error else ""
        raise HTTPException(409, f"analysis {rec.id} is {rec.status}{why}; it has no result to use")
    return rec
