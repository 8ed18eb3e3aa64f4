from __future__ import annotations

from pathlib import Path

import pytest

from emoscore.audio.windows import window_spans
from emoscore.engine.task import BatchSettings, FileTask, run_task
from emoscore.features.cache import file_digest
from emoscore.music import read_note_pairs
from emoscore.recognize import AnalysisSettings
from emoscore.vocabulary import parse_methods


def test_good_file_gives_windows_and_hash(tiny_bundle: Path, corpus: Path) -> None:
    settings = BatchSettings(AnalysisSettings(model=str(tiny_bundle), domain="speech"))
    low, high = (
        run_task(FileTask(str(corpus / "low1.wav")), settings),
        run_task(FileTask(str(corpus / "high1.wav")), settings),
    )
    assert low.ok and high.ok
    assert [(s.start, s.end) for s in low.segments] == window_spans(9.0, 4.0)
    assert low.duration == pytest.approx(9.0)
    assert low.content_hash == file_digest(corpus / "low1.wav")
    assert (low.model_name, low.model_version) == ("tiny", "1")
    assert {s.emotion for s in low.segments} == {"sad"}
    assert {s.emotion for s in high.segments} == {"happy"}
    for s in low.segments:
        assert sum(s.probabilities.values()) == pytest.approx(1.0)
    # one recogniser per settings in this process: the second file did not load the model again
    assert high.model_loads == low.model_loads
    assert run_task(
        FileTask(str(corpus / "low2.wav")),
        BatchSettings(AnalysisSettings(model=str(tiny_bundle), window=2.0, domain="speech")),
    ).ok
    assert run_task(FileTask(str(corpus / "low2.wav")), settings).model_loads == low.model_loads + 1


def test_bad_files_are_returned_not_raised(tiny_bundle: Path, corpus: Path) -> None:
    settings = BatchSettings(AnalysisSettings(model=str(tiny_bundle), domain="speech"))
    broken = run_task(FileTask(str(corpus / "broken.wav")), settings)
    assert not broken.ok and broken.segments == ()
    assert broken.error.startswith(str(corpus / "broken.wav")) and "\n" not in broken.error
    assert broken.content_hash == file_digest(corpus / "broken.wav")
    gone = run_task(FileTask(str(corpus / "gone.wav")), settings)
    assert not gone.ok and "not found" in gone.error and gone.content_hash is None


def test_compose_writes_one_midi_per_method(tiny_bundle: Path, corpus: Path, tmp_path: Path) -> None:
    base = tmp_path / "midi" / "sub" / "low1.wav"
    r = run_task(
        FileTask(str(corpus / "low1.wav"), str(base)),
        BatchSettings(
            AnalysisSettings(model=str(tiny_bundle), domain="speech"), compose=parse_methods("both")
        ),
    )
    assert r.ok and r.midi == (f"{base}.A.mid", f"{base}.B.mid")
    assert r.settings_key == BatchSettings(
        AnalysisSettings(model=str(tiny_bundle), domain="speech")
    ).analysis.key({"emotion": "tiny 1"})
    for path in r.midi:
        pairs = read_note_pairs(path)
        assert len(pairs) == len(r.segments)
        assert pairs[-1].end == pytest.approx(9.0, abs=0.01)
