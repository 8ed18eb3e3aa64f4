"""The ``emoscore`` command: thin wrappers that parse options, call the library and print.

Each command lives in a module of this package and is loaded only when used, so
``emoscore --help`` stays fast and a command's heavy imports never slow the others.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import warnings

import click

from emoscore.errors import EmoscoreError

# command name -> "module:attribute" inside emoscore.cli
COMMANDS: dict[str, str] = {
    "analyze": "analysis:analyze",
    "train": "training:train",
    "evaluate": "training:evaluate",
    "datasets": "datasets:datasets",
    "models": "datasets:models",
    "compose": "music:compose",
    "render": "music:render",
    "compare": "music:compare",
    "maps": "music:maps",
    "stats": "music:stats",
    "live": "music:live",
    "serve": "serve:serve",
    "batch": "batch:batch",
    "experiment": "experiment:experiment",
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(f"emoscore.cli.{module}"), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="emoscore")
def cli() -> None:
    """Emotion timelines from audio and video, and film-score sketches from them."""


def _one_line_warning(message: Warning | str, *_args: object, **_kwargs: object) -> None:
    click.echo(f"emoscore: warning: {str(message).strip().splitlines()[0]}", err=True)


def _invoke(argv: list[str] | None) -> None:
    if "_EMOSCORE_COMPLETE" in os.environ:  # shell completion: click answers and exits
        cli.main(args=argv, prog_name="emoscore")
    # what cli.main does, minus the blank line click writes to stderr on Ctrl-C
    with cli.make_context("emoscore", sys.argv[1:] if argv is None else list(argv)) as ctx:
        cli.invoke(ctx)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; library errors become one line on stderr and exit status 1, warnings one line."""
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning
            _invoke(argv)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:  # one line, like every other refusal
        command = exc.ctx.command_path.removeprefix("emoscore").strip() if exc.ctx else ""
        where = f"{command}: " if command else ""
        hint = f" (see emoscore {command + ' ' if command else ''}--help)"
        click.echo(f"emoscore: {where}{exc.format_message().splitlines()[0]}{hint}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"emoscore: {exc.format_message().splitlines()[0]}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("emoscore: aborted", err=True)
        sys.exit(130)
    except EmoscoreError as exc:
        click.echo(f"emoscore: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM where a command turns it into this
        signum = int(getattr(exc, "signum", signal.SIGINT))
        if sys.stderr.isatty():
            click.echo(err=True)  # end the line the terminal's ^C echo is on
        click.echo(f"emoscore: {str(exc).strip() or 'interrupted'}", err=True)
        sys.exit(128 + signum)
    except BrokenPipeError:
        sys.exit(1)
    except OSError as exc:  # a full disk, an unwritable cache: name the path, not the exception
        if exc.filename is None or os.environ.get("EMOSCORE_DEBUG"):
            _internal(exc)
        click.echo(f"emoscore: {exc.filename}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # never a traceback for users; EMOSCORE_DEBUG=1 shows it
        _internal(exc)


def _internal(exc: BaseException) -> None:
    if os.environ.get("EMOSCORE_DEBUG"):
        raise exc
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    click.echo(
        f"emoscore: internal error: {type(exc).__name__}: {msg} (set EMOSCORE_DEBUG=1 for details)",
        err=True,
    )
    sys.exit(2)
