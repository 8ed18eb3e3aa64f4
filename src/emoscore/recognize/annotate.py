"""Per-window valence, arousal, quadrant and domain from the task models, for ``analyze --domain``.

:class:`SoundAnnotator` holds the valence, arousal and quadrant bundles (and the domain detector
for ``auto``). For a batch of analysis windows it returns, per window, the trained valence and
arousal (P(high) of each binary model, in [0, 1]) and the keys added to the segment: the domain
(given, or the detector's choice with its probabilities) and, for music windows, the quadrant
probabilities. Feature sets shared by several bundles (and with the emotion model) are computed
once per window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from emoscore.audio.preprocess import preprocess_clip
from emoscore.errors import ConfigError, ModelError
from emoscore.features import ConcatExtractor
from emoscore.features.windowed import WindowedExtractor, excerpt_spans
from emoscore.models.bundle import ModelBundle
from emoscore.models.registry import default_model, load_model, model_tier
from emoscore.vocabulary import Domain, DomainMode, Task, parse_domain_mode

#: a window is speech when the detector gives speech at least this probability: dialogue over
#: score is where a scene's emotion is carried, and the detector, trained on dialogue over music
#: down to 0 dB, still doubts it under a loud bed. Measured on voices, languages and songs it never
#: heard (benchmarks/accuracy_domain.py: EMOVO + Spanish speech over emoMusic): speech over music
#: at +3 / 0 dB is called speech in 0.98 / 0.96 of windows (0.75 / 0.58 by the argmax), the songs
#: alone in none (4Q songs: 0.01).
SPEECH_THRESHOLD = 0.2


#: the annotator's constructor argument for each task model it holds
ANNOTATOR_TASKS: dict[str, Task] = {
    "valence": Task.VALENCE,
    "arousal": Task.AROUSAL,
    "quadrant": Task.QUADRANT,
    "detector": Task.DOMAIN,
}


def task_models(
    domain: str = DomainMode.AUTO, model: str | Path | ModelBundle = "default"
) -> dict[Task, str]:
    """The shipped task bundles (task → model name) a domain mode runs beside the emotion
    ``model``: none for ``speech``, the music models for ``music``, and the detector too for
    ``auto``, each from the emotion model's tier (:data:`~emoscore.models.registry.TIER_MODELS`).

    >>> sorted(task_models("music").values()), "domain" in task_models("auto").values()
    (['arousal', 'quadrant', 'valence'], True)
    >>> task_models("auto", "fast")[Task.DOMAIN], task_models("speech", "fast")
    ('domain-fast', {})
    """
    mode = parse_domain_mode(domain) or DomainMode.AUTO
    if mode == DomainMode.SPEECH:
        return {}
    tier = model_tier(model)
    tasks = [Task.VALENCE, Task.AROUSAL, Task.QUADRANT] + ([Task.DOMAIN] if mode == DomainMode.AUTO else [])
    return {task: default_model(task, tier) for task in tasks}


def _check(bundle: ModelBundle, task: str) -> ModelBundle:
    if bundle.task != task:
        raise ModelError(f"model {bundle.name}: is a {bundle.task} model; a {task} model is needed here")
    return bundle


def _tag(bundle: ModelBundle) -> str:
    return f"{bundle.name} {bundle.version}"


def _from_concat(
    memo: dict[Any, list[np.ndarray | None]], part: Any, settings: Any
) -> list[np.ndarray | None] | None:
    """``part``'s features cut out of a memoised concatenation that contains it (the emotion
    model's ``whisper-base+egemaps`` holds ``whisper-base``), when every part's size is known."""
    for (ext, pre), feats in list(memo.items()):
        if pre != settings or not isinstance(ext, ConcatExtractor) or part not in ext.parts:
            continue
        sizes = [getattr(p, "dim", None) for p in ext.parts]
        dims = [int(d) for d in sizes if d is not None]
        known = next((f for f in feats if f is not None), None)
        if len(dims) != len(sizes) or known is None or sum(dims) != len(known):
            continue
        i = ext.parts.index(part)
        a = sum(dims[:i])
        return [None if f is None else np.asarray(f[a : a + dims[i]]) for f in feats]
    return None


@dataclass(frozen=True)
class WindowAnnotation:
    """What the task models say about one window: trained valence/arousal (P(high)), the domain
    (with the detector's probabilities under ``auto``) and, on music windows, the quadrants."""

    valence: float
    arousal: float
    domain: str
    domain_probabilities: Mapping[str, float] = field(default_factory=dict)
    quadrant: Mapping[str, float] = field(default_factory=dict)


class SoundAnnotator:
    """The task bundles used by ``analyze --domain``; ``domain`` is ``auto``, ``speech`` or ``music``."""

    def __init__(
        self,
        *,
        domain: str = DomainMode.AUTO,
        valence: ModelBundle,
        arousal: ModelBundle,
        quadrant: ModelBundle,
        detector: ModelBundle | None = None,
        sound: Any = None,
    ):
        """``sound`` (a :class:`~emoscore.models.sound.SoundAffect`) gives other windows their
        valence/arousal; by default the shipped one."""
        mode = parse_domain_mode(domain)
        if mode == DomainMode.AUTO and detector is None:
            raise ConfigError("domain auto needs a domain detector model")
        self.domain: DomainMode = mode  # type: ignore[assignment]
        self.valence = _check(valence, Task.VALENCE)
        self.arousal = _check(arousal, Task.AROUSAL)
        self.quadrant = _check(quadrant, Task.QUADRANT)
        self.detector = _check(detector, Task.DOMAIN) if detector is not None else None
        self._sound = sound

    @classmethod
    def from_names(
        cls, domain: str = DomainMode.AUTO, model: str | Path | ModelBundle = "default"
    ) -> SoundAnnotator:
        """The committed task bundles a domain mode uses beside the emotion ``model``
        (:func:`task_models`)."""
        names = task_models(domain, model)
        return cls(
            domain=domain,
            **{
                arg: load_model(names[task], task=task)
                for arg, task in ANNOTATOR_TASKS.items()
                if task in names
            },
        )

    @property
    def bundles(self) -> dict[str, ModelBundle]:
        out = {"valence": self.valence, "arousal": self.arousal, "quadrant": self.quadrant}
        if self.detector is not None:
            out["domain"] = self.detector
        return out

    def models_info(self) -> dict[str, str]:
        """Which model produced which output (for the timeline's JSON)."""
        out = {task: _tag(b) for task, b in self.bundles.items()}
        if self.detector is not None:
            out["sound"] = self.sound_model
        return out

    @property
    def sound_affect(self) -> Any:
        """The model of other windows' valence/arousal (loaded on first use)."""
        if self._sound is None:
            from emoscore.models.sound import SoundAffect

            self._sound = SoundAffect.load()
        return self._sound

    @property
    def sound_model(self) -> str:
        """The model behind other windows' valence/arousal (their ``va_model``)."""
        return str(self.sound_affect.tag)

    def sound(self, windows: Sequence[np.ndarray], rate: int) -> list[tuple[float, float]]:
        """(valence, arousal) in [0, 1] of windows holding other sounds (not speech, not music),
        from their acoustic descriptors."""
        if not windows:
            return []
        valence, arousal = self.sound_affect.predict_audio(windows, rate)
        return [(float(v), float(a)) for v, a in zip(valence, arousal, strict=True)]

    @property
    def va_model(self) -> str:
        """The models behind the trained valence/arousal (a segment's ``va_model``)."""
        return f"{_tag(self.valence)} / {_tag(self.arousal)}"

    def _features(
        self,
        bundle: ModelBundle,
        windows: Sequence[np.ndarray],
        rate: int,
        memo: dict[Any, list[np.ndarray | None]],
        denoise: bool,
        which: Sequence[int] | None = None,
    ) -> np.ndarray:
        """``bundle``'s features of the windows ``which`` (default: all) as an object array of
        (windows, d) matrices. Each window's features are computed at most once per extractor, into
        ``memo`` (a list over ``windows``, ``None`` where not computed), and only for the windows
        asked for: the music models run on a batch's music windows, not on its speech."""
        ext = bundle.extractor
        settings = replace(bundle.preprocessing, denoise=True) if denoise else bundle.preprocessing
        rows = list(range(len(windows))) if which is None else list(which)
        # preprocessed once per window and settings, whichever bundle asks first (denoising is costly)
        prepared = memo.setdefault(("preprocessed", settings), [None] * len(windows))
        for i in rows:
            if prepared[i] is None:
                prepared[i] = preprocess_clip(windows[i], settings, name="window")
        clips = {i: np.asarray(prepared[i]) for i in rows}
        single = isinstance(ext, WindowedExtractor) and all(
            len(excerpt_spans(len(c), rate, ext.window, ext.max_windows)) == 1 for c in clips.values()
        )
        # a window the model sees whole is just the base feature set: share it between bundles
        key = (ext.base, settings) if single else (ext, settings)  # type: ignore[union-attr]
        if key not in memo and single:
            shared = _from_concat(memo, ext.base, settings)  # type: ignore[union-attr]
            if shared is not None:
                memo[key] = shared
        feats = memo.setdefault(key, [None] * len(windows))
        missing = [i for i in rows if feats[i] is None]
        if missing:
            base = ext.base if single else ext  # type: ignore[union-attr]
            for i, f in zip(missing, base.batch([clips[i] for i in missing], rate), strict=True):
                feats[i] = f
        X = np.empty(len(rows), dtype=object)
        for j, i in enumerate(rows):
            X[j] = np.atleast_2d(np.asarray(feats[i]))
        return X

    def detect(
        self,
        windows: Sequence[np.ndarray],
        rate: int,
        *,
        memo: dict[Any, list[np.ndarray | None]] | None = None,
        denoise: bool = False,
    ) -> list[tuple[str, dict[str, float]]]:
        """(domain, detector probabilities) of each window: under ``auto`` speech when the
        detector gives it at least :data:`SPEECH_THRESHOLD`, else the likelier of music and
        other; otherwise the fixed domain (and no probabilities)."""
        if self.detector is None:
            return [(self.domain.value, {}) for _ in windows]
        if not windows:
            return []
        memo = {} if memo is None else memo
        proba = self.detector.predict_proba(self._features(self.detector, windows, rate, memo, denoise))
        labels = list(self.detector.labels)
        speech = labels.index(Domain.SPEECH) if Domain.SPEECH in labels else None
        out = []
        for p in proba:
            if speech is not None and p[speech] >= SPEECH_THRESHOLD:
                choice = labels[speech]
            else:
                rest = [i for i in range(len(labels)) if i != speech]
                choice = labels[max(rest, key=lambda i: p[i])]
            out.append((choice, {lab: round(float(x), 6) for lab, x in zip(labels, p, strict=True)}))
        return out

    def music(
        self,
        windows: Sequence[np.ndarray],
        rate: int,
        *,
        which: Sequence[int] | None = None,
        memo: dict[Any, list[np.ndarray | None]] | None = None,
        denoise: bool = False,
    ) -> list[tuple[float, float, dict[str, float]]]:
        """(valence, arousal, quadrant probabilities) of the music windows ``which`` of ``windows``:
        valence and arousal are P(high) of the trained models, in [0, 1]."""
        rows = list(range(len(windows))) if which is None else list(which)
        if not rows:
            return []
        memo = {} if memo is None else memo

        def proba(b: ModelBundle) -> np.ndarray:
            return b.predict_proba(self._features(b, windows, rate, memo, denoise, rows))

        val = proba(self.valence)[:, list(self.valence.labels).index("high")]
        aro = proba(self.arousal)[:, list(self.arousal.labels).index("high")]
        quad = proba(self.quadrant)
        return [
            (
                float(val[j]),
                float(aro[j]),
                {lab: round(float(p), 6) for lab, p in zip(self.quadrant.labels, quad[j], strict=True)},
            )
            for j in range(len(rows))
        ]

    def annotate(
        self,
        windows: Sequence[np.ndarray],
        rate: int,
        *,
        memo: dict[Any, list[np.ndarray | None]] | None = None,
        denoise: bool = False,
    ) -> list[WindowAnnotation]:
        """Domain, trained valence/arousal and (music windows) quadrant of raw window samples (at
        ``rate``, before preprocessing), as the music model sees them.

        ``memo`` maps ``(extractor, preprocessing)`` to features already computed for these
        windows (the emotion model's), so they are not computed again.
        """
        memo = {} if memo is None else memo
        found = self.detect(windows, rate, memo=memo, denoise=denoise)
        affect = self.music(windows, rate, memo=memo, denoise=denoise)
        return [
            WindowAnnotation(v, a, dom, probs, quad if dom == Domain.MUSIC else {})
            for (dom, probs), (v, a, quad) in zip(found, affect, strict=True)
        ]
