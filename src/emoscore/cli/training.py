"""``emoscore train`` and ``emoscore evaluate``: recipes in, bundles and honest scores out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from emoscore.cli.output import check_plot_path, check_writable, dumps, table
from emoscore.vocabulary import PROTOCOLS, SPLIT_PROTOCOLS, WINDOW_TASK_NAMES, Protocol, Task


def _report_text(result) -> str:  # type: ignore[no-untyped-def]
    r = result.report
    leak = "  (LEAKY: speakers shared between train and test)" if result.leaky else ""
    head = (
        f"{result.model} on {result.corpus}: {result.mode}, protocol {result.protocol}, "
        f"{result.folds} fold(s){leak}\n"
        f"n={r.n}  WA {r.wa:.3f}  UA {r.ua:.3f}  macro-F1 {r.macro_f1:.3f}  "
        f"chance UA {r.chance_ua:.3f}  chance WA (majority) {r.chance_wa:.3f}\n"
    )
    rows = [[lab, *row] for lab, row in zip(r.labels, r.confusion, strict=True)]
    recall = table([(k, v) for k, v in r.per_class_recall.items()], ["class", "recall"])
    return (
        head + "\nconfusion (rows true, columns predicted)\n" + table(rows, ["", *r.labels]) + "\n" + recall
    )


def _loco_text(result) -> str:  # type: ignore[no-untyped-def]
    frame = result.table()
    rows = [list(r) for r in frame.itertuples(index=False)]
    rows.append(["mean", int(frame["n"].sum()), len(result.classes), "", result.mean_ua, "", ""])
    head = (
        f"{result.model}: leave one corpus out (train on the others, test on each), "
        f"classes {', '.join(result.classes)}\n"
    )
    return head + table(rows, ["corpus", "n", "classes", "WA", "UA", "macro-F1", "chance UA"])


def _echo_bad(rows: tuple[str, ...]) -> None:
    for msg in rows:
        click.echo(f"emoscore: skipped {msg}", err=True)
    if rows:
        click.echo(f"emoscore: {len(rows)} row(s) skipped", err=True)


@click.command()
@click.option(
    "--recipe", default=None, help="Shipped recipe (default, fast) or a recipe TOML; options override it."
)
@click.option(
    "--corpus", default=None, help="Corpus name(s), comma separated (ravdess,emodb), manifest or folder."
)
@click.option(
    "--data-root",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder holding the corpora (default $EMOSCORE_DATA or ../shared/data).",
)
@click.option("--features", default=None, help="Feature set, e.g. egemaps, compare, whisper-base+egemaps.")
@click.option("--model", "kind", default=None, help="svm, mlp, knn, logreg, rf, lightgbm or cnn.")
@click.option("--labels", default=None, help="Comma-separated classes to keep (others are left out).")
@click.option(
    "--protocol",
    default=Protocol.SPEAKER_KFOLD.value,
    show_default=True,
    type=click.Choice((*SPLIT_PROTOCOLS, "none")),
    help="Cross-validation reported in the bundle.",
)
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True)
@click.option("--no-tune", is_flag=True, help="Use the first grid value instead of tuning inside the folds.")
@click.option("--name", default=None)
@click.option("--version", "version_", default=None)
@click.option("--jobs", type=int, default=1, show_default=True, help="Processes for feature extraction.")
@click.option(
    "--task",
    type=click.Choice(WINDOW_TASK_NAMES),
    default=None,
    help="Music/sound task (quadrant, valence, arousal, domain): trains on 4-s windows with the task's "
    "shipped recipe unless --recipe is given.",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True, help="Bundle file."
)
def train(
    recipe: str | None,
    corpus: str | None,
    data_root: Path | None,
    features: str | None,
    kind: str | None,
    labels: str | None,
    protocol: str,
    folds: int,
    no_tune: bool,
    name: str | None,
    version_: str | None,
    jobs: int,
    task: str | None,
    output: Path,
) -> None:
    """Train a model bundle on one or more corpora (speech emotion, or a music/sound --task)."""
    from emoscore.models.recipe import recipe_for
    from emoscore.models.training import build_estimator
    from emoscore.protocols.splits import protocol_for_task
    from emoscore.protocols.train import train_recipe

    check_writable(output, "-o")  # before training, whose work would otherwise be lost
    t = task or Task.EMOTION
    rec = recipe_for(
        t,
        recipe,
        corpora=tuple(c.strip() for c in corpus.split(",") if c.strip()) if corpus else None,
        features=features,
        model=kind,
        name=name,
        version=version_,
        labels=tuple(x.strip() for x in labels.split(",")) if labels else None,
        tune=False if no_tune else None,
    )
    build_estimator(rec)  # an unknown --model kind fails now, not after the features are computed
    run = train_recipe(
        rec,
        data_root=data_root,
        protocol=None if protocol == "none" else protocol_for_task(t, protocol),
        folds=folds,
        n_jobs=jobs,
        progress=sys.stderr.isatty(),
        notify=lambda m: click.echo(m, err=True),
    )
    _echo_bad(run.errors)
    if run.evaluation is not None:
        click.echo(_report_text(run.evaluation), err=True)
    run.bundle.save(output)
    size = output.stat().st_size / 1e6
    kind_note = f"task {t}, " if task is not None else ""
    click.echo(f"wrote {output} ({size:.1f} MB, {kind_note}labels {', '.join(run.bundle.labels)})", err=True)


@click.command()
@click.option(
    "--model",
    default=None,
    help="Shipped model name or bundle path [default: default, or the task's committed model with --task].",
)
@click.option(
    "--corpus",
    default=None,
    help="Corpus name: cross-validates the model's recipe if it trained on it, "
    "otherwise tests the model on the whole corpus. With --protocol loco: the corpora, comma separated "
    "(default: the model's training corpora).",
)
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="CSV with path,label[,speaker]; paths relative to the CSV's folder (with --protocol loco: "
    "one more held-out corpus).",
)
@click.option("--data-root", type=click.Path(path_type=Path, file_okay=False), default=None)
@click.option(
    "--protocol",
    type=click.Choice(PROTOCOLS),
    default=Protocol.SPEAKER_KFOLD.value,
    show_default=True,
    help="loco: leave one corpus out (train on the others, test on each in turn).",
)
@click.option(
    "--labels", default=None, help="--protocol loco: score only these shared classes (comma separated)."
)
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True)
@click.option(
    "--restrict-labels", is_flag=True, help="Predict only among the labels present in the test data."
)
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
@click.option(
    "--plot", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Confusion matrix PNG."
)
@click.option("--jobs", type=int, default=1, show_default=True)
@click.option(
    "--task",
    type=click.Choice(WINDOW_TASK_NAMES),
    default=None,
    help="Score a music/sound task model (labels Q1..Q4, low/high, or speech/music/other).",
)
def evaluate(
    model: str | None,
    corpus: str | None,
    manifest: Path | None,
    data_root: Path | None,
    protocol: str,
    labels: str | None,
    folds: int,
    restrict_labels: bool,
    fmt: str,
    plot: Path | None,
    jobs: int,
    task: str | None,
) -> None:
    """Score a model: WA, UA, macro-F1, confusion matrix and the chance level."""
    from emoscore.errors import ConfigError
    from emoscore.protocols.evaluate_model import evaluate_loco, evaluate_model

    check_plot_path(plot)
    if protocol == Protocol.LOCO:
        if task is not None or plot is not None:
            raise ConfigError("--protocol loco scores speech emotion models; --task and --plot do not apply")
        loco = evaluate_loco(
            model,
            corpora=[c.strip() for c in corpus.split(",") if c.strip()] if corpus else None,
            manifests=[manifest] if manifest is not None else (),
            labels=[x.strip() for x in labels.split(",") if x.strip()] if labels else None,
            data_root=data_root,
            n_jobs=jobs,
            progress=sys.stderr.isatty(),
            notify=lambda m: click.echo(f"emoscore: {m}", err=True),
        )
        _echo_bad(loco.bad_rows)
        click.echo(dumps(loco.to_dict()) if fmt == "json" else _loco_text(loco), nl=False)
        return
    if labels is not None:
        raise ConfigError("--labels applies to --protocol loco (use --restrict-labels for a held-out test)")
    result = evaluate_model(
        model,
        task=task,
        corpus=corpus,
        manifest=manifest,
        data_root=data_root,
        protocol=protocol,
        folds=folds,
        restrict_labels=restrict_labels,
        n_jobs=jobs,
        progress=sys.stderr.isatty(),
        notify=lambda m: click.echo(f"emoscore: {m}", err=True),
    )
    _echo_bad(result.bad_rows)
    click.echo(dumps(result.to_dict()) if fmt == "json" else _report_text(result), nl=False)
    if plot is not None:
        from emoscore.plots import plot_confusion

        click.echo(f"wrote {plot_confusion(result.report, plot)}", err=True)
