"""Models: classical scikit-learn pipelines, a torch CNN, versioned bundles and named models."""

from emoscore.models.bundle import ModelBundle, load_bundle, read_metadata
from emoscore.models.classical import build_classifier
from emoscore.models.registry import list_models, load_model, resolve_model

__all__ = [
    "ModelBundle",
    "build_classifier",
    "list_models",
    "load_bundle",
    "load_model",
    "read_metadata",
    "resolve_model",
]
