"""The analysis options ``analyze`` and ``batch`` share, defined once: what a window is and what
the recogniser reads in it (model, window, hop, domain mode, smoothing, words)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from emoscore.vocabulary import (
    ASR_MODELS,
    DEFAULT_WINDOW,
    DOMAIN_MODES,
    MAX_WINDOW,
    MIN_WINDOW,
    SMOOTHINGS,
    AsrModel,
    DomainMode,
    Smoothing,
)

ANALYSIS_OPTIONS: tuple[Callable[[Any], Any], ...] = (
    click.option("--model", default="default", show_default=True, help="Shipped model name or bundle path."),
    click.option(
        "--window",
        type=float,
        default=DEFAULT_WINDOW,
        show_default=True,
        help=f"Analysis window, {MIN_WINDOW:g}–{MAX_WINDOW:g} s.",
    ),
    click.option(
        "--hop", type=float, default=None, help="Hop between windows in seconds (default: the window)."
    ),
    click.option(
        "--domain",
        default=DomainMode.AUTO.value,
        show_default=True,
        metavar="|".join(DOMAIN_MODES),
        help="auto: detect speech / music / other in every window (speech gets the speech emotion, "
        "music the music models' valence/arousal and quadrant, other sounds the sound model's "
        "valence/arousal); speech or music: treat every window as that. Silence is always detected.",
    ),
    click.option(
        "--smooth",
        default=Smoothing.OFF.value,
        show_default=True,
        metavar="|".join(SMOOTHINGS),
        help="Smooth neighbouring windows of the same domain: median (3 windows) or hmm (sticky "
        "forward-backward); off keeps the raw windows.",
    ),
    click.option(
        "--transcript",
        is_flag=True,
        help="Transcribe the speech windows (Whisper, offline): a top-level transcript of utterances "
        "{start, end, text, language} and each window's words in `text`.",
    ),
    click.option(
        "--asr-model",
        type=click.Choice(ASR_MODELS),
        default=AsrModel.BASE.value,
        show_default=True,
        help="Whisper size for --transcript and for models that read words (small needs its wheels).",
    ),
)


def analysis_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add :data:`ANALYSIS_OPTIONS` to a click command (in their listed order)."""
    for option in reversed(ANALYSIS_OPTIONS):
        command = option(command)
    return command
