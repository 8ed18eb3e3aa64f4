"""What an analysis is run with, as one validated, hashable value shared by every face.

The CLI options, the web form, the batch settings and the Python API all become an
:class:`AnalysisSettings`; its :meth:`~AnalysisSettings.key` (with the model versions) is what a
stored result is keyed by, so a changed window, hop, domain mode or model recomputes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from emoscore.vocabulary import (
    DEFAULT_WINDOW,
    AsrModel,
    DomainMode,
    Smoothing,
    Task,
    check_window,
    parse_asr_model,
    parse_domain_mode,
    parse_smoothing,
)


@dataclass(frozen=True)
class AnalysisSettings:
    """Model and windowing of an analysis (checked on creation).

    ``model`` is a shipped model name or a bundle path; ``hop`` defaults to the window;
    ``domain`` ``auto`` detects speech / music / other in every window (silence is always
    detected), ``speech`` or ``music`` fixes it; ``smooth`` smooths neighbouring windows;
    ``transcript`` transcribes the speech windows with Whisper ``asr_model`` (a model that reads
    words, such as ``multimodal``, always does).

    >>> AnalysisSettings(window=2.0).hop
    2.0
    >>> AnalysisSettings().domain, AnalysisSettings(domain="SPEECH").domain
    (<DomainMode.AUTO: 'auto'>, <DomainMode.SPEECH: 'speech'>)
    """

    model: str = "default"
    window: float = DEFAULT_WINDOW
    hop: float | None = None
    denoise: bool = False
    domain: DomainMode | str = DomainMode.AUTO
    smooth: Smoothing | str = Smoothing.OFF
    transcript: bool = False
    asr_model: AsrModel | str = AsrModel.BASE

    def __post_init__(self) -> None:
        hop = check_window(self.window, self.hop)
        object.__setattr__(self, "window", float(self.window))
        object.__setattr__(self, "hop", float(hop))
        object.__setattr__(self, "model", str(self.model))
        object.__setattr__(self, "denoise", bool(self.denoise))
        object.__setattr__(self, "domain", parse_domain_mode(self.domain) or DomainMode.AUTO)
        object.__setattr__(self, "smooth", parse_smoothing(self.smooth))
        object.__setattr__(self, "transcript", bool(self.transcript))
        object.__setattr__(self, "asr_model", parse_asr_model(self.asr_model))

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "window": self.window,
            "hop": self.hop,
            "denoise": self.denoise,
            "domain": str(self.domain),
            "smooth": str(self.smooth),
            "transcript": self.transcript,
            "asr_model": str(self.asr_model),
        }

    def model_versions(self) -> dict[str, str]:
        """``task → "name version"`` of every model these settings load, read from the bundles'
        metadata (nothing unpickled); equals :attr:`Recognizer.model_versions` once loaded."""
        from emoscore.models.bundle import read_metadata
        from emoscore.models.multimodal import needs_words
        from emoscore.models.registry import check_model_task
        from emoscore.recognize.annotate import task_models

        names = {Task.EMOTION: self.model, **task_models(self.domain, self.model)}
        out = {}
        words = self.transcript
        for task, name in names.items():
            meta = read_metadata(check_model_task(name, task))
            out[task.value] = f"{meta.get('name', 'unnamed')} {meta.get('version', '0')}"
            words = words or (task == Task.EMOTION and needs_words(meta))
        if words:
            from emoscore.features.asr import TRANSCRIPT_VERSION

            out["asr"] = f"whisper-{self.asr_model} {TRANSCRIPT_VERSION}"
        if self.domain == DomainMode.AUTO:
            from emoscore.models.sound import SoundAffect

            out["sound"] = SoundAffect.load().tag
        return out

    def key(self, model_versions: dict[str, str] | None = None) -> str:
        """A short digest of the settings and the versions of the models they load.

        >>> same = AnalysisSettings().key() == AnalysisSettings(window=4.0, hop=4.0).key()
        >>> same, AnalysisSettings().key() == AnalysisSettings(window=2).key()
        (True, False)
        >>> AnalysisSettings().key() == AnalysisSettings(transcript=True).key()
        False
        """
        # without a transcript the key is what it was before transcripts existed (stored results stay valid)
        skip = {"model"} | (set() if self.transcript else {"transcript", "asr_model"})
        data = {k: v for k, v in self.to_dict().items() if k not in skip}
        data["models"] = model_versions if model_versions is not None else {"emotion": self.model}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
