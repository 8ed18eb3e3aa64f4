"""An interrupted batch (Ctrl-C or SIGTERM) stops its workers, keeps what finished and says so in
one line: no traceback, no "leaked semaphore objects" from the resource tracker (issue 15)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emoscore.engine import read_results

EMOSCORE = Path(sys.executable).with_name("emoscore")


@pytest.mark.parametrize(
    ("signum", "code", "how"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
    ids=["SIGINT", "SIGTERM"],
)
def test_an_interrupted_batch_exits_cleanly(tiny_bundle: Path, tmp_path: Path, signum, code, how) -> None:
    clip = tmp_path / "clip.wav"
    sf.write(
        clip, (0.3 * np.sin(2 * np.pi * 200 * np.arange(60 * 16_000) / 16_000)).astype(np.float32), 16_000
    )
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(40):
        (folder / f"c{i:02d}.wav").symlink_to(clip)
    out = tmp_path / "res.parquet"
    cmd = [str(EMOSCORE), "batch", str(folder), "--out", str(out), "--model", str(tiny_bundle)]
    cmd += ["--domain", "speech", "--workers", "2", "--progress", "lines"]
    env = {k: v for k, v in os.environ.items() if k != "EMOSCORE_DEBUG"}
    # a shell's background job (`make test &`) starts with SIGINT ignored, and children inherit that
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    first = ""
    deadline = time.monotonic() + 120
    while not first.startswith("batch: ") and time.monotonic() < deadline:  # a file has finished
        if select.select([proc.stderr], [], [], 1.0)[0]:
            first = proc.stderr.readline()
            if not first:
                break
    assert first.startswith("batch: "), first
    proc.send_signal(signum)
    out_text, rest = proc.communicate(timeout=60)
    err = first + rest
    assert proc.returncode == code, err
    assert "Traceback" not in err and "leaked" not in err and "resource_tracker" not in err, err
    assert out_text == ""
    last = err.splitlines()[-1]
    assert last.startswith(f"emoscore: {out}: batch {how}") and "run the same command again" in last, err
    assert all(line.startswith("batch: ") for line in err.splitlines()[:-1]), err  # progress kept
    assert read_results(out).index.get_level_values("file").nunique() >= 1  # what finished is kept
