"""``emoscore serve``: the web page and REST API (FastAPI on uvicorn)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from emoscore.errors import ConfigError
from emoscore.vocabulary import DOMAIN_MODES, DomainMode


def _model_option(values: tuple[str, ...]) -> dict[str, Path]:
    out = {}
    for v in values:
        name, sep, path = v.partition("=")
        if not sep or not name or not path:
            raise ConfigError(f"--model {v!r}: expected NAME=PATH to a model bundle")
        if not Path(path).is_file():
            raise ConfigError(f"--model {v!r}: {path} is not a file")
        out[name] = Path(path).resolve()
    return out


def _temp_in(folder: Path) -> None:
    """Every temporary file of the server and its workers (upload spools included) goes into the
    data folder, not the system's /tmp."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{folder}: cannot create the temporary folder ({exc.strerror})") from None
    os.environ["TMPDIR"] = str(folder)  # inherited by the spawned workers and FFmpeg
    tempfile.tempdir = str(folder)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Uploads, artifacts, SQLite database [default: $EMOSCORE_DATA_DIR or ~/.local/share/emoscore].",
)
@click.option(
    "--db", "db_url", default=None, help="SQLAlchemy URL [default: sqlite:///DATA_DIR/emoscore.db]."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=min(2, os.cpu_count() or 1),
    show_default=True,
    help="Analysis worker processes (each loads a model once).",
)
@click.option(
    "--max-upload-mb", type=float, default=200.0, show_default=True, help="Largest upload (413 above)."
)
@click.option(
    "--max-duration",
    type=float,
    default=1800.0,
    show_default=True,
    help="Longest input, seconds (422 above).",
)
@click.option(
    "--max-jobs", type=int, default=200, show_default=True, help="Jobs waiting at once (429 above)."
)
@click.option("--default-model", default="default", show_default=True, help="Model used when none is chosen.")
@click.option(
    "--domain",
    "default_domain",
    type=click.Choice(DOMAIN_MODES),
    default=DomainMode.AUTO.value,
    show_default=True,
    help="Sound type used when an upload names none (auto detects speech / music / other per window).",
)
@click.option("--model", "extra_models", multiple=True, help="Offer another bundle: NAME=PATH (repeatable).")
@click.option(
    "--token",
    envvar="EMOSCORE_TOKEN",
    default=None,
    help="Access token (prefer $EMOSCORE_TOKEN: argv is visible to other users); required when "
    "--host is not loopback. Clients send 'Authorization: Bearer TOKEN'; the page: open /?token=TOKEN once.",
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    help="Another name clients reach the server by (the Host header), besides localhost and --host; "
    "repeatable; * allows any.",
)
@click.option(
    "--max-compose", type=int, default=8, show_default=True, help="Compositions waiting at once (429 above)."
)
@click.option(
    "--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]), default="info"
)
def serve(
    host: str,
    port: int,
    data_dir: Path | None,
    db_url: str | None,
    workers: int,
    max_upload_mb: float,
    max_duration: float,
    max_jobs: int,
    default_model: str,
    default_domain: str,
    extra_models: tuple[str, ...],
    token: str | None,
    allowed_hosts: tuple[str, ...],
    max_compose: int,
    log_level: str,
) -> None:
    """Serve the web page and REST API (OpenAPI docs at /docs)."""
    try:
        import uvicorn

        from emoscore.web import ServerConfig, create_app
    except ImportError as exc:
        raise ConfigError(
            f"the web server needs the 'web' extra: pip install 'emoscore[web]' ({exc})"
        ) from None
    from emoscore.store import Store

    config = ServerConfig(
        **({"data_dir": data_dir} if data_dir else {}),
        db_url=db_url,
        workers=workers,
        max_upload_mb=max_upload_mb,
        max_duration=max_duration,
        max_active_jobs=max_jobs,
        default_model=default_model,
        default_domain=default_domain,
        models=_model_option(extra_models),
        host=host,
        token=token,
        allowed_hosts=allowed_hosts,
        max_compose_jobs=max_compose,
    )
    Store(config.database_url).close()  # a bad or outdated --db fails here, as one line
    _temp_in(config.temp_dir)
    click.echo(f"emoscore: serving on http://{host}:{port} (data in {config.data_dir})", err=True)
    uvicorn.run(create_app(config), host=host, port=port, log_level=log_level)
