"""Experiments that reproduce the reference papers' designs on emoscore's corpora and models:
:mod:`~emoscore.experiments.transfer` (paper 003, SER→MER), :mod:`~emoscore.experiments.joint`
(paper 004, mixing ratios k, p) and :mod:`~emoscore.experiments.music` (EMOPIA's song-level split,
emoMusic curves)."""
