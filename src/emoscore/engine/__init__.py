"""Batch analysis at scale: many files, one machine or a Dask cluster, resumable results.

>>> from emoscore.engine import BatchSettings
>>> BatchSettings().analysis.window
4.0
"""

from emoscore.engine.batch import BatchInterrupted, BatchSummary, default_midi_dir, run_batch
from emoscore.engine.discovery import InputProblem, Inputs, discover, discover_folder, read_batch_manifest
from emoscore.engine.progress import BatchProgress
from emoscore.engine.sinks import (
    ERROR_COLUMNS,
    RESULT_COLUMNS,
    ParquetSink,
    ResultSink,
    SqlSink,
    open_sink,
    read_errors,
    read_results,
)
from emoscore.engine.task import BatchSettings, FileResult, FileTask, run_task

__all__ = [
    "ERROR_COLUMNS",
    "RESULT_COLUMNS",
    "BatchInterrupted",
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
    "default_midi_dir",
    "discover",
    "discover_folder",
    "open_sink",
    "read_batch_manifest",
    "read_errors",
    "read_results",
    "run_batch",
    "run_task",
]
