"""Figures users ask for: the emotion timeline, a confusion matrix and a reliability diagram
(matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from emoscore.atomic import save_figure  # noqa: E402
from emoscore.models.calibration import ReliabilityBin  # noqa: E402
from emoscore.protocols.metrics import ClassificationReport  # noqa: E402
from emoscore.timeline import Timeline  # noqa: E402
from emoscore.vocabulary import Domain  # noqa: E402

EMOTION_COLOURS = {
    "neutral": "#9e9e9e",
    "calm": "#80cbc4",
    "happy": "#fdd835",
    "sad": "#1e88e5",
    "angry": "#e53935",
    "fearful": "#8e24aa",
    "disgust": "#6d8b3a",
    "surprised": "#fb8c00",
    "boredom": "#795548",
}


def emotion_colour(label: str, index: int = 0) -> str | tuple[float, float, float, float]:
    return EMOTION_COLOURS.get(label, plt.get_cmap("tab10")(index % 10))


DOMAIN_COLOURS = {
    Domain.SPEECH.value: "#1e88e5",
    Domain.MUSIC.value: "#8e24aa",
    Domain.OTHER.value: "#fb8c00",
    Domain.SILENCE.value: "#e0e0e0",
}


def plot_timeline(timeline: Timeline, path: str | Path) -> Path:
    """What each window holds (a domain band), the speech emotion's stacked class probabilities
    (only on speech windows), and valence/arousal/dominance where a model gave them."""
    labels = list(timeline.labels)
    segs = timeline.segments
    starts = np.array([s.start for s in segs])
    widths = np.array([s.end - s.start for s in segs])
    fig, (band, ax1, ax2) = plt.subplots(
        3, 1, figsize=(10, 5.6), sharex=True, height_ratios=[0.35, 3, 2], layout="constrained"
    )
    shown: dict[str, bool] = {}
    for s, x, w in zip(segs, starts, widths, strict=True):
        dom = s.domain or "unknown"
        band.barh(0, w, left=x, height=1, color=DOMAIN_COLOURS.get(dom, "#bdbdbd"), edgecolor="white",
                  linewidth=0.5, label=None if dom in shown else dom)  # fmt: skip
        shown[dom] = True
        if s.top_quadrant:
            band.text(x + w / 2, 0, s.top_quadrant, ha="center", va="center", fontsize=7, color="white")
    band.set_yticks([])
    band.set_ylabel("holds", rotation=0, ha="right", va="center", fontsize=8)
    band.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    band.set_title(f"{Path(timeline.input).name} — {timeline.model.name} {timeline.model.version}")
    bottom = np.zeros(len(starts))
    for i, lab in enumerate(labels):
        p = np.array([s.probabilities.get(lab, 0.0) for s in segs])  # {} on windows without speech emotion
        ax1.bar(
            starts,
            p,
            widths,
            bottom=bottom,
            align="edge",
            color=emotion_colour(lab, i),
            label=lab,
            edgecolor="white",
            linewidth=0.5,
        )
        bottom += p
    for s in segs:
        if s.emotion is not None:
            ax1.text(s.start + (s.end - s.start) / 2, 1.02, s.emotion, ha="center", va="bottom", fontsize=8)
    ax1.set_ylim(0, 1.12)
    ax1.set_ylabel("speech emotion")
    ax1.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    mids = starts + widths / 2
    for key, colour in (("valence", "#2e7d32"), ("arousal", "#c62828"), ("dominance", "#1565c0")):
        values = np.array([np.nan if getattr(s, key) is None else getattr(s, key) for s in segs], dtype=float)
        ax2.plot(mids, values, marker="o", color=colour, label=key)  # NaN: a gap (silence)
    ax2.set_ylim(0, 1)
    ax2.axhline(0.5, color="#bbb", linewidth=0.8)
    ax2.set_xlabel("time (s)")
    ax2.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    return save_figure(fig, path, dpi=110)


def plot_confusion(report: ClassificationReport, path: str | Path, title: str = "") -> Path:
    """Row-normalised confusion matrix with counts."""
    cm = np.array(report.confusion, dtype=float)
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(1 + 0.7 * len(report.labels), 1 + 0.6 * len(report.labels)))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(report.labels)), report.labels, rotation=45, ha="right")
    ax.set_yticks(range(len(report.labels)), report.labels)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(
                j,
                i,
                str(int(cm[i, j])),
                ha="center",
                va="center",
                color="white" if norm[i, j] > 0.5 else "black",
                fontsize=8,
            )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(
        title or f"WA {report.wa:.3f}  UA {report.ua:.3f}  (chance UA {report.chance_ua:.3f})", fontsize=9
    )
    fig.tight_layout()
    return save_figure(fig, path, dpi=110)


def plot_reliability(
    curves: dict[str, list[ReliabilityBin]], path: str | Path, title: str = "Reliability"
) -> Path:
    """Reliability diagram: accuracy against stated confidence per bin, one line per curve (the
    diagonal is a model whose confidence means what it says); bar widths show how many windows."""
    fig, ax = plt.subplots(figsize=(4.6, 4.4))
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfectly calibrated")
    for name, bins in curves.items():
        used = [b for b in bins if b.n]
        ece = sum(b.n * abs(b.accuracy - b.confidence) for b in used) / max(sum(b.n for b in used), 1)
        ax.plot(
            [b.confidence for b in used],
            [b.accuracy for b in used],
            marker="o",
            label=f"{name} (ECE {ece:.3f})",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence (top class)")
    ax.set_ylabel("accuracy")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return save_figure(fig, path, dpi=110)
