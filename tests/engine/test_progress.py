from __future__ import annotations

import io

from emoscore.engine.progress import BatchProgress
from emoscore.engine.task import FileResult


def test_plain_lines_report_files_audio_and_failures() -> None:
    out = io.StringIO()
    p = BatchProgress({"/a": 1800.0, "/b": 1800.0, "/c": 3600.0}, stream=out, bar=False, every=0.0)
    p.advance(FileResult("/a", "h", "m", "1", duration=1800.0))
    p.advance(FileResult("/c", None, "m", "1", error="/c: broken"))
    p.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and all(line.startswith("batch: ") for line in lines)
    assert "1/3 files, 0 failed, 0.50/2.00 audio h" in lines[0] and "ETA" in lines[0]
    assert "2/3 files, 1 failed, 0.50/2.00 audio h" in lines[-1]
    # the ETA follows the audio still queued: 1/4 of it is left after 3/4 was covered
    assert abs(p.eta() - p.elapsed / 3) < 0.01


def test_quiet_between_intervals_and_bar_on_request() -> None:
    out = io.StringIO()
    p = BatchProgress({"/a": 10.0, "/b": 10.0}, stream=out, bar=False, every=3600.0)
    p.advance(FileResult("/a", "h", "m", "1", duration=10.0))
    assert out.getvalue() == ""
    p.close()
    assert out.getvalue().count("\n") == 1
    bar_out = io.StringIO()
    bar = BatchProgress({"/a": 10.0, "/b": 10.0}, stream=bar_out, bar=True)
    bar.advance(FileResult("/a", "h", "m", "1", duration=10.0))
    bar.close()
    assert "1/2 files" in bar_out.getvalue() and "50%" in bar_out.getvalue()
