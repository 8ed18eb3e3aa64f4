"""emoscore: emotion timelines from audio and video, and film-score sketches from them."""

from emoscore.errors import AudioError, ConfigError, DataError, EmoscoreError, ModelError
from emoscore.timeline import ModelInfo, Segment, Timeline

__version__ = "0.1.0"

__all__ = [
    "AudioError",
    "ConfigError",
    "DataError",
    "EmoscoreError",
    "ModelError",
    "ModelInfo",
    "Segment",
    "Timeline",
    "__version__",
]
