"""Named models shipped with emoscore (``default``, ``fast``) and bundles given by path."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from emoscore.errors import ModelError
from emoscore.models.bundle import ModelBundle, load_bundle, read_metadata
from emoscore.vocabulary import Task, Tier, parse_tier

BUNDLE_SUFFIX = ".emo"


def shipped_models_dir() -> Path:
    return Path(str(resources.files("emoscore.data").joinpath("models")))


def shipped_model_names() -> list[str]:
    d = shipped_models_dir()
    return sorted(p.stem for p in d.glob(f"*{BUNDLE_SUFFIX}")) if d.exists() else []


def resolve_model(name_or_path: str | Path) -> Path:
    """Path of a shipped model name (``default``) or of a bundle file."""
    text = str(name_or_path)
    shipped = shipped_models_dir() / f"{text}{BUNDLE_SUFFIX}"
    if shipped.exists():
        return shipped
    p = Path(text)
    if p.exists():
        return p
    if p.suffix or "/" in text:
        raise ModelError(f"{text}: model bundle not found")
    known = ", ".join(shipped_model_names()) or "none installed"
    raise ModelError(f"unknown model {text!r}; shipped models: {known}; or give a path to a bundle")


#: The shipped model of each task in each tier: the one place that says which domain detector and
#: music models run beside an emotion model (its bundle's ``recipe.tier``). The fast tier's task
#: models read the fast emotion model's cheap features, so a window's features are computed once.
TIER_MODELS: dict[Tier, dict[Task, str]] = {
    Tier.STANDARD: {
        Task.EMOTION: "default",
        Task.VALENCE: "valence",
        Task.AROUSAL: "arousal",
        Task.QUADRANT: "quadrant",
        Task.DOMAIN: "domain",
    },
    Tier.FAST: {
        Task.EMOTION: "fast",
        Task.VALENCE: "valence-fast",
        Task.AROUSAL: "arousal-fast",
        Task.QUADRANT: "quadrant-fast",
        Task.DOMAIN: "domain-fast",
    },
}


#: The rate Silero's voice activity model runs at in each tier: the fast tier uses its 8-kHz mode,
#: about a quarter less CPU (audio.vad.SileroVAD ``model_rate``).
TIER_VAD_RATE: dict[Tier, int] = {Tier.STANDARD: 16_000, Tier.FAST: 8_000}


def default_model(task: str = Task.EMOTION, tier: str = Tier.STANDARD) -> str:
    """The shipped model of a task in a tier (:data:`TIER_MODELS`).

    >>> default_model(), default_model("domain"), default_model("domain", tier="fast")
    ('default', 'domain', 'domain-fast')
    """
    return TIER_MODELS[parse_tier(tier)][Task(task)]


def model_tier(model: str | Path | ModelBundle) -> Tier:
    """The tier an emotion model declares (its recipe's ``tier``; standard when it names none),
    read from the bundle's metadata (nothing unpickled).

    >>> model_tier("default"), model_tier("fast")
    (<Tier.STANDARD: 'standard'>, <Tier.FAST: 'fast'>)
    """
    meta = model.meta if isinstance(model, ModelBundle) else read_metadata(resolve_model(model))
    recipe = meta.get("recipe") or {}
    return parse_tier(recipe.get("tier") if isinstance(recipe, dict) else None, origin=f"model {model}")


def check_model_task(name_or_path: str | Path, task: str, *, meta: dict[str, Any] | None = None) -> Path:
    """The bundle's path, after checking from its metadata (nothing unpickled) that it is a
    ``task`` model: a quadrant model given as a speech emotion model is one clear line."""
    path = resolve_model(name_or_path)
    kind = str((meta if meta is not None else read_metadata(path)).get("task", Task.EMOTION))
    if kind != task:
        what = "a speech emotion" if task == Task.EMOTION else f"a {task}"
        raise ModelError(f"model {name_or_path}: is a {kind} model; {what} model is needed here")
    return path


def load_model(name_or_path: str | Path, *, task: str | None = None) -> ModelBundle:
    """Load a shipped model by name or a bundle by path; with ``task``, refuse other kinds."""
    if task is not None:
        return load_bundle(check_model_task(name_or_path, task))
    return load_bundle(resolve_model(name_or_path))


def list_models() -> list[dict[str, Any]]:
    """Shipped models with their metadata summary (nothing is unpickled)."""
    return [
        model_summary(name, shipped_models_dir() / f"{name}{BUNDLE_SUFFIX}") for name in shipped_model_names()
    ]


def model_summary(name: str, path: str | Path) -> dict[str, Any]:
    """What lists of models show: name, version, task, labels, features, path, description, licence."""
    meta = read_metadata(path)
    return {
        "name": name,
        "version": meta.get("version", "?"),
        "task": meta.get("task", "emotion"),
        "labels": meta.get("labels", []),
        "feature_set": meta.get("feature_set", "?"),
        "path": str(path),
        "description": meta.get("description", ""),
        "licence": meta.get("licence", ""),
    }
