"""Speech emotion corpora as tables of (path, label, code, speaker, corpus, …) rows.

>>> from emoscore.corpora import COLUMNS
>>> COLUMNS
('path', 'label', 'code', 'speaker', 'corpus')
"""

from emoscore.corpora.catalog import CorpusInfo, corpus_catalog
from emoscore.corpora.layouts import (
    load_cremad,
    load_emodb,
    load_label_folders,
    load_ravdess,
    load_savee,
    load_tess,
    read_emodb_ratings,
)
from emoscore.corpora.manifest import ManifestResult, load_manifest, load_manifest_corpus
from emoscore.corpora.registry import (
    default_data_root,
    describe_corpus,
    find_corpus_folder,
    load_corpora,
    load_corpus,
    resolve_name,
)
from emoscore.corpora.table import AUDIO_SUFFIXES, COLUMNS

__all__ = [
    "AUDIO_SUFFIXES",
    "COLUMNS",
    "CorpusInfo",
    "ManifestResult",
    "corpus_catalog",
    "default_data_root",
    "describe_corpus",
    "find_corpus_folder",
    "load_corpora",
    "load_corpus",
    "load_cremad",
    "load_emodb",
    "load_label_folders",
    "load_manifest",
    "load_manifest_corpus",
    "load_ravdess",
    "load_savee",
    "load_tess",
    "read_emodb_ratings",
    "resolve_name",
]
