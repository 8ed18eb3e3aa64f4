"""``emoscore batch``: analyse a folder or manifest of audio/video files into Parquet or SQL."""

from __future__ import annotations

import os
from pathlib import Path

import click

from emoscore.cli.options import analysis_options
from emoscore.vocabulary import (
    COMPOSE_CHOICES,
)


@click.command()
@click.argument("input", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    help="RESULTS.parquet (a folder pandas reads as one table) or a database URL "
    "(e.g. sqlite:///emoscore.db; tables batch_results, batch_files, batch_errors).",
)
@analysis_options
@click.option(
    "--compose",
    "compose",
    default=None,
    metavar="|".join((*COMPOSE_CHOICES, "sketch")),
    help="Also write a MIDI interval sequence per file by method A, B or both, and/or a score sketch "
    "(sketch: NAME.sketch.mid + NAME.cues.csv, intervals from method A, or the one method named: "
    "B,sketch).",
)
@click.option(
    "--midi-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where --compose writes MIDI (default: RESULTS_midi/ beside a Parquet output, "
    "./batch_midi for a database), mirroring the input folder.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: the number of CPU cores).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: a process pool here; dask: a Dask cluster.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT",
    help="Join this Dask scheduler (with --engine dask); omitted: start a local cluster.",
)
@click.option(
    "--resume/--no-resume",
    default=True,
    show_default=True,
    help="Skip files already in the output with the same content hash and model name+version. "
    "--no-resume analyses every file again (each file's rows are replaced).",
)
@click.option(
    "--progress",
    "progress_mode",
    type=click.Choice(["auto", "bar", "lines"]),
    default="auto",
    show_default=True,
    help="A bar on a terminal, periodic lines otherwise.",
)
def batch(
    input: Path,
    out: str,
    model: str,
    domain: str,
    smooth: str,
    transcript: bool,
    asr_model: str,
    compose: str | None,
    midi_dir: Path | None,
    window: float,
    hop: float | None,
    workers: int | None,
    engine: str,
    scheduler: str | None,
    resume: bool,
    progress_mode: str,
) -> None:
    """Emotion timelines of every audio/video file under INPUT (a folder) or in INPUT (a manifest .csv
    with a ``path`` column), one row per window, committed file by file.

    Interrupt at any time and run the same command again to continue. Files that fail are recorded
    in the output's errors table with the reason, and counted at the end; they never stop the batch.
    """
    from emoscore.engine import run_batch

    summary = run_batch(
        input,
        out,
        model=model,
        window=window,
        hop=hop,
        domain=domain,
        smooth=smooth,
        transcript=transcript,
        asr_model=asr_model,
        compose=compose,
        midi_dir=midi_dir,
        workers=workers or os.cpu_count() or 1,
        engine=engine,
        scheduler=scheduler,
        resume=resume,
        progress={"auto": None, "bar": True, "lines": False}[progress_mode],
    )
    click.echo(
        f"{summary.analysed} analysed, {summary.skipped} already done, {summary.failed} failed "
        f"of {summary.inputs} files; {summary.windows} windows, {summary.audio_seconds / 3600:.3f} audio h "
        f"in {summary.wall_seconds:.1f} s ({summary.speed:.0f} audio h/h) with {summary.model_name} "
        f"{summary.model_version} -> {summary.out}"
    )
    if summary.failed:
        click.echo(f"{summary.failed} failed files are listed in {summary.errors}", err=True)
