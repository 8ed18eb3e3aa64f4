"""MELD, text only (``../shared/data/meld-text``): TV-series utterances with 7 emotions, in the
official train/dev/test splits (by dialogue). The labels are renamed to the RAVDESS names.

MELD is distributed under GPL-3.0 (research use; cite Poria et al. 2019): a model trained on it
must say so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from emoscore.errors import DataError

#: MELD's emotion names → the speech models' names (MELD has no ``calm``)
MELD_LABELS: dict[str, str] = {
    "neutral": "neutral",
    "joy": "happy",
    "surprise": "surprised",
    "anger": "angry",
    "sadness": "sad",
    "disgust": "disgust",
    "fear": "fearful",
}
SPLITS = ("train", "dev", "test")
MELD_LICENCE = "MELD (Poria et al. 2019), GPL-3.0, research use"

# the release's curly quotes and dashes, as Whisper writes them
_PLAIN = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": " - ", "\u2013": "-"}
)


def plain_text(text: str) -> str:
    """Straight quotes and single spaces, as in Whisper transcripts.

    >>> plain_text("It\u2019s   \u2018fine\u2019")
    "It's 'fine'"
    """
    return " ".join(str(text).translate(_PLAIN).split())


def load_meld_text(root: str | Path, split: str) -> pd.DataFrame:
    """``text, label, dialogue, speaker`` of one official split (labels renamed, see :data:`MELD_LABELS`)."""
    if split not in SPLITS:
        raise DataError(f"MELD split {split!r}: use one of {', '.join(SPLITS)}")
    path = Path(root) / f"{split}_sent_emo.csv"
    if not path.is_file():
        raise DataError(f"{path}: MELD text file not found (expected ../shared/data/meld-text/)")
    with path.open(encoding="utf-8", errors="replace") as fh:
        raw = pd.read_csv(fh)
    unknown = sorted(set(raw["Emotion"]) - set(MELD_LABELS))
    if unknown:
        raise DataError(f"{path}: unknown emotion label(s) {', '.join(map(str, unknown))}")
    return pd.DataFrame(
        {
            "text": [plain_text(t) for t in raw["Utterance"]],
            "label": raw["Emotion"].map(MELD_LABELS),
            "dialogue": raw["Dialogue_ID"].astype(str),
            "speaker": raw["Speaker"].astype(str),
        }
    )
