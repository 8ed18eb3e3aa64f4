"""Audio → :class:`~emoscore.timeline.Timeline`: the one analysis call under every face.

>>> from emoscore.recognize import AnalysisSettings
>>> AnalysisSettings(window=3.0, hop=1.5).to_dict()["hop"]
1.5
"""

from emoscore.recognize.annotate import SoundAnnotator, WindowAnnotation
from emoscore.recognize.recognizer import Recognizer, RecognizerCache, analyze, analyze_file
from emoscore.recognize.settings import AnalysisSettings

__all__ = [
    "AnalysisSettings",
    "Recognizer",
    "RecognizerCache",
    "SoundAnnotator",
    "WindowAnnotation",
    "analyze",
    "analyze_file",
]
