"""``emoscore analyze``: the emotion timeline of one audio or video file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from emoscore.cli.options import analysis_options
from emoscore.cli.output import check_plot_path, check_writable, dumps, progress_bar, table, write_atomic
from emoscore.timeline import Timeline

FORMATS = ("json", "csv", "table")
NONE = "–"  # what the table shows where a value does not apply
TABLE_TEXT = 40  # characters of a window's words the table shows


def _cell(x: Any) -> Any:
    return NONE if x is None else x


def render_timeline(tl: Timeline, fmt: str) -> str:
    if fmt == "json":
        return dumps(tl.to_dict())
    if fmt == "csv":
        return tl.to_csv()
    rows: list[tuple[Any, ...]] = [
        (
            f"{s.start:.2f}",
            f"{s.end:.2f}",
            *map(
                _cell, (s.domain, s.emotion, s.confidence, s.valence, s.arousal, s.dominance, s.top_quadrant)
            ),
        )
        for s in tl.segments
    ]
    head_cols = ["start", "end", "domain", "emotion", "conf", "valence", "arousal", "dominance", "quadrant"]
    if tl.transcript is not None:
        head_cols.append("text")
        rows = [(*r, _short(s.text or "")) for r, s in zip(rows, tl.segments, strict=True)]
    model = f"model {tl.model.name} {tl.model.version}"
    if "models" in tl.extra:
        model += "; " + ", ".join(f"{k}: {v}" for k, v in tl.extra["models"].items() if k != "emotion")
    head = f"{tl.input}  ({tl.duration:.2f} s, {model}, window {tl.window:g} s)\n"
    return head + table(rows, head_cols)


def _short(text: str) -> str:
    return text if len(text) <= TABLE_TEXT else text[: TABLE_TEXT - 1] + "…"


def write_outputs(tl: Timeline, out: Path | None, plot: Path | None) -> list[Path]:
    """``out`` ending in .json/.csv/.txt is one file in that format; any other path is a folder
    that gets JSON, CSV and a PNG plot named after the input."""
    written: list[Path] = []
    suffix = out.suffix.lower().lstrip(".") if out is not None else ""
    if out is None:
        pass
    elif suffix in ("json", "csv", "txt"):
        # a timeline file remembers where its audio is, relative to the file's folder
        doc = tl.with_audio_relative_to(out.parent) if suffix == "json" else tl
        written.append(write_atomic(out, render_timeline(doc, {"txt": "table"}.get(suffix, suffix))))
    else:
        stem = Path(tl.input).stem
        written.append(
            write_atomic(out / f"{stem}.json", render_timeline(tl.with_audio_relative_to(out), "json"))
        )
        written.append(write_atomic(out / f"{stem}.csv", render_timeline(tl, "csv")))
        written.append(_plot(tl, out / f"{stem}.png"))
    if plot is not None:
        written.append(_plot(tl, plot))
    return written


def _plot(tl: Timeline, path: Path) -> Path:
    # matplotlib costs ~0.4 s of CPU to import: only when a plot is written
    from emoscore.plots import plot_timeline

    return plot_timeline(tl, path)


@click.command()
@click.argument("input", type=click.Path(path_type=Path))
@analysis_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="A .json/.csv/.txt file, or a folder that receives JSON, CSV and a PNG plot.",
)
@click.option(
    "--plot", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Timeline plot PNG."
)
@click.option("--denoise", is_flag=True, help="Spectral-gating noise reduction before analysis.")
def analyze(
    input: Path,
    model: str,
    window: float,
    hop: float | None,
    fmt: str,
    output: Path | None,
    plot: Path | None,
    denoise: bool,
    domain: str,
    smooth: str,
    transcript: bool,
    asr_model: str,
) -> None:
    """Emotion timeline of INPUT (audio, or a video's sound track)."""
    from emoscore.audio import probe_audio
    from emoscore.recognize import AnalysisSettings, analyze

    settings = AnalysisSettings(
        model=model,
        window=window,
        hop=hop,
        denoise=denoise,
        domain=domain,
        smooth=smooth,  # type: ignore[arg-type]
        transcript=transcript,
        asr_model=asr_model,
    )
    # outputs are checked before the analysis, whose result would otherwise be lost
    out_is_file = output is not None and output.suffix.lower() in (".json", ".csv", ".txt")
    check_writable(output, "-o", folder=output is not None and not out_is_file)
    check_plot_path(plot)
    info = probe_audio(input)
    bar = progress_bar(info.duration or 0.0, "analyzing") if info.duration else None
    done = [0.0]

    def advance(t: float) -> None:
        if bar is not None:
            bar.update(round(t - done[0], 1))
            done[0] = t

    try:
        tl = analyze(input, settings, progress=advance)
    finally:
        if bar is not None:
            bar.close()
    click.echo(render_timeline(tl, fmt), nl=False)
    for p in write_outputs(tl, output, plot):
        click.echo(f"wrote {p}", err=True)
