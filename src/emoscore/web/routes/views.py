"""The JSON shapes the API answers with, built from the store's records."""

from __future__ import annotations

from typing import Any

from emoscore.store import AnalysisRecord, ArtifactRecord, CompositionRecord


def artifact_view(a: ArtifactRecord) -> dict[str, Any]:
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
    """An analysis without its result, as the history lists it."""
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
