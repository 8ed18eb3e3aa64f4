"""The models a client may choose by name: the shipped ones plus the server's ``--model NAME=PATH``."""

from __future__ import annotations

from typing import Any

from emoscore.errors import ModelError
from emoscore.vocabulary import Task
from emoscore.web.config import ServerConfig


def all_models(config: ServerConfig) -> dict[str, dict[str, Any]]:
    """Name → ``model_summary`` row of every model on this server, of any task."""
    from emoscore.models.registry import list_models, model_summary

    rows = {r["name"]: r for r in list_models()}
    for name, path in config.models.items():
        rows[name] = model_summary(name, path)
    return rows


def server_models(config: ServerConfig) -> dict[str, dict[str, Any]]:
    """Name → ``model_summary`` row of every speech emotion model a client may choose (its
    ``path`` is for the server only, never answered); task models (quadrant, valence …) are
    used through the domain option, never as the emotion model."""
    return {name: row for name, row in all_models(config).items() if row["task"] == Task.EMOTION}


def default_model(config: ServerConfig, rows: dict[str, dict[str, Any]]) -> str | None:
    if config.default_model in rows:
        return config.default_model
    return next(iter(sorted(rows)), None)


def resolve_model(config: ServerConfig, name: str | None) -> tuple[str, str]:
    """``(name, bundle path)`` of ``name``, or of the default model when ``name`` is empty."""
    rows = server_models(config)
    chosen = name or default_model(config, rows)
    if chosen is None:
        raise ModelError("no models are installed on this server")
    if chosen not in rows:
        other = all_models(config).get(chosen)
        if other is not None:
            raise ModelError(
                f"model {chosen}: is a {other['task']} model; a speech emotion model is needed here"
            )
        raise ModelError(f"unknown model {chosen!r}; this server has: {', '.join(sorted(rows))}")
    return chosen, rows[chosen]["path"]
