from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import soundfile as sf

from emoscore.engine import read_errors, read_results, run_batch
from emoscore.errors import ConfigError, DataError, ModelError

GOOD = {"low1.wav": 3, "low2.wav": 1, "high1.wav": 2, "sub/high2.flac": 2, "sub/high3.wav": 1}


def windows_per_file(df, root: Path) -> dict[str, int]:
    counts = df.index.get_level_values("file").value_counts()  # read_results: indexed by (file, start, end)
    return {os.path.relpath(f, root): n for f, n in counts.items()}


def test_folder_to_parquet_then_resume(tiny_bundle: Path, corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "res.parquet"
    log = io.StringIO()
    s = run_batch(
        corpus, out, model=str(tiny_bundle), domain="speech", workers=2, compose="both", progress_stream=log
    )
    assert (s.analysed, s.skipped, s.failed, s.inputs, s.windows) == (5, 0, 1, 6, 9)
    assert s.audio_seconds == pytest.approx(29.5) and (s.model_name, s.model_version) == ("tiny", "1")
    assert s.model_loads <= 2
    df = read_results(out)
    assert windows_per_file(df, corpus) == GOOD
    by_file = df.groupby("file")["emotion"].agg(set)
    assert by_file[str(corpus / "low1.wav")] == {"sad"} and by_file[str(corpus / "sub/high2.flac")] == {
        "happy"
    }
    errs = read_errors(out)
    assert errs["file"].tolist() == [str(corpus / "broken.wav")]
    assert str(corpus / "broken.wav") in errs["message"].iloc[0]
    midi = sorted(os.path.relpath(p, tmp_path / "res_midi") for p in (tmp_path / "res_midi").rglob("*.mid"))
    assert midi == sorted(f"{f}.{m}.mid" for f in GOOD for m in "AB")
    assert "batch: 6/6 files, 1 failed" in log.getvalue()

    # same files, same model: nothing is analysed again except the failure, which is retried
    again = run_batch(
        corpus, out, model=str(tiny_bundle), domain="speech", workers=1, compose="both", progress_stream=log
    )
    assert (again.analysed, again.skipped, again.failed) == (0, 5, 1)
    # a changed file is analysed again and its old rows are replaced, not duplicated
    sf.write(corpus / "low2.wav", sf.read(corpus / "low1.wav")[0], 16_000)
    third = run_batch(
        corpus, out, model=str(tiny_bundle), domain="speech", workers=1, compose="both", progress_stream=log
    )
    assert (third.analysed, third.skipped) == (1, 4)
    assert windows_per_file(read_results(out), corpus) == {**GOOD, "low2.wav": 3}


@pytest.mark.parametrize("out_name", ["res.parquet", "sqlite"])
def test_resume_recomputes_when_the_settings_change(
    tiny_bundle: Path, corpus: Path, tmp_path: Path, out_name: str
) -> None:
    out = f"sqlite:///{tmp_path / 'r.db'}" if out_name == "sqlite" else str(tmp_path / out_name)
    quiet = {"model": str(tiny_bundle), "domain": "speech", "workers": 1, "progress_stream": io.StringIO()}
    run_batch(corpus, out, window=4.0, **quiet)
    keys = set(read_results(out)["settings_key"])
    changed = run_batch(corpus, out, window=2.0, hop=2.0, **quiet)
    assert (changed.analysed, changed.skipped) == (5, 0)  # new window: every file again
    df = read_results(out)
    assert windows_per_file(df, corpus) == {"low1.wav": 5, "low2.wav": 2, "high1.wav": 4, "sub/high2.flac": 3,
                                            "sub/high3.wav": 1}  # fmt: skip
    # 2-s windows (a tail under 1 s joins the window before it: 2.5 s at most)
    assert ((df.index.get_level_values("end") - df.index.get_level_values("start")) <= 2.5 + 1e-6).all()
    assert set(df["settings_key"]).isdisjoint(keys)
    same = run_batch(corpus, out, window=2.0, hop=2.0, **quiet)
    assert (same.analysed, same.skipped) == (0, 5)
    hop = run_batch(corpus, out, window=2.0, hop=1.0, **quiet)
    assert (hop.analysed, hop.skipped) == (5, 0)


def test_no_resume_reanalyses_without_duplicates(tiny_bundle: Path, corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "res.parquet"
    run_batch(corpus, out, model=str(tiny_bundle), domain="speech", workers=1, progress_stream=io.StringIO())
    s = run_batch(
        corpus,
        out,
        model=str(tiny_bundle),
        domain="speech",
        workers=1,
        resume=False,
        progress_stream=io.StringIO(),
    )
    assert (s.analysed, s.skipped) == (5, 0)
    assert windows_per_file(read_results(out), corpus) == GOOD


def test_manifest_to_sqlite_records_missing_files(tiny_bundle: Path, corpus: Path, tmp_path: Path) -> None:
    from emoscore.store import Store

    manifest = corpus / "m.csv"
    manifest.write_text("path,label\nlow1.wav,sad\nsub/high3.wav,happy\nnot/there.wav,sad\n")
    url = f"sqlite:///{tmp_path / 'app.db'}"
    web = Store(url)  # the web app's database: the batch writes beside its analyses
    rec = web.create_analysis(filename="a.wav", sha256="ab" * 32, size=1, duration=1.0, options={})
    s = run_batch(
        manifest,
        url,
        model=str(tiny_bundle),
        domain="speech",
        workers=1,
        window=2.0,
        progress_stream=io.StringIO(),
    )
    assert (s.analysed, s.failed, s.inputs) == (2, 1, 3)
    assert windows_per_file(read_results(url), corpus) == {"low1.wav": 5, "sub/high3.wav": 1}
    errs = read_errors(url)
    assert errs["file"].tolist() == [str(corpus / "not/there.wav")] and "file not found" in errs["message"][0]
    web.finish(rec.id, {"segments": []})
    assert web.get_analysis(rec.id).status == "done" and web.list_analyses()[1] == 1
    web.close()


def test_bad_options_fail_before_any_work(tiny_bundle: Path, corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "res.parquet"
    model = str(tiny_bundle)
    with pytest.raises(ConfigError, match="--domain video: choose one of auto, speech, music"):
        run_batch(corpus, out, model=model, domain="video")
    with pytest.raises(ConfigError, match="--compose C"):
        run_batch(corpus, out, model=model, compose="C")
    with pytest.raises(ConfigError, match="--scheduler needs --engine dask"):
        run_batch(corpus, out, model=model, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ConfigError, match="tcp://HOST:PORT"):
        run_batch(corpus, out, model=model, engine="dask", scheduler="localhost")
    with pytest.raises(ModelError, match="not found"):
        run_batch(corpus, out, model=str(tmp_path / "nope.emo"))
    with pytest.raises(ConfigError, match="--window"):
        run_batch(corpus, out, model=model, window=9.0)
    assert not out.exists()
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError, match="cannot write results"):
        run_batch(corpus, tmp_path / "f" / "res.parquet", model=model)
    with pytest.raises(DataError, match="not found"):
        run_batch(tmp_path / "missing", out, model=model)


def test_compose_sketch_writes_a_sketch_and_cue_sheet_per_file(
    tiny_bundle: Path, corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "res.parquet"
    log = io.StringIO()
    s = run_batch(corpus, out, model=str(tiny_bundle), domain="speech", compose="sketch", progress_stream=log)
    assert (s.analysed, s.failed) == (5, 1)
    folder = tmp_path / "res_midi"
    written = sorted(os.path.relpath(p, folder) for p in folder.rglob("*") if p.suffix in (".mid", ".csv"))
    assert written == sorted([f"{f}.sketch.mid" for f in GOOD] + [f"{f}.cues.csv" for f in GOOD])
    import mido

    mid = mido.MidiFile(folder / "low1.wav.sketch.mid")
    assert mid.type == 1 and any(m.type == "marker" and m.text.startswith("cue 1 - sad") for m in mid)
    # the sketch is there: nothing to redo; asking for A and B too composes the files again
    again = run_batch(
        corpus, out, model=str(tiny_bundle), domain="speech", compose="sketch", progress_stream=log
    )
    assert (again.analysed, again.skipped) == (0, 5)
    more = run_batch(
        corpus, out, model=str(tiny_bundle), domain="speech", compose="both,sketch", progress_stream=log
    )
    assert (more.analysed, more.skipped) == (5, 0)
    assert (folder / "sub/high2.flac.A.mid").exists() and (folder / "sub/high2.flac.B.mid").exists()
    with pytest.raises(ConfigError, match="--compose jazz: use A, B or both, or sketch"):
        run_batch(corpus, out, model=str(tiny_bundle), compose="jazz")
