"""Named feature sets behind one interface, with an on-disk cache keyed by content hash.

>>> from emoscore.features import get_extractor
>>> get_extractor("compare+whisper-base").name
'compare+whisper-base'
"""

from emoscore.features.base import FEATURES_VERSION, ConcatExtractor, FeatureExtractor
from emoscore.features.cache import FeatureCache, default_cache_root, file_digest
from emoscore.features.extract import extract_files, feature_key, load_clip
from emoscore.features.logmel import ChannelStandardizer, LogMel3Extractor
from emoscore.features.opensmile_sets import CompareExtractor, EgemapsExtractor, OpenSmileExtractor
from emoscore.features.registry import FEATURE_SETS, get_extractor
from emoscore.features.seed94 import Seed94Extractor
from emoscore.features.sound import DESCRIPTORS as SOUND_DESCRIPTORS
from emoscore.features.sound import SoundDescriptors
from emoscore.features.whisper import WhisperExtractor, whisper_model_dir

__all__ = [
    "FEATURES_VERSION",
    "FEATURE_SETS",
    "SOUND_DESCRIPTORS",
    "ChannelStandardizer",
    "CompareExtractor",
    "ConcatExtractor",
    "EgemapsExtractor",
    "FeatureCache",
    "FeatureExtractor",
    "LogMel3Extractor",
    "OpenSmileExtractor",
    "Seed94Extractor",
    "SoundDescriptors",
    "WhisperExtractor",
    "default_cache_root",
    "extract_files",
    "feature_key",
    "file_digest",
    "get_extractor",
    "load_clip",
    "whisper_model_dir",
]
