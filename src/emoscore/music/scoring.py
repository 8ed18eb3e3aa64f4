"""Timeline + settings → score artefacts: the one scoring call under the CLI, the web app and batch.

In the ``intervals`` style (paper 000) it composes each method's interval score and writes
``<name>.<method>.mid``; in the ``sketch`` style it composes the score sketch (cues, harmony,
tempo map, three parts; intervals from one method) and writes ``<name>.sketch.mid`` and the cue
sheet ``<name>.cues.csv``. Then the intervals document ``<name>.intervals.json`` (steps, CC
numbers, the A-vs-B comparison, the sketch's cues); with ``render`` a 44.1 kHz / 24-bit WAV per
score, with ``mix`` that WAV ducked under the original sound, with ``video`` the video with the
scored sound track. Every file is written atomically; the dialogue source is checked before
anything is written.
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
from emoscore.music.sketch import Sketch, compose_sketch
from emoscore.music.sketch_midi import write_cue_sheet, write_sketch_midi
from emoscore.music.sketch_rules import SketchRules
from emoscore.timeline import Timeline
from emoscore.vocabulary import ComposeMethod, ComposeStyle, methods_label, parse_methods, parse_styles

#: the ``method`` of the sketch's artefacts (its MIDI, WAV, mix, video): ``<name>.sketch.mid``
SKETCH = ComposeStyle.SKETCH.value

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm")

#: artefact kind → (file name suffix after ``<name>[.<method>]``, media type)
ARTEFACT_KINDS: dict[str, tuple[str, str]] = {
    "midi": (".mid", "audio/midi"),
    "wav": (".wav", "audio/wav"),
    "mix": (".mix.wav", "audio/wav"),
    "video": ("", "video/*"),  # the video's own suffix
    "intervals": (".intervals.json", "application/json"),
    "cues": (".cues.csv", "text/csv"),
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

    ``style`` is ``intervals`` (the paper's pairs, one file per method), ``sketch`` or both. The
    sketch takes its intervals from :attr:`sketch_method`: the one method asked for, or method A
    (the paper's preferred one) with both; ``seed``, ``min_cue`` (s) and ``rules`` shape it, and
    ``program``, when not the default, replaces its pad's.

    >>> s = ScoreSettings(methods="both", video=True)
    >>> s.methods, s.render, s.mix
    ((<ComposeMethod.A: 'A'>, <ComposeMethod.B: 'B'>), True, True)
    >>> ScoreSettings(style="sketch").label, ScoreSettings(methods="B", style="intervals,sketch").label
    ('sketch', 'B+sketch')
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
    style: tuple[ComposeStyle, ...] | str = (ComposeStyle.INTERVALS,)
    seed: int = 0
    min_cue: float | None = None
    rules: SketchRules | None = None

    def __post_init__(self) -> None:
        methods = parse_methods(self.methods)
        if not methods:
            raise ConfigError("--method: choose A, B or both")
        object.__setattr__(self, "methods", methods)
        styles = parse_styles(self.style)
        object.__setattr__(self, "style", styles)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise ConfigError(f"--seed {self.seed}: must be a whole number from 0")
        if self.min_cue is not None and not (
            math.isfinite(float(self.min_cue)) and 1.0 <= float(self.min_cue) <= 600.0
        ):
            raise ConfigError(f"--cue-min {self.min_cue}: must be between 1 and 600 seconds")
        object.__setattr__(self, "root", parse_root(self.root))
        if not 0 <= int(self.program) <= 127:
            raise ConfigError(f"--program {self.program}: General MIDI programs are 0..127")
        if not math.isfinite(float(self.duck)) or not -60.0 <= float(self.duck) <= 0.0:
            raise ConfigError(f"--duck {self.duck}: must be a level between -60 and 0 dB")
        for m in self.maps:
            if m not in methods:
                raise ConfigError(f"a method {m} map was given, but --method is {methods_label(methods)}")
            if ComposeStyle.INTERVALS not in styles and m != self.sketch_method:
                raise ConfigError(
                    f"a method {m} map was given, but the sketch takes its intervals from method "
                    f"{self.sketch_method} (choose --method {m})"
                )
        object.__setattr__(self, "video", bool(self.video))
        object.__setattr__(self, "mix", bool(self.mix or self.video))
        object.__setattr__(self, "render", bool(self.render or self.mix))

    @property
    def label(self) -> str:
        """``both``, ``A`` or ``B``; with the sketch ``A+sketch``, ``B+sketch`` or ``all``, and
        ``sketch`` alone (at most 8 characters: what the store records)."""
        methods = methods_label(self.methods)  # type: ignore[arg-type]
        if ComposeStyle.SKETCH not in self.style:
            return methods
        if ComposeStyle.INTERVALS not in self.style:
            return SKETCH
        return "all" if methods == "both" else f"{methods}+{SKETCH}"

    @property
    def sketch_method(self) -> ComposeMethod:
        """Where the sketch's intervals come from: the one method asked for, else method A."""
        methods: tuple[ComposeMethod, ...] = self.methods  # type: ignore[assignment]
        return methods[0] if len(methods) == 1 else ComposeMethod.A


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
    """The scores, the sketch, the intervals document, every file written and any notices
    (one line each, e.g. a sketch that is all rests)."""

    scores: Mapping[ComposeMethod, Score]
    document: dict[str, Any]
    artefacts: tuple[Artefact, ...]
    engine: str | None = None
    sketch: Sketch | None = None
    notices: tuple[str, ...] = ()

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
    styles: tuple[ComposeStyle, ...] = settings.style  # type: ignore[assignment]
    methods: tuple[ComposeMethod, ...] = (
        settings.methods if ComposeStyle.INTERVALS in styles else ()  # type: ignore[assignment]
    )
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
    sketch = None
    if ComposeStyle.SKETCH in styles:
        sm = settings.sketch_method
        sketch = compose_sketch(
            timeline,
            sm,
            mapping=settings.maps.get(sm),
            rules=settings.rules,
            root=root,
            program=None if settings.program == DEFAULT_PROGRAM else settings.program,
            seed=settings.seed,
            min_cue=settings.min_cue,
        )
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
        "cc": dict(next(iter(scores.values())).cc_numbers if scores else sketch.cc_numbers),  # type: ignore[union-attr]
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
        # a method that rests throughout (no speech in the scene: B) has nothing to correlate
        if all(pairs.values()):
            doc["comparison"] = compare_sequences(pairs[ComposeMethod.A], pairs[ComposeMethod.B]).to_dict()
        else:
            doc["comparison"] = None
    notices: list[str] = []
    if sketch is not None:
        mid = write_sketch_midi(sketch, out / f"{stem}.{SKETCH}{ARTEFACT_KINDS['midi'][0]}")
        add("midi", SKETCH, mid)
        sheet = add("cues", None, write_cue_sheet(sketch, out / f"{stem}{ARTEFACT_KINDS['cues'][0]}"))
        sm = settings.sketch_method
        doc["sketch"] = {
            **sketch.to_dict(),
            "map": settings.maps[sm].origin if sm in settings.maps else "shipped",
            "midi": mid.name,
            "cue_sheet": sheet.name,
        }
        if sketch.notice:
            notices.append(sketch.notice)
    engine = None
    if settings.render:
        from emoscore.music.mixing import mix_under_speech, mux_video
        from emoscore.music.render import render_midi

        rendered: list[str] = [m.value for m in scores] + ([SKETCH] if sketch is not None else [])
        for who in rendered:
            midi = out / f"{stem}.{who}{ARTEFACT_KINDS['midi'][0]}"
            wav = out / f"{stem}.{who}{ARTEFACT_KINDS['wav'][0]}"
            if who == SKETCH and sketch is not None and not sketch.notes:
                add("wav", who, _write_silence(wav, sketch.duration))  # a sketch of rests sounds as silence
            elif who != SKETCH and not scores[ComposeMethod(who)].steps:
                add("wav", who, _write_silence(wav, timeline.duration))  # rests throughout (B with no speech)
            else:
                r = render_midi(midi, wav, soundfont=settings.soundfont)
                engine = r.engine
                add("wav", who, r.path)
            if dialogue is not None:
                mx = mix_under_speech(
                    wav, dialogue, out / f"{stem}.{who}{ARTEFACT_KINDS['mix'][0]}", duck_db=settings.duck
                )
                add("mix", who, mx.path)
                if settings.video:
                    add("video", who, mux_video(dialogue, mx.path, out / f"{stem}.{who}{video_suffix}"))
        doc["engine"] = engine
    add("intervals", None, _write_json(out / f"{stem}{ARTEFACT_KINDS['intervals'][0]}", doc))
    return ScoreResult(scores, doc, tuple(artefacts), engine, sketch, tuple(notices))


def _write_silence(path: Path, seconds: float) -> Path:
    """A silent 44.1 kHz / 24-bit WAV as long as the score (what a sketch of rests sounds like)."""
    import numpy as np
    import soundfile as sf

    from emoscore.music.render import SAMPLE_RATE, SUBTYPE

    with atomic_output(path) as tmp:
        silence = np.zeros((max(1, int(round(seconds * SAMPLE_RATE))), 2), "float32")
        sf.write(tmp, silence, SAMPLE_RATE, subtype=SUBTYPE)
    return path
