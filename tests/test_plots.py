"""Figures are real PNGs of the promised size that show something (no baseline images)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np

from emoscore.plots import emotion_colour, plot_confusion, plot_timeline
from emoscore.protocols.metrics import classification_report
from emoscore.timeline import ModelInfo, Segment, Timeline

DPI = 110


def timeline() -> Timeline:
    segs = []
    for k, (h, s) in enumerate([(0.1, 0.9), (0.3, 0.7), (0.8, 0.2)]):
        segs.append(Segment(2.0 * k, 2.0 * k + 2, {"happy": h, "sad": s}, 0.2 + 0.2 * k, 0.5, 0.4))
    return Timeline("scene.wav", 6.0, ModelInfo("tiny", "1", ("happy", "sad")), 2.0, 2.0, tuple(segs))


def png(path: Path) -> np.ndarray:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return mpimg.imread(path)


def test_timeline_png(tmp_path: Path) -> None:
    out = plot_timeline(timeline(), tmp_path / "sub" / "tl.png")
    assert out == tmp_path / "sub" / "tl.png"
    img = png(out)
    assert img.shape[:2] == (round(5.6 * DPI), 10 * DPI)  # domain band, speech emotion, V/A/D
    rgb = img[..., :3]
    assert rgb.std() > 0.05, "not a blank image"
    happy = np.array([int(emotion_colour("happy")[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    assert (np.abs(rgb - happy).max(axis=-1) < 0.02).sum() > 500, "happy bars drawn in their colour"


def test_confusion_png_size_follows_labels(tmp_path: Path) -> None:
    report = classification_report(list("aabbcc"), list("abbbca"))
    img = png(plot_confusion(report, tmp_path / "cm.png"))
    k = len(report.labels)
    assert img.shape[:2] == (round((1 + 0.6 * k) * DPI), round((1 + 0.7 * k) * DPI))
    assert img[..., :3].std() > 0.05
    small = classification_report(["a", "b"], ["a", "b"])
    assert png(plot_confusion(small, tmp_path / "cm2.png", title="x")).shape[1] < img.shape[1]


def test_emotion_colours_are_stable_and_unknown_labels_get_one() -> None:
    assert emotion_colour("sad") == "#1e88e5"
    assert emotion_colour("whatever", 3) == emotion_colour("whatever", 13)
