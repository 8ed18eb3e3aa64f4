"""``emoscore serve`` refuses bad settings with one line before starting anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("emoscore"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--db", "nonsense"],
            "emoscore: --db 'nonsense': not a database URL (e.g. sqlite:///path.db, postgresql://…)",
        ),
        (["--model", "x"], "emoscore: --model 'x': expected NAME=PATH to a model bundle"),
        (["--max-upload-mb", "0"], "emoscore: --max-upload-mb 0: must be positive"),
    ],
)
def test_bad_settings_are_one_line(tmp_path, args, message):
    p = subprocess.run(
        [EXE, "serve", "--data-dir", str(tmp_path), *args], capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 1
    assert p.stderr.strip() == message


def test_help_lists_the_options():
    p = subprocess.run([EXE, "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
    for opt in ("--host", "--port", "--data-dir", "--db", "--workers", "--max-upload-mb", "--max-duration"):
        assert opt in p.stdout
