"""One exception family, so every layer can turn failures into one clear line.

Messages name the file (or option) and what is wrong with it; the CLI prints
``emoscore: <message>`` and exits non-zero, the web layer answers with a 4xx.
"""

from __future__ import annotations


class EmoscoreError(Exception):
    """Base of every error emoscore raises on purpose."""


class AudioError(EmoscoreError):
    """An input file cannot be decoded or holds no usable audio."""


class ModelError(EmoscoreError):
    """A model name or bundle is unknown, corrupt or incompatible."""


class DataError(EmoscoreError):
    """A corpus, manifest or label set is missing or malformed."""


class ConfigError(EmoscoreError):
    """A configuration file or option (map, window, …) is invalid."""
