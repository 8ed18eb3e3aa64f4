"""Label sets, corpus label maps and class → valence/arousal/dominance coordinates.

The tables live in ``data/taxonomy.toml`` (data, not code) and are validated on load.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from emoscore.errors import ConfigError, DataError

RAVDESS_EIGHT = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")


@dataclass(frozen=True)
class Taxonomy:
    """Common classes with V/A/D coordinates, and per-corpus maps onto them."""

    vad: Mapping[str, tuple[float, float, float]]
    corpus_maps: Mapping[str, Mapping[str, str]]

    @property
    def emotions(self) -> tuple[str, ...]:
        return tuple(self.vad)

    def map_label(self, corpus: str, code: str, *, source: str = "") -> str:
        """Common class for a corpus's label code; :class:`DataError` names unknown codes."""
        table = self.corpus_maps.get(corpus)
        if table is None:
            raise DataError(
                f"no label map for corpus {corpus!r}; known: {', '.join(sorted(self.corpus_maps))}"
            )
        key = code if code in table else code.strip().lower()
        if key not in table:
            where = f"{source}: " if source else ""
            raise DataError(f"{where}unknown {corpus} label {code!r}; known: {', '.join(sorted(table))}")
        return table[key]

    def normalise(self, label: str, *, source: str = "") -> str:
        """A common class name for a free-form label (manifests, folders)."""
        return self.map_label("generic", label, source=source)


def _validate(raw: dict, origin: str) -> Taxonomy:
    try:
        vad = {}
        for name, spec in raw["emotions"].items():
            v = tuple(float(x) for x in spec["vad"])
            if len(v) != 3 or not all(0.0 <= x <= 1.0 for x in v):
                raise ConfigError(f"{origin}: emotions.{name}.vad must be three numbers in [0, 1]")
            vad[name] = v
        maps = {c: {str(k): str(v) for k, v in m.items()} for c, m in raw["corpora"].items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: malformed taxonomy ({exc})") from None
    for corpus, table in maps.items():
        bad = sorted({v for v in table.values() if v and v not in vad})
        if bad:
            raise ConfigError(f"{origin}: corpora.{corpus} maps to unknown classes {bad}")
    return Taxonomy(vad, maps)  # type: ignore[arg-type]


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load the shipped taxonomy, or a user file with the same layout.

    >>> t = load_taxonomy()
    >>> t.map_label("emodb", "W"), t.map_label("ravdess", "08"), t.normalise("Sadness")
    ('angry', 'surprised', 'sad')
    """
    if path is None:
        text = resources.files("emoscore.data").joinpath("taxonomy.toml").read_text()
        origin = "emoscore/data/taxonomy.toml"
    else:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read taxonomy ({exc.strerror})") from None
        origin = str(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML ({exc})") from None
    return _validate(raw, origin)
