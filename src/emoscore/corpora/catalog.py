"""What emoscore knows about each named corpus, read from ``data/corpora.toml``."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

from emoscore.errors import ConfigError

_ORIGIN = "emoscore/data/corpora.toml"


@dataclass(frozen=True)
class CorpusInfo:
    """Metadata of one named corpus: where it lives under the data root, its licence and citation."""

    name: str
    title: str
    folders: tuple[str, ...]
    aliases: tuple[str, ...]
    layout: str
    licence: str
    citation: str
    obtain: str
    genders: Mapping[str, str] = field(default_factory=dict)
    manifest: str | None = None  # a manifest CSV inside the folder lists the clips (see manifest.py)

    @property
    def folder(self) -> str:
        """The documented default folder name under the data root."""
        return self.folders[0]


def corpus_catalog() -> dict[str, CorpusInfo]:
    """Every named corpus, keyed by name, validated on load.

    >>> cat = corpus_catalog()
    >>> sorted(cat)  # doctest: +NORMALIZE_WHITESPACE
    ['cremad', 'emodb', 'emomusic', 'emopia', 'emovo', 'mer-4q', 'ravdess', 'savee',
     'spanish-students', 'tess', 'vgmidi']
    >>> cat["ravdess"].licence.split(" (")[0]
    'CC BY-NC-SA 4.0'
    """
    text = resources.files("emoscore.data").joinpath("corpora.toml").read_text()
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_ORIGIN}: not valid TOML ({exc})") from None
    catalog = {}
    for name, spec in raw.items():
        try:
            folders = tuple(str(f) for f in spec["folders"])
            if not folders:
                raise ValueError("folders is empty")
            catalog[name] = CorpusInfo(
                name=name,
                title=str(spec["title"]),
                folders=folders,
                aliases=tuple(str(a) for a in spec.get("aliases", ())),
                layout=str(spec["layout"]),
                licence=str(spec["licence"]),
                citation=str(spec["citation"]),
                obtain=str(spec["obtain"]),
                genders={str(k): str(v) for k, v in spec.get("genders", {}).items()},
                manifest=str(spec["manifest"]) if "manifest" in spec else None,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{_ORIGIN}: [{name}] is malformed ({exc})") from None
    return catalog
