"""Evaluation protocols: speaker-independent splits, metrics with chance levels, reports."""

from emoscore.protocols.metrics import ClassificationReport, classification_report
from emoscore.protocols.splits import PROTOCOLS, make_splits

__all__ = ["PROTOCOLS", "ClassificationReport", "classification_report", "make_splits"]
