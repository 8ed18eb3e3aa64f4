"""Batch progress: a tqdm bar on a terminal, plain periodic lines otherwise (logs, CI, nohup).

Both show files done, audio hours done, throughput (audio hours per wall hour, i.e. times real
time) and an ETA from the audio still to analyse.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from emoscore.engine.task import FileResult


def _clock(seconds: float) -> str:
    """``H:MM:SS``.

    >>> _clock(3725.2)
    '1:02:05'
    """
    s = int(round(max(0.0, seconds)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


class BatchProgress:
    """Counts finished files; ``expected`` maps each queued file to its duration in seconds (0 if unknown)."""

    def __init__(
        self,
        expected: dict[str, float],
        *,
        stream: IO[str] | None = None,
        bar: bool | None = None,
        every: float = 10.0,
    ):
        self.stream = stream if stream is not None else sys.stderr
        self.expected = expected
        self.total_files = len(expected)
        self.total_seconds = float(sum(expected.values()))
        self.files = self.failed = 0
        self.audio_seconds = 0.0  # analysed audio (what throughput means)
        self.covered_seconds = 0.0  # expected audio of finished files, failed or not (what the ETA uses)
        self.every = every
        self.started = self._last = time.monotonic()
        interactive = bar if bar is not None else self.stream.isatty()
        self._bar: Any = None
        if interactive and self.total_files:
            from tqdm import tqdm

            total = self.total_seconds if self.total_seconds > 0 else self.total_files
            self._bar = tqdm(
                total=round(total, 1),
                file=self.stream,
                dynamic_ncols=True,
                bar_format="batch {percentage:3.0f}%|{bar}| {desc}",
            )
            self._bar.set_description_str(self.summary(), refresh=True)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def speed(self) -> float:
        """Audio hours analysed per wall-clock hour."""
        return self.audio_seconds / self.elapsed if self.elapsed > 0 else 0.0

    def eta(self) -> float | None:
        if self.total_seconds > 0:
            left, done = self.total_seconds - self.covered_seconds, self.covered_seconds
        else:
            left, done = float(self.total_files - self.files), float(self.files)
        return left * self.elapsed / done if done > 0 else None

    def summary(self) -> str:
        eta = self.eta()
        return (
            f"{self.files}/{self.total_files} files, {self.failed} failed, "
            f"{self.audio_seconds / 3600:.2f}/{self.total_seconds / 3600:.2f} audio h, "
            f"{self.speed:.1f} audio h/h" + (f", ETA {_clock(eta)}" if eta is not None else "")
        )

    def advance(self, result: FileResult) -> None:
        self.files += 1
        expected = self.expected.get(result.file, 0.0)
        self.covered_seconds += expected
        if result.ok:
            self.audio_seconds += result.duration
        else:
            self.failed += 1
        if self._bar is not None:
            self._bar.set_description_str(self.summary(), refresh=False)
            self._bar.update(round(expected, 1) if self.total_seconds > 0 else 1)
        elif time.monotonic() - self._last >= self.every:
            self._line()

    def _line(self) -> None:
        self._last = time.monotonic()
        print(f"batch: {self.summary()}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.total_files:
            self._line()
