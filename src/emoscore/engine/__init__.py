"""Batch analysis at scale: many files, one machine or a Dask cluster, resumable results.

>>> from emoscore.engine import parse_compose
>>> parse_compose("both")
('A', 'B')
"""

from emoscore.engine.batch import BatchSummary, check_domain, default_midi_dir, parse_compose, run_batch
from emoscore.engine.discovery import InputProblem, Inputs, discover, discover_folder, read_batch_manifest
from emoscore.engine.progress import BatchProgress
from emoscore.engine.sinks import (
    ERROR_COLUMNS,
    RESULT_COLUMNS,
    ParquetSink,
    ResultSink,
    SqlSink,
    expand_probabilities,
    open_sink,
    read_errors,
    read_results,
)
from emoscore.engine.task import BatchSettings, FileResult, FileTask, run_task

__all__ = [
    "ERROR_COLUMNS",
    "RESULT_COLUMNS",
    "BatchProgress",
    "BatchSettings",
    "BatchSummary",
    "FileResult",
    "FileTask",
    "InputProblem",
    "Inputs",
    "ParquetSink",
    "ResultSink",
    "SqlSink",
    "check_domain",
    "default_midi_dir",
    "discover",
    "discover_folder",
    "expand_probabilities",
    "open_sink",
    "parse_compose",
    "read_batch_manifest",
    "read_errors",
    "read_results",
    "run_batch",
    "run_task",
]
