"""Settings of one ``emoscore serve`` instance, as data."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from emoscore.errors import ConfigError
from emoscore.vocabulary import DomainMode, parse_domain_mode


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

    def __post_init__(self) -> None:
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
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"
