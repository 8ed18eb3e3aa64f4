"""Settings of one ``emoscore serve`` instance, as data."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from emoscore.errors import ConfigError
from emoscore.vocabulary import DomainMode, parse_domain_mode

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
MIN_TOKEN_LENGTH = 16
TOKEN_CHARS = re.compile(r"[A-Za-z0-9._~-]+")  # safe in a header, a cookie and a URL
TOKEN_HINT = "python -c 'import secrets; print(secrets.token_urlsafe())'"


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def default_data_dir() -> Path:
    """``$EMOSCORE_DATA_DIR``, else ``$XDG_DATA_HOME/emoscore`` (``~/.local/share/emoscore``)."""
    env = os.environ.get("EMOSCORE_DATA_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "emoscore"


@dataclass(frozen=True)
class ServerConfig:
    """Where the server keeps its files and database, and the limits it enforces.

    ``models`` adds bundles by name (name → bundle path) to the shipped ones; clients can only
    choose among these names, never give a path.
    """

    data_dir: Path = field(default_factory=default_data_dir)
    db_url: str | None = None
    max_upload_mb: float = 200.0
    max_duration: float = 1800.0
    workers: int = 2
    max_active_jobs: int = 200
    default_model: str = "default"
    default_domain: str = "auto"
    models: Mapping[str, Path] = field(default_factory=dict)
    host: str = "127.0.0.1"
    token: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    max_compose_jobs: int = 8

    def __post_init__(self) -> None:
        token = self.token or None
        object.__setattr__(self, "token", token)
        if token is not None and (len(token) < MIN_TOKEN_LENGTH or not TOKEN_CHARS.fullmatch(token)):
            raise ConfigError(
                f"--token: {MIN_TOKEN_LENGTH} or more letters, digits, '-', '_', '.' or '~' are needed "
                f"(make one with {TOKEN_HINT})"
            )
        if token is None and not is_loopback(self.host):
            raise ConfigError(
                f"--host {self.host}: serving beyond this machine needs a token: --token or "
                f"EMOSCORE_TOKEN (make one with {TOKEN_HINT})"
            )
        if self.max_compose_jobs < 1:
            raise ConfigError(f"--max-compose {self.max_compose_jobs}: must be at least 1")
        object.__setattr__(self, "allowed_hosts", tuple(h.strip().lower() for h in self.allowed_hosts))
        if self.max_upload_mb <= 0:
            raise ConfigError(f"--max-upload-mb {self.max_upload_mb:g}: must be positive")
        if self.max_duration <= 0:
            raise ConfigError(f"--max-duration {self.max_duration:g}: must be positive")
        if self.workers < 1:
            raise ConfigError(f"--workers {self.workers}: must be at least 1")
        if self.max_active_jobs < 1:
            raise ConfigError(f"--max-jobs {self.max_active_jobs}: must be at least 1")
        object.__setattr__(
            self, "default_domain", str(parse_domain_mode(self.default_domain) or DomainMode.AUTO)
        )

    @property
    def database_url(self) -> str:
        from emoscore.store import sqlite_url

        return self.db_url or sqlite_url(self.data_dir / "emoscore.db")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def host_names(self) -> frozenset[str]:
        """Names the ``Host`` header may carry (without port): loopback, the bound address,
        this machine's name on a wildcard bind, and ``allowed_hosts``."""
        names = {*LOOPBACK_NAMES, "[::1]", *self.allowed_hosts}
        host = self.host.lower()
        if host in ("0.0.0.0", "::", "[::]", ""):
            import socket

            names.add(socket.gethostname().lower())
        else:
            names.add(host if ":" not in host or host.startswith("[") else f"[{host}]")
        return frozenset(names)

    @property
    def temp_dir(self) -> Path:
        """Where uploads are spooled while they arrive (inside the data folder, never /tmp)."""
        return self.data_dir / "tmp"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"
