"""Training recipes: everything that defines how a model is trained, as data.

A recipe names corpora, the label set, the feature set, the model kind and its
hyper-parameters, and the preprocessing. Shipped recipes live in ``data/recipes/*.toml``;
the bundle records its recipe so ``evaluate`` can retrain it fold by fold.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from emoscore.audio.preprocess import Preprocessing
from emoscore.errors import ConfigError
from emoscore.models.calibration import check_calibration
from emoscore.vocabulary import Task, parse_task, parse_tier

NORMALIZATIONS = ("none", "speaker", "corpus")


@dataclass(frozen=True)
class TrainingRecipe:
    """How to train one model."""

    name: str = "custom"
    version: str = "0.1.0"
    task: str = "emotion"
    description: str = ""
    corpora: tuple[str, ...] = ()
    labels: tuple[str, ...] | None = None
    features: str = "egemaps"
    # keyword settings of the feature sets, each given to every named set that accepts it
    # (e.g. ``{ layers = [3] }`` for ``whisper-base-layers``; features/registry.py)
    feature_params: dict[str, Any] = field(default_factory=dict)
    model: str = "svm"
    tune: bool = True
    params: dict[str, Any] = field(default_factory=dict)
    preprocessing: Preprocessing = field(default_factory=Preprocessing)
    licence: str = ""
    seed: int = 0
    normalization: str = "none"  # "none", "speaker" or "corpus": see models/normalization.py
    normalization_prior: float = 20.0
    # augmented copies of every training clip: ``copies`` plus Augmentation settings, with
    # ``music_corpora`` naming the corpora whose clips are the music beds (models/training.py)
    augment: dict[str, Any] = field(default_factory=dict)
    # "temperature": fit one temperature on leave-one-corpus-out predictions (models/calibration.py)
    calibration: str = "none"
    # "fast": the emotion model runs with the fast tier's task models (models/registry.py TIER_MODELS)
    tier: str = "standard"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["corpora"] = list(self.corpora)
        d["labels"] = list(self.labels) if self.labels is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, origin: str = "recipe") -> TrainingRecipe:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"{origin}: unknown recipe key(s) {', '.join(unknown)}")
        try:
            kw = dict(d)
            if "corpora" in kw:
                kw["corpora"] = tuple(kw["corpora"])
            if kw.get("labels") is not None:
                kw["labels"] = tuple(kw["labels"])
            if kw.get("normalization", "none") not in NORMALIZATIONS:
                raise ConfigError(f"{origin}: normalization must be one of {', '.join(NORMALIZATIONS)}")
            if "preprocessing" in kw:
                kw["preprocessing"] = Preprocessing.from_dict(dict(kw["preprocessing"]))
            if "tier" in kw:
                kw["tier"] = parse_tier(kw["tier"], origin=origin).value
            if "calibration" in kw:
                kw["calibration"] = check_calibration(str(kw["calibration"]), origin=origin)
            if kw.get("augment"):
                kw["augment"] = check_augment(dict(kw["augment"]), origin=origin)
            return cls(**kw)
        except TypeError as exc:
            raise ConfigError(f"{origin}: malformed recipe ({exc})") from None

    def with_overrides(self, **changes: Any) -> TrainingRecipe:
        """The recipe with the given (non-None) fields replaced; other ``features`` drop the
        recipe's ``feature_params`` (they belong to its own feature sets).

        Another ``model`` keeps only the window settings of ``params`` (the others are the
        recipe's own model's hyper-parameters).

        >>> r = TrainingRecipe(features="whisper-base", feature_params={"depth": 3},
        ...                    model="logreg", params={"C": 0.003, "window": 4.0})
        >>> r.with_overrides(features="egemaps").feature_params, r.with_overrides(model="svm").feature_params
        ({}, {'depth': 3})
        >>> r.with_overrides(model="mlp").params, r.with_overrides(model="logreg").params
        ({'window': 4.0}, {'C': 0.003, 'window': 4.0})
        """
        given = {k: v for k, v in changes.items() if v is not None}
        if "features" in given and given["features"] != self.features and "feature_params" not in given:
            given["feature_params"] = {}
        if "model" in given and given["model"] != self.model and "params" not in given:
            given["params"] = {k: v for k, v in self.params.items() if k in WINDOW_PARAMS}
        return replace(self, **given)


AUGMENT_KEYS = ("copies", "music_corpora")
#: ``params`` that set a window task's windows, not its model's hyper-parameters
WINDOW_PARAMS = ("window", "max_windows")


def check_augment(spec: dict[str, Any], *, origin: str = "recipe") -> dict[str, Any]:
    """A recipe's ``[augment]`` table, checked: ``copies`` (≥ 1), ``music_corpora`` (names) and
    :class:`~emoscore.audio.augment.Augmentation` settings (``music_beds`` come from the corpora).

    >>> check_augment({"copies": 1, "reverb_p": 0.5})["reverb_p"]
    0.5
    """
    from emoscore.audio.augment import Augmentation

    settings = set(Augmentation.__dataclass_fields__) - {"music_beds"}
    unknown = sorted(set(spec) - settings - set(AUGMENT_KEYS))
    if unknown:
        raise ConfigError(f"{origin}: unknown augment key(s) {', '.join(unknown)}")
    copies = spec.get("copies", 1)
    if not isinstance(copies, int) or copies < 1:
        raise ConfigError(f"{origin}: augment copies={copies!r} must be a whole number ≥ 1")
    corpora = spec.get("music_corpora", [])
    if spec.get("music_p", 0) and not corpora:
        raise ConfigError(f'{origin}: augment music_p needs music_corpora (e.g. ["emomusic"])')
    Augmentation.from_dict({k: v for k, v in spec.items() if k in settings} | {"music_beds": ["x"]})
    return {**spec, "copies": copies, "music_corpora": list(corpora)}


def shipped_recipes() -> list[str]:
    folder = resources.files("emoscore.data").joinpath("recipes")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_recipe(name_or_path: str | Path) -> TrainingRecipe:
    """A shipped recipe by name (``default``, ``fast``) or a TOML file.

    >>> load_recipe("default").features
    'whisper-base+egemaps'
    """
    text = str(name_or_path)
    if text in shipped_recipes():
        raw = resources.files("emoscore.data").joinpath("recipes", f"{text}.toml").read_text()
        origin = f"recipe {text}"
    else:
        p = Path(text)
        if not p.is_file():
            raise ConfigError(f"{text}: no such recipe (shipped: {', '.join(shipped_recipes())})")
        raw, origin = p.read_text(), str(p)
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML ({exc})") from None
    return TrainingRecipe.from_dict(data, origin=origin)


def recipe_for(
    task: str = Task.EMOTION, recipe: str | Path | TrainingRecipe | None = None, **overrides: Any
) -> TrainingRecipe:
    """The recipe to train for ``task``: ``recipe`` (a name, file or recipe), else the task's
    shipped one (a music/sound task) or a plain custom recipe (speech emotion: name the corpora),
    with ``overrides`` applied.

    >>> recipe_for("quadrant").task, recipe_for(corpora=("emodb",)).name
    ('quadrant', 'custom')
    """
    t = parse_task(task)
    if isinstance(recipe, TrainingRecipe):
        rec = recipe
    elif recipe is None and t == Task.EMOTION:
        rec = TrainingRecipe()
    else:
        rec = load_recipe(recipe or t.value)
    rec = rec.with_overrides(**overrides)
    return rec if rec.task == t else replace(rec, task=t.value)
