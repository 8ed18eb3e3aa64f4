"""``emoscore experiment``: the reference papers' experiments on emoscore's corpora and models."""

from __future__ import annotations

from pathlib import Path

import click

from emoscore.cli.output import dumps, write_atomic


def _ratios(text: str) -> tuple[float, ...]:
    from emoscore.errors import ConfigError

    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ConfigError(f"{text!r}: mixing ratios must be numbers in [0, 1], comma separated") from None
    if not values or not all(0.0 <= v <= 1.0 for v in values):
        raise ConfigError(f"{text!r}: mixing ratios must be numbers in [0, 1], comma separated")
    return values


def _names(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _emit(table, fmt: str, output: Path | None) -> None:  # type: ignore[no-untyped-def]
    text = (
        dumps(table.to_dict(orient="records"))
        if fmt == "json"
        else table.to_string(index=False, float_format=lambda v: f"{v:.3f}") + "\n"
    )
    click.echo(text, nl=False)
    if output is not None:
        suffix = output.suffix.lower()
        body = table.to_csv(index=False) if suffix == ".csv" else dumps(table.to_dict(orient="records"))
        click.echo(f"wrote {write_atomic(output, body)}", err=True)


_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True
)
_OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the table (.csv or .json).",
)
_ROOT = click.option("--data-root", type=click.Path(path_type=Path, file_okay=False), default=None)
_JOBS = click.option(
    "--jobs", type=int, default=1, show_default=True, help="Processes for feature extraction."
)


@click.group()
def experiment() -> None:
    """Reproduce the papers' experiments (transfer: paper 003; joint: paper 004; music checks)."""


@experiment.command()
@click.option("--source", default="ravdess,emodb", show_default=True, help="Speech corpora (training).")
@click.option("--target", default="mer-4q", show_default=True, help="Music corpora (testing).")
@click.option("--tasks", default="quadrant,arousal,valence", show_default=True)
@click.option("--folds", type=int, default=5, show_default=True)
@_ROOT
@_JOBS
@_FORMAT
@_OUTPUT
def transfer(
    source: str,
    target: str,
    tasks: str,
    folds: int,
    data_root: Path | None,
    jobs: int,
    fmt: str,
    output: Path | None,
) -> None:
    """SER→MER vs MER→MER accuracy with the random baseline (paper 003 table 5.1)."""
    from emoscore.experiments.transfer import run_transfer

    table = run_transfer(
        _names(source),
        _names(target),
        tasks=_names(tasks),
        data_root=data_root,
        folds=folds,
        n_jobs=jobs,
        notify=lambda m: click.echo(m, err=True),
    )
    _emit(table, fmt, output)


@experiment.command()
@click.option(
    "--task",
    type=click.Choice(("binary", "regression")),
    default="binary",
    show_default=True,
    help="binary: low/high accuracy; regression: ElasticNet/SVR on PCA, RMSE/R²/CCC (paper 004).",
)
@click.option(
    "--a", "a", default=None, help="Data set A [binary: ravdess,emodb; regression: emomusic curve windows]."
)
@click.option("--b", "b", default=None, help="Data set B [binary: mer-4q; regression: ravdess,emodb].")
@click.option(
    "--k", "k", default=None, help="Shares of A in training, in [0, 1] [0,0.5,1; regression 0.5,1]."
)
@click.option("--p", "p", default="0,0.5,1", show_default=True, help="Shares of B in training, in [0, 1].")
@click.option("--folds", type=int, default=5, show_default=True)
@click.option("--features", default="egemaps", show_default=True, help="Regression: openSMILE feature set.")
@click.option("--window", type=float, default=3.0, show_default=True, help="Regression: emoMusic window, s.")
@click.option(
    "--pca", type=float, default=0.95, show_default=True, help="Regression: PCA variance share or components."
)
@_ROOT
@_JOBS
@_FORMAT
@_OUTPUT
def joint(
    task: str,
    a: str | None,
    b: str | None,
    k: str | None,
    p: str,
    folds: int,
    features: str,
    window: float,
    pca: float,
    data_root: Path | None,
    jobs: int,
    fmt: str,
    output: Path | None,
) -> None:
    """Joint learning k × A + p × B, tested on A and B per dimension (paper 004 tables 1–2)."""
    notify = lambda m: click.echo(m, err=True)  # noqa: E731
    if task == "regression":
        from emoscore.experiments.joint_regression import run_joint_regression

        table = run_joint_regression(
            _names(a or "emomusic"),
            _names(b or "ravdess,emodb"),
            ks=_ratios(k or "0.5,1"),
            ps=_ratios(p),
            features=features,
            window=window,
            n_components=int(pca) if pca >= 1 else pca,
            folds=folds,
            data_root=data_root,
            n_jobs=jobs,
            notify=notify,
        )
        _emit(table, fmt, output)
        return
    from emoscore.experiments.joint import run_joint

    table = run_joint(
        _names(a or "ravdess,emodb"),
        _names(b or "mer-4q"),
        ks=_ratios(k or "0,0.5,1"),
        ps=_ratios(p),
        folds=folds,
        data_root=data_root,
        n_jobs=jobs,
        notify=notify,
    )
    _emit(table, fmt, output)


@experiment.command()
@click.option("--extra", default="", help="Other quadrant corpora added to EMOPIA's training songs.")
@click.option("--max-windows", type=int, default=2, show_default=True, help="4-s windows per clip.")
@_ROOT
@_JOBS
@_FORMAT
@_OUTPUT
def emopia(
    extra: str, max_windows: int, data_root: Path | None, jobs: int, fmt: str, output: Path | None
) -> None:
    """Quadrant WA/UA on EMOPIA's official song-level test split (rendered MIDI)."""
    import pandas as pd

    from emoscore.experiments.music import emopia_split

    res = emopia_split(
        data_root=data_root,
        extra_corpora=tuple(_names(extra)),
        max_windows=max_windows,
        n_jobs=jobs,
        notify=lambda m: click.echo(m, err=True),
    )
    keys = ("n", "wa", "ua", "macro_f1", "chance_wa", "chance_ua", "n_train", "songs_test")
    _emit(pd.DataFrame([{k: res.get(k) for k in keys}]), fmt, output)


@experiment.command()
@click.option("--window", type=float, default=4.0, show_default=True)
@click.option("--hop", type=float, default=1.0, show_default=True)
@click.option(
    "--smooth", type=float, default=0.0, show_default=True, help="Moving average of the prediction, s."
)
@_ROOT
@_FORMAT
@_OUTPUT
def curves(
    window: float, hop: float, smooth: float, data_root: Path | None, fmt: str, output: Path | None
) -> None:
    """Pearson r of predicted vs human valence/arousal curves on the emoMusic clips."""
    from emoscore.experiments.music import curve_correlations

    _emit(curve_correlations(data_root=data_root, window=window, hop=hop, smooth=smooth), fmt, output)
