"""Pictures of a score sketch: its cues over the emotion timeline, its piano roll, and the
spectrogram of its rendering (docs/sketch.md shows all three)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from emoscore.music.sketch import Sketch
from emoscore.timeline import Timeline

PART_COLOURS = {"pad": "#4c6ef5", "bass": "#2b8a3e", "motif": "#e8590c"}


def _cue_bands(ax: Any, sketch: Sketch, *, labels: bool) -> None:
    """Each cue shaded in its interval's colour (as in the method A map), rests hatched."""
    import matplotlib

    cmap = matplotlib.colormaps["tab20"]
    for c in sketch.cues:
        ax.axvspan(c.start, c.end, color=cmap(c.semitones), alpha=0.25, lw=0)
        ax.axvline(c.start, color="black", lw=0.8)
        if labels:
            label = (
                f"cue {c.number}\n{c.emotion}\n{c.key}\n{c.tempo:.0f} BPM {c.time_signature}\n{c.interval}"
            )
            ax.text(c.start + 0.3, 0.97, label, transform=ax.get_xaxis_transform(), va="top", fontsize=7)
    for r in sketch.rests:
        ax.axvspan(r.start, r.end, color="0.85", alpha=0.6, hatch="//", lw=0)
        if labels:
            ax.text(
                r.start + 0.3,
                0.97,
                f"rest\n{r.reason}",
                transform=ax.get_xaxis_transform(),
                va="top",
                fontsize=7,
            )


def plot_cues(timeline: Timeline, sketch: Sketch, out: str | Path) -> Path:
    """Valence and arousal window by window with the sketch's cues and rests over them, and the
    tempo map below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from emoscore.atomic import save_figure

    fig, (ax, tempo) = plt.subplots(2, 1, figsize=(10, 5.2), sharex=True, height_ratios=[3, 1.3])
    segs = sorted(timeline.segments, key=lambda s: s.start)
    for key, colour in (("valence", "#c92a2a"), ("arousal", "#1864ab")):
        xs, ys = [], []
        for s in segs:
            v = getattr(s, key)
            xs += [s.start, s.end]
            ys += [np.nan, np.nan] if v is None else [v, v]
        ax.plot(xs, ys, color=colour, lw=2, label=key)
    _cue_bands(ax, sketch, labels=True)
    ax.set_ylim(0, 1.45)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_ylabel("value")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"{Path(sketch.input).name}: cues of the score sketch (method {sketch.method} intervals)")
    xs, ys = [], []
    for span in sketch.tempo_map:
        xs += [span.start, span.end]
        ys += [span.bpm, span.bpm]
    tempo.plot(xs, ys, color="black", lw=1.5)
    _cue_bands(tempo, sketch, labels=False)
    tempo.set_ylabel("BPM")
    tempo.set_xlabel("film time (s)")
    tempo.set_xlim(0, sketch.duration)
    fig.tight_layout()
    return save_figure(fig, out)


def plot_piano_roll(sketch: Sketch, out: str | Path, *, start: float = 0.0, end: float | None = None) -> Path:
    """Every note of the three parts against film time, cue starts marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from emoscore.atomic import save_figure

    end = sketch.duration if end is None else end
    fig, ax = plt.subplots(figsize=(10, 5))
    for part in sketch.parts:
        bars = [
            (sketch.seconds(n.start_tick), sketch.seconds(n.end_tick) - sketch.seconds(n.start_tick), n.pitch)
            for n in sketch.part_notes(part.role)
        ]
        for t0, dur, pitch in bars:
            if t0 < end and t0 + dur > start:
                ax.broken_barh([(t0, dur)], (pitch - 0.4, 0.8), color=PART_COLOURS.get(part.role, "grey"))
    _cue_bands(ax, sketch, labels=False)
    for c in sketch.cues:
        ax.text(
            c.start + 0.2,
            1.0,
            f"{c.number}: {c.key}",
            transform=ax.get_xaxis_transform(),
            va="bottom",
            fontsize=7,
        )
    ax.set_xlim(start, end)
    ax.set_xlabel("film time (s)")
    ax.set_ylabel("MIDI note")
    handles = [
        Patch(color=PART_COLOURS.get(p.role, "grey"), label=f"{p.name} (GM {p.program})")
        for p in sketch.parts
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(handles), fontsize=8)
    ax.set_title("piano roll", loc="left", pad=14)
    fig.tight_layout()
    return save_figure(fig, out)


def plot_spectrogram(
    wav: str | Path, out: str | Path, *, sketch: Sketch | None = None, fmax: float = 4000.0
) -> Path:
    """Log-magnitude spectrogram (dB) of a rendered sketch, up to ``fmax`` Hz on a log axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import soundfile as sf

    from emoscore.atomic import save_figure

    y, rate = sf.read(str(wav), always_2d=True)
    y = y.mean(axis=1)
    n, hop = 4096, 1024
    frames = 1 + max(0, len(y) - n) // hop
    win = np.hanning(n)
    spec = np.abs(np.fft.rfft(np.stack([y[i * hop : i * hop + n] * win for i in range(frames)]), axis=1)).T
    db = 20 * np.log10(spec / max(spec.max(), 1e-12) + 1e-9)
    freqs = np.fft.rfftfreq(n, 1 / rate)
    keep = (freqs >= 30) & (freqs <= fmax)
    times = (np.arange(frames) * hop + n / 2) / rate
    fig, ax = plt.subplots(figsize=(10, 4.5))
    mesh = ax.pcolormesh(times, freqs[keep], db[keep], shading="auto", vmin=-80, vmax=0, cmap="magma")
    ax.set_yscale("log")
    ax.set_ylabel("Hz")
    ax.set_xlabel("film time (s)")
    if sketch is not None:
        for c in sketch.cues:
            ax.axvline(c.start, color="white", lw=0.8, ls="--")
            ax.text(c.start + 0.3, fmax * 0.8, f"cue {c.number}", color="white", fontsize=7)
    fig.colorbar(mesh, ax=ax, label="dB")
    ax.set_title(f"spectrogram of {Path(wav).name}", loc="left")
    fig.tight_layout()
    return save_figure(fig, out)
