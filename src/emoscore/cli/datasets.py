"""``emoscore datasets list|describe`` and ``emoscore models list``: what data and models exist."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from emoscore.errors import DataError

_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
_DATA_ROOT = click.option(
    "--data-root",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Folder holding the corpora (default: $EMOSCORE_DATA, else ../shared/data).",
)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = [{c: c for c in columns}, *rows]
    return "\n".join("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns).rstrip() for r in lines)


@click.group()
def datasets() -> None:
    """Speech emotion corpora: which are known, which are present, what they hold."""


@datasets.command("list")
@_DATA_ROOT
@_FORMAT
def list_datasets(data_root: str | None, fmt: str) -> None:
    """Known corpora and whether each is found under the data root."""
    from emoscore.corpora import corpus_catalog, find_corpus_folder, load_corpus
    from emoscore.corpora.music import midi_clip_count

    if data_root is not None and not Path(data_root).is_dir():
        raise DataError(f"{data_root}: data root not found")
    rows = []
    for info in corpus_catalog().values():
        row: dict[str, Any] = {"name": info.name, "found": False, "clips": None, "folder": None}
        try:
            folder = find_corpus_folder(info, data_root)
            if folder is not None:
                # MIDI corpora are counted, not rendered: listing must not start an hour of FluidSynth
                clips = midi_clip_count(info.name, folder)
                if clips is None:
                    clips = len(load_corpus(info.name, data_root))
                row.update(found=True, folder=str(folder), clips=clips)
        except DataError as exc:
            row["problem"] = str(exc)
        row.update(licence=info.licence, title=info.title)
        rows.append(row)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    shown = [
        {
            **r,
            "found": "yes" if r["found"] else "no",
            "clips": r["clips"] if r["clips"] is not None else "-",
            "folder": r["folder"] or "-",
            "licence": r["licence"].split(" (")[0].split(";")[0],
        }
        for r in rows
    ]
    click.echo(_table(shown, ["name", "found", "clips", "folder", "licence"]))
    problems = sorted({r["problem"] for r in rows if "problem" in r})
    for problem in problems:
        click.echo(f"note: {problem}")


@datasets.command("describe")
@click.argument("name")
@_DATA_ROOT
@_FORMAT
@click.option("--durations/--no-durations", default=True, help="Sum clip durations from file headers.")
def describe(name: str, data_root: str | None, fmt: str, durations: bool) -> None:
    """Summarise corpus NAME (a known name, comma-separated names, a manifest .csv or a label folder)."""
    from emoscore.corpora import describe_corpus, load_corpora

    summary = describe_corpus(load_corpora(name, data_root), durations=durations)
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"corpora   {', '.join(summary['corpora'])}")
    click.echo(f"clips     {summary['clips']}")
    click.echo(f"speakers  {summary['speakers']}")
    if "duration_s" in summary:
        unreadable = f" ({summary['unreadable']} unreadable)" if summary["unreadable"] else ""
        seconds = summary["duration_s"]
        shown = f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
        click.echo(f"duration  {shown}{unreadable}")
    total = summary["clips"]
    rows = [
        {"label": k, "clips": v, "share": f"{100 * v / total:.1f}%"} for k, v in summary["labels"].items()
    ]
    click.echo("")
    click.echo(_table(rows, ["label", "clips", "share"]))
    click.echo("")
    for corpus, licence in summary["licences"].items():
        click.echo(f"licence   {corpus}: {licence}")
    for msg in summary.get("bad_rows", []):
        click.echo(f"bad row   {msg}")


@click.group()
def models() -> None:
    """Trained model bundles: the shipped ones and any registered."""


@models.command("list")
@_FORMAT
def list_models(fmt: str) -> None:
    """Models that ``analyze --model NAME`` accepts."""
    from emoscore.models.registry import list_models as registry_models

    entries = registry_models()
    if fmt == "json":
        click.echo(json.dumps(entries, indent=2, default=str))
        return
    if not entries:
        click.echo("no models found")
        return
    rows = [{**e, "labels": len(e.get("labels") or ())} for e in entries]
    click.echo(_table(rows, ["name", "version", "task", "feature_set", "labels", "description"]))
