"""``emoscore batch``: the command end to end, bad options as one line, and kill-then-resume.

The kill tests run the installed script in a subprocess, stop it with SIGKILL or SIGINT once a
few files are committed, and check the output is readable, then resume and check every file is
there exactly once.
"""

from __future__ import annotations

import importlib.util
import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
from tests.cli.test_bad_input import run_main

from emoscore.audio.windows import window_spans
from emoscore.engine import read_errors, read_results

EMOSCORE = Path(sys.executable).with_name("emoscore")
ENGINE_FIXTURES = Path(__file__).resolve().parents[1] / "engine" / "conftest.py"


def _fixtures():  # the tiny model and clip writer live with the engine tests
    spec = importlib.util.spec_from_file_location("batch_engine_fixtures", ENGINE_FIXTURES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _fixtures().build_tiny_bundle(tmp_path_factory.mktemp("model") / "tiny.emo")


@pytest.fixture(scope="module")
def long_clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight 40-s clips: with 1-s windows a file takes long enough to interrupt a run mid-way."""
    root = tmp_path_factory.mktemp("long")
    fx = _fixtures()
    for i in range(8):
        fx.write_clip(root / f"clip{i}.wav", 160.0 + 100 * i, 40.0)
    return root




def test_help_documents_the_options(capfd) -> None:
    code, out, _ = run_main(["batch", "--help"], capfd)
    assert code == 0
    for needle in ("--out", "--workers", "--engine", "--scheduler", "--resume", "--compose", "--domain"):
        assert needle in out


def test_folder_to_parquet(bundle: Path, tmp_path: Path, capfd) -> None:
    fx = _fixtures()
    fx.write_clip(tmp_path / "in" / "a.wav", 200.0, 6.0)
    fx.write_clip(tmp_path / "in" / "b.flac", 1000.0, 3.0)
    (tmp_path / "in" / "bad.wav").write_bytes(b"RIFF nonsense")
    out = tmp_path / "res.parquet"
    code, stdout, err = run_main(
        [
            "batch",
            str(tmp_path / "in"),
            "--out",
            str(out),
            "--model",
            str(bundle),
            "--domain",
            "speech",
            "--workers",
            "2",
            "--compose",
            "B",
        ],
        capfd,
    )
    assert code == 0, err
    assert "2 analysed, 0 already done, 1 failed of 3 files; 3 windows" in stdout
    assert f"1 failed files are listed in {out / '_errors'}" in err
    df = pd.read_parquet(out)
    assert df.groupby("file")["emotion"].agg(list).to_dict() == {
        str(tmp_path / "in" / "a.wav"): ["sad", "sad"],
        str(tmp_path / "in" / "b.flac"): ["happy"],
    }
    assert sorted(p.name for p in (tmp_path / "res_midi").iterdir()) == [
        "a.wav.B.mid", "a.wav.intervals.json", "b.flac.B.mid", "b.flac.intervals.json"
    ]  # fmt: skip
    # the rows are what `emoscore analyze` says about the same file
    code, single, err = run_main(
        [
            "analyze",
            str(tmp_path / "in" / "a.wav"),
            "--model",
            str(bundle),
            "--domain",
            "speech",
            "--format",
            "csv",
        ],
        capfd,
    )
    assert code == 0, err
    expected = pd.read_csv(io.StringIO(single))
    rows = df[df["file"] == str(tmp_path / "in" / "a.wav")]
    assert rows["emotion"].tolist() == expected["emotion"].tolist()
    assert rows["confidence"].to_numpy() == pytest.approx(expected["confidence"].to_numpy(), abs=1e-6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--domain", "video"], "emoscore: --domain video: choose one of auto, speech, music"),
        (["--compose", "Z"], "emoscore: --compose Z: use A, B or both"),
        (["--engine", "dask", "--scheduler", "nonsense"], "expected an address like tcp://HOST:PORT"),
        (
            ["--out", "/proc/emoscore/res.parquet"],
            "emoscore: /proc/emoscore/res.parquet: cannot write results",
        ),
        (["--out", "results.txt"], "must be a .parquet path or a database URL"),
        (["--model", "no-such-model"], "emoscore: unknown model 'no-such-model'"),
    ],
)
def test_bad_options_are_one_line(bundle: Path, tmp_path: Path, capfd, args: list[str], message: str) -> None:
    _fixtures().write_clip(tmp_path / "in" / "a.wav", 200.0, 1.0)  # an input, so the options are what fails
    argv = [
        "batch",
        str(tmp_path / "in"),
        "--out",
        str(tmp_path / "r.parquet"),
        "--model",
        str(bundle),
        *args,
    ]
    code, _, err = run_main(argv, capfd)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert message in err
    assert not (tmp_path / "r.parquet").exists()


def test_a_scheduler_that_does_not_answer(bundle: Path, tmp_path: Path, capfd) -> None:
    fx = _fixtures()
    fx.write_clip(tmp_path / "in" / "a.wav", 200.0, 2.0)
    argv = [
        "batch",
        str(tmp_path / "in"),
        "--out",
        str(tmp_path / "r.parquet"),
        "--model",
        str(bundle),
        "--engine",
        "dask",
        "--scheduler",
        "tcp://127.0.0.1:9",
    ]
    code, _, err = run_main(argv, capfd)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "emoscore: tcp://127.0.0.1:9: no Dask scheduler answered within 5 s" in err


def _start(bundle: Path, src: Path, out: Path) -> subprocess.Popen:
    cmd = [
        str(EMOSCORE),
        "batch",
        str(src),
        "--out",
        str(out),
        "--model",
        str(bundle),
        "--domain",
        "speech",
        "--workers",
        "1",
        "--window",
        "1",
        "--progress",
        "lines",
    ]
    # SIGINT at its default even when the tests run as a shell's background job (which ignores it)
    return subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for_parts(out: Path, proc: subprocess.Popen, n: int) -> None:
    deadline = time.monotonic() + 90
    while len(list(out.glob("part-*.parquet"))) < n:
        assert proc.poll() is None, f"batch ended before it could be interrupted: {proc.communicate()}"
        assert time.monotonic() < deadline, "no results committed"
        time.sleep(0.05)


def _assert_complete(out: Path, src: Path) -> None:
    df = read_results(out).reset_index()
    expected = [(s, e) for s, e in window_spans(40.0, 1.0)]
    assert df["file"].nunique() == 8
    for _, rows in df.groupby("file"):
        assert list(zip(rows["start"], rows["end"], strict=True)) == expected  # all windows, no duplicates
    assert read_errors(out).empty


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupt_then_resume(bundle: Path, long_clips: Path, tmp_path: Path, sig: int) -> None:
    out = tmp_path / "res.parquet"
    proc = _start(bundle, long_clips, out)
    _wait_for_parts(out, proc, 2)
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err
        assert err.strip().splitlines()[-1].startswith(f"emoscore: {out}: batch interrupted after ")
        assert "Traceback" not in err and "leaked semaphore" not in err
    else:
        assert proc.returncode == -signal.SIGKILL
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, "worker processes outlived the batch"
    partial = read_results(out)  # what was committed is readable and whole
    done = partial.index.get_level_values("file").nunique()
    assert 2 <= done < 8 and len(partial) == 40 * done

    resumed = subprocess.run(
        [
            str(EMOSCORE),
            "batch",
            str(long_clips),
            "--out",
            str(out),
            "--model",
            str(bundle),
            "--domain",
            "speech",
            "--workers",
            "2",
            "--window",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{8 - done} analysed, {done} already done, 0 failed of 8 files" in resumed.stdout
    _assert_complete(out, long_clips)
