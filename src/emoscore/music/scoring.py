"""Timeline + settings → score artefacts: the one scoring call under the CLI, the web app and batch.

For each method it composes the interval score and writes ``<name>.<method>.mid``; then the
intervals document ``<name>.intervals.json`` (steps, CC numbers, the A-vs-B comparison); with
``render`` a 44.1 kHz / 24-bit WAV per method, with ``mix`` that WAV ducked under the original
sound, with ``video`` the video with the scored sound track. Every file is written atomically;
the dialogue source is checked before anything is written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emoscore.atomic import atomic_output
from emoscore.errors import AudioError, ConfigError
from emoscore.music.compare import compare_sequences
from emoscore.music.maps import EmotionMap, RegionMap, load_map, map_method
from emoscore.music.midi import NotePair, write_midi
from emoscore.music.score import DEFAULT_PROGRAM, DEFAULT_ROOT, Score, compose, parse_root
from emoscore.timeline import Timeline
from emoscore.vocabulary import ComposeMethod, methods_label, parse_methods

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm")

#: artefact kind → (file name suffix after ``<name>[.<method>]``, media type)
ARTEFACT_KINDS: dict[str, tuple[str, str]] = {
    "midi": (".mid", "audio/midi"),
    "wav": (".wav", "audio/wav"),
    "mix": (".mix.wav", "audio/wav"),
    "video": ("", "video/*"),  # the video's own suffix
    "intervals": (".intervals.json", "application/json"),
}
VIDEO_MEDIA_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
}


@dataclass(frozen=True)
class ScoreSettings:
    """How to score a timeline (checked on creation); ``mix`` implies ``render``, ``video`` ``mix``.

    >>> s = ScoreSettings(methods="both", video=True)
    >>> s.methods, s.render, s.mix
    ((<ComposeMethod.A: 'A'>, <ComposeMethod.B: 'B'>), True, True)
    """

    methods: tuple[ComposeMethod, ...] | str = (ComposeMethod.A, ComposeMethod.B)
    root: int | str = DEFAULT_ROOT
    program: int = DEFAULT_PROGRAM
    maps: Mapping[ComposeMethod, EmotionMap | RegionMap] = field(default_factory=dict)
    render: bool = False
    mix: bool = False
    video: bool = False
    soundfont: Path | None = None
    duck: float = -12.0

    def __post_init__(self) -> None:
        methods = parse_methods(self.methods)
        if not methods:
            raise ConfigError("--method: choose A, B or both")
        object.__setattr__(self, "methods", methods)
        object.__setattr__(self, "root", parse_root(self.root))
        if not 0 <= int(self.program) <= 127:
            raise ConfigError(f"--program {self.program}: General MIDI programs are 0..127")
        if not math.isfinite(float(self.duck)) or not -60.0 <= float(self.duck) <= 0.0:
            raise ConfigError(f"--duck {self.duck}: must be a level between -60 and 0 dB")
        for m in self.maps:
            if m not in methods:
                raise ConfigError(f"a method {m} map was given, but --method is {methods_label(methods)}")
        object.__setattr__(self, "video", bool(self.video))
        object.__setattr__(self, "mix", bool(self.mix or self.video))
        object.__setattr__(self, "render", bool(self.render or self.mix))

    @property
    def label(self) -> str:
        """``both``, ``A`` or ``B``."""
        return methods_label(self.methods)  # type: ignore[arg-type]


def load_user_maps(files: tuple[Path, ...] | list[Path]) -> dict[ComposeMethod, EmotionMap | RegionMap]:
    """User map files by method (each file's method read from its content)."""
    chosen: dict[ComposeMethod, EmotionMap | RegionMap] = {}
    for f in files:
        m = ComposeMethod(map_method(f))
        if m in chosen:
            raise ConfigError(f"{f}: a second --map for method {m}")
        chosen[m] = load_map(m, f)
    return chosen


@dataclass(frozen=True)
class Artefact:
    """One written file: its kind (midi, wav, mix, video, intervals), method and media type."""

    kind: str
    method: str | None
    path: Path
    media_type: str

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass(frozen=True)
class ScoreResult:
    """The scores, the intervals document and every file written."""

    scores: Mapping[ComposeMethod, Score]
    document: dict[str, Any]
    artefacts: tuple[Artefact, ...]
    engine: str | None = None

    def path(self, kind: str, method: str | None = None) -> Path | None:
        for a in self.artefacts:
            if a.kind == kind and a.method == method:
                return a.path
        return None


def check_dialogue(audio: str | Path | None, *, video: bool, container: str | None = None) -> Path:
    """The original sound for ``mix``/``video``: it must exist and (for video) be a video, whose
    container is its suffix or ``container`` (for files stored without a telling name)."""
    from emoscore.audio.decode import probe_audio

    if audio is None:
        raise AudioError("the original audio is needed for --mix/--video but none is known")
    src = Path(audio)
    if not src.is_file():
        raise AudioError(f"{src}: the original audio is needed for --mix/--video but is not found")
    if video and (container or src.suffix).lower() not in VIDEO_SUFFIXES:
        raise ConfigError(f"{src}: --video needs a video input ({', '.join(VIDEO_SUFFIXES)})")
    probe_audio(src)  # a video without sound fails here, before anything is written
    return src


def _write_json(path: Path, doc: dict[str, Any]) -> Path:
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return path


def score_timeline(
    timeline: Timeline,
    settings: ScoreSettings,
    out_dir: str | Path,
    *,
    name: str | None = None,
    audio: str | Path | None = None,
    container: str | None = None,
) -> ScoreResult:
    """Compose, write and (as ``settings`` ask) render, mix and mux ``timeline``'s score.

    ``name`` prefixes every file (default: the input's stem); ``audio`` is the original sound
    for ``mix``/``video`` (default: where the timeline's audio is), ``container`` its video
    suffix when its own name has none.
    """
    methods: tuple[ComposeMethod, ...] = settings.methods  # type: ignore[assignment]
    root = int(settings.root)
    dialogue = None
    if settings.mix:
        source = audio if audio is not None else timeline.source_path
        dialogue = check_dialogue(source, video=settings.video, container=container)
    video_suffix = (container or (dialogue.suffix if dialogue is not None else "")).lower()
    scores = {
        m: compose(timeline, m, mapping=settings.maps.get(m), root=root, program=settings.program)
        for m in methods
    }
    out = Path(out_dir)
    stem = name or Path(timeline.input).stem or "emoscore"
    artefacts: list[Artefact] = []

    def add(kind: str, method: str | None, path: str | Path) -> Path:
        p = Path(path)
        media = (
            VIDEO_MEDIA_TYPES.get(p.suffix.lower(), "video/*") if kind == "video" else ARTEFACT_KINDS[kind][1]
        )
        artefacts.append(Artefact(kind, method, p, media))
        return p

    doc: dict[str, Any] = {
        "input": timeline.input,
        "model": {
            "name": timeline.model.name,
            "version": timeline.model.version,
            "labels": list(timeline.labels),
        },
        "window": timeline.window,
        "hop": timeline.hop,
        "root": root,
        "program": settings.program,
        "cc": dict(next(iter(scores.values())).cc_numbers),
        "methods": {},
    }
    for m, score in scores.items():
        mid = add("midi", m, write_midi(score, out / f"{stem}.{m}{ARTEFACT_KINDS['midi'][0]}"))
        doc["methods"][m.value] = {
            "track": score.title,
            "map": settings.maps[m].origin if m in settings.maps else "shipped",
            "midi": mid.name,
            "steps": [s.to_dict() for s in score.steps],
        }
    if len(scores) == 2:
        pairs = {m: [NotePair(s.start, s.end, *s.notes) for s in sc.steps] for m, sc in scores.items()}
        doc["comparison"] = compare_sequences(pairs[ComposeMethod.A], pairs[ComposeMethod.B]).to_dict()
    engine = None
    if settings.render:
        from emoscore.music.mixing import mix_under_speech, mux_video
        from emoscore.music.render import render_midi

        for m in scores:
            midi = out / f"{stem}.{m}{ARTEFACT_KINDS['midi'][0]}"
            r = render_midi(midi, out / f"{stem}.{m}{ARTEFACT_KINDS['wav'][0]}", soundfont=settings.soundfont)
            engine = r.engine
            add("wav", m, r.path)
            if dialogue is not None:
                mx = mix_under_speech(
                    r.path, dialogue, out / f"{stem}.{m}{ARTEFACT_KINDS['mix'][0]}", duck_db=settings.duck
                )
                add("mix", m, mx.path)
                if settings.video:
                    add("video", m, mux_video(dialogue, mx.path, out / f"{stem}.{m}{video_suffix}"))
        doc["engine"] = engine
    add("intervals", None, _write_json(out / f"{stem}{ARTEFACT_KINDS['intervals'][0]}", doc))
    return ScoreResult(scores, doc, tuple(artefacts), engine)
