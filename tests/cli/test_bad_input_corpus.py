"""A corpus of bad inputs (generated tiny files) across analyze, compose, evaluate, train, batch and
usage errors (issue 15): each ends in a non-zero exit, exactly one ``emoscore:`` stderr line that
names the file or option, no traceback text, and nothing half-written on stdout (or in a batch
output). A few inputs are a valid result with one warning line instead (a manifest listing a clip
twice, a folder with one file that is not audio among good ones).

The REST API's kinds are in tests/web/test_bad_requests.py. Kinds that need the default model to
load (found while streaming) are in tests/cli/test_bad_input.py. benchmarks/bad_input_trial.py runs
this corpus and more through the installed script and counts what goes wrong.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from tests.cli.test_bad_input import run_main


def tone(path: Path, seconds: float = 1.0, *, scale: float = 0.3, **kw) -> Path:
    t = np.arange(int(seconds * 16_000)) / 16_000
    sf.write(path, (scale * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16_000, **kw)
    return path


def patched(path: Path, offset: int, fmt: str, value: int) -> Path:
    data = bytearray(path.read_bytes())
    data[offset : offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    path.write_bytes(bytes(data))
    return path


# ---- audio inputs of `analyze` found before any model loads -----------------------------------
def a_missing(d):
    return d / "missing.wav"


def a_empty(d):
    (d / "empty.wav").touch()
    return d / "empty.wav"


def a_text(d):
    (d / "notes.wav").write_text("not audio\n" * 50)
    return d / "notes.wav"


def a_json_as_audio(d):
    (d / "x.mp3").write_text('{"a": 1}\n' * 50)
    return d / "x.mp3"


def a_random_bytes(d):
    (d / "noise.ogg").write_bytes(np.random.default_rng(0).bytes(4096))
    return d / "noise.ogg"


def a_png_as_audio(d):
    (d / "pic.wav").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 2000)
    return d / "pic.wav"


def a_zip_as_audio(d):
    import zipfile

    with zipfile.ZipFile(d / "a.m4a", "w") as zf:
        zf.writestr("x.txt", "hello" * 100)
    return d / "a.m4a"


def a_truncated_wav(d):
    src = tone(d / "full.wav", 2.0)
    (d / "cut.wav").write_bytes(src.read_bytes()[: src.stat().st_size // 3])
    return d / "cut.wav"


def a_header_only_wav(d):
    src = tone(d / "full.wav", 1.0, subtype="PCM_16")
    (d / "head.wav").write_bytes(src.read_bytes()[:44])
    return d / "head.wav"


def a_zero_channels(d):
    return patched(tone(d / "zero.wav"), 22, "<H", 0)


def a_zero_bits(d):
    return patched(tone(d / "bits.wav", subtype="PCM_16"), 34, "<H", 0)


def a_rate_1hz(d):
    return patched(patched(tone(d / "slow.wav", subtype="PCM_16"), 24, "<I", 1), 28, "<I", 2)


def a_rate_10mhz(d):
    return patched(
        patched(tone(d / "fast.wav", subtype="PCM_16"), 24, "<I", 10_000_000), 28, "<I", 20_000_000
    )


def a_folder(d):
    (d / "clips").mkdir()
    return d / "clips"


def a_symlink_loop(d):
    os.symlink(d / "loop.wav", d / "loop.wav")
    return d / "loop.wav"


def a_broken_symlink(d):
    os.symlink(d / "nowhere.wav", d / "dangling.wav")
    return d / "dangling.wav"


def a_fifo(d):
    os.mkfifo(d / "pipe.wav")
    return d / "pipe.wav"


def a_riff_garbage(d):
    (d / "riff.wav").write_bytes(b"RIFF\xff\xff\xff\xffWAVEjunk" + b"\1" * 500)
    return d / "riff.wav"


def a_ogg_garbage(d):
    (d / "bad.ogg").write_bytes(b"OggS" + b"\0" * 1000)
    return d / "bad.ogg"


def a_flac_garbage(d):
    (d / "bad.flac").write_bytes(b"fLaC" + b"\7" * 1000)
    return d / "bad.flac"


def cut_bytes(path: Path, fraction: float, name: str) -> Path:
    out = path.with_name(name)
    out.write_bytes(path.read_bytes()[: int(path.stat().st_size * fraction)])
    return out


def a_truncated_vorbis(d):
    return cut_bytes(tone(d / "full.ogg", 3.0, subtype="VORBIS"), 0.6, "cut.ogg")


def a_truncated_opus(d):
    return cut_bytes(tone(d / "full.opus.ogg", 3.0, subtype="OPUS"), 0.5, "cut.opus")


def a_opus_without_end_page(d):
    data = tone(d / "full.opus.ogg", 3.0, subtype="OPUS").read_bytes()
    pages = [i for i in range(len(data)) if data.startswith(b"OggS", i)]
    (d / "open.opus").write_bytes(data[: pages[len(pages) // 2]])  # whole pages, stream never closed
    return d / "open.opus"


def a_flac_cut_in_header(d):
    return cut_bytes(tone(d / "full.flac", 3.0), 0.01, "head.flac")


AUDIO: list[tuple[Callable[[Path], Path], str]] = [
    (a_missing, "not found"),
    (a_empty, "empty"),
    (a_text, "not a"),
    (a_json_as_audio, "not a"),
    (a_random_bytes, "not a"),
    (a_png_as_audio, "not a|no audio track"),
    (a_zip_as_audio, "not a"),
    (a_truncated_wav, "truncated"),
    (a_header_only_wav, "truncated|no audio|not a|empty"),
    (a_zero_channels, "no audio channels"),
    (a_zero_bits, "0 bits"),
    (a_rate_1hz, "sample rate"),
    (a_rate_10mhz, "sample rate"),
    (a_folder, "folder"),
    (a_symlink_loop, "symbolic link loop"),
    (a_broken_symlink, "broken symbolic link"),
    (a_fifo, "FIFO"),
    (a_riff_garbage, "not a|truncated|corrupt"),
    (a_ogg_garbage, "not a|corrupt"),
    (a_flac_garbage, "not a|corrupt"),
    (a_truncated_vorbis, "truncated or corrupt audio"),
    (a_truncated_opus, "truncated or corrupt audio"),
    (a_opus_without_end_page, "truncated or corrupt audio (the Ogg stream ends without"),
    (a_flac_cut_in_header, "truncated or corrupt audio"),
]


def one_line(code: int, out: str, err: str, names: str, match: str) -> None:
    assert code != 0, (out, err)
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("emoscore: ") and names in lines[0], lines[0]
    assert any(m in lines[0] for m in match.split("|")), lines[0]
    assert out == ""


@pytest.mark.parametrize(("make", "match"), AUDIO, ids=[m.__name__ for m, _ in AUDIO])
def test_analyze_bad_audio(tmp_path, capfd, make, match):
    path = make(tmp_path)
    code, out, err = run_main(["analyze", str(path), "--format", "json"], capfd)
    one_line(code, out, err, str(path), match)


# ---- outputs checked before the work -----------------------------------------------------------
def test_outputs_are_checked_before_analysis(tmp_path, capfd):
    clip = tone(tmp_path / "ok.wav")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cases = [
        (["--plot", str(tmp_path / "out.txt")], "--plot", "a plot is written as"),
        (["--plot", str(tmp_path)], "--plot", "is a folder|is a directory"),
        (["-o", str(blocker / "sub" / "t.json")], "-o", "is not a folder"),
        (["-o", str(blocker)], "-o", "is a file; a folder is needed"),
        (["-o", str(tmp_path)], None, None),  # a folder is fine (not run: needs the model)
    ]
    for extra, names, match in cases:
        if names is None:
            continue
        code, out, err = run_main(["analyze", str(clip), *extra], capfd)
        one_line(code, out, err, names, match)


def test_train_output_is_checked_before_training(tmp_path, capfd):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run_main(["train", "--corpus", "ravdess", "-o", str(blocker / "m.emo")], capfd)
    one_line(code, out, err, "-o", "is not a folder")
    code, out, err = run_main(["train", "--corpus", "ravdess", "-o", str(tmp_path)], capfd)
    one_line(code, out, err, "-o", "is a folder|is a directory")


def test_evaluate_plot_is_checked_first(tmp_path, capfd):
    code, out, err = run_main(["evaluate", "--manifest", str(tmp_path / "m.csv"), "--plot", "x.txt"], capfd)
    one_line(code, out, err, "--plot", "a plot is written as")


# ---- timeline files of `compose` ---------------------------------------------------------------
GOOD = {
    "input": "a.wav",
    "duration": 4.0,
    "model": {"name": "m", "version": "1", "labels": ["happy", "sad"]},
    "window": 2.0,
    "hop": 2.0,
    "segments": [
        {"start": 0.0, "end": 2.0, "domain": "speech", "probabilities": {"happy": 0.7, "sad": 0.3}}
        | {"valence": 0.7, "arousal": 0.6},
        {"start": 2.0, "end": 4.0, "domain": "speech", "probabilities": {"happy": 0.2, "sad": 0.8}}
        | {"valence": 0.3, "arousal": 0.4},
    ],
}


def tl_variant(**seg0) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        doc = json.loads(json.dumps(GOOD))
        doc["segments"][0].update(seg0)
        (d / "t.json").write_text(json.dumps(doc, allow_nan=True))
        return d / "t.json"

    make.__name__ = "tl_" + "_".join(f"{k}" for k in seg0)
    return make


def tl_text(text: str, name: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        (d / "t.json").write_text(text)
        return d / "t.json"

    make.__name__ = name
    return make


TIMELINES: list[tuple[Callable[[Path], Path], str]] = [
    (tl_variant(probabilities={}), "speech window needs"),
    (tl_variant(start=float("nan")), "finite"),
    (tl_variant(end=float("inf")), "finite"),
    (tl_variant(end=-1.0), "not after start"),
    (tl_variant(start=-3.0), "not after start"),
    (tl_variant(probabilities={"happy": float("nan"), "sad": 0.5}), "probabilities"),
    (tl_variant(probabilities={"happy": 7.0, "sad": 0.5}), "probabilities"),
    (tl_variant(valence=float("nan")), "valence"),
    (tl_variant(arousal=None), "a speech window needs its valence and arousal"),
    (tl_variant(start="soon"), "not a"),
    (tl_text("", "tl_empty_file"), "not a timeline"),
    (tl_text("{", "tl_truncated_json"), "not a timeline"),
    (tl_text("[]", "tl_a_list"), "not a timeline"),
    (tl_text('{"input": "a.wav"}', "tl_missing_fields"), "not a timeline"),
    (tl_text("\xff\xfe garbage", "tl_binary"), "not a timeline"),
]


@pytest.mark.parametrize(("make", "match"), TIMELINES, ids=[m.__name__ for m, _ in TIMELINES])
def test_compose_bad_timeline(tmp_path, capfd, make, match):
    path = make(tmp_path)
    out_dir = tmp_path / "music"
    code, out, err = run_main(["compose", str(path), "-o", str(out_dir)], capfd)
    one_line(code, out, err, str(path), match)
    assert not out_dir.exists() or not any(out_dir.iterdir())  # nothing half-written


def test_compose_missing_timeline(tmp_path, capfd):
    code, out, err = run_main(["compose", str(tmp_path / "none.json"), "-o", str(tmp_path / "m")], capfd)
    one_line(code, out, err, "none.json", "not found")


# ---- usage errors: one line too ----------------------------------------------------------------
USAGE = [
    (["analyze"], "analyze: Missing argument"),
    (["analyze", "x.wav", "--bogus"], "analyze: No such option"),
    (["analyze", "x.wav", "--window", "abc"], "analyze: Invalid value"),
    (["analyze", "x.wav", "--format", "xml"], "analyze: Invalid value"),
    (["nope"], "No such command"),
    (["compose"], "compose: Missing argument"),
    (["train"], "train: Missing option"),
    (["evaluate", "--folds", "x"], "evaluate: Invalid value"),
    (["batch"], "batch: "),
    (["serve", "--port", "99999"], "serve: Invalid value"),
]


@pytest.mark.parametrize(("argv", "match"), USAGE, ids=["-".join(a) for a, _ in USAGE])
def test_usage_errors_are_one_line(capfd, argv, match):
    code, out, err = run_main(argv, capfd)
    assert code == 2 and out == "" and "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"emoscore: {match}"), err
    assert "--help" in lines[0]


def test_unwritable_path_is_named_not_an_internal_error(tmp_path, capfd, monkeypatch):
    """An OSError with a file name (a full disk, an unwritable cache) names the path."""
    import emoscore.cli.analysis as analysis

    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device", str(tmp_path / "cache" / "x.npy"))

    monkeypatch.setattr(analysis, "check_writable", full_disk)
    code, out, err = run_main(["analyze", str(tone(tmp_path / "ok.wav")), "-o", str(tmp_path / "o")], capfd)
    one_line(code, out, err, str(tmp_path / "cache" / "x.npy"), "No space left on device")


# ---- evaluate, train and batch: manifests, corpora, models, outputs ----------------------------
# Each case builds its files under d and returns (argv, what the line names, what it says); all of
# them fail on a cheap check before any model is fitted or any audio is analysed.
Case = Callable[[Path], tuple[list[str], str, str]]


def clips(d: Path) -> Path:
    for i in range(2):
        tone(d / f"c{i}.wav", 1.0 + i, scale=0.2 + 0.1 * i)
    return d


def manifest(d: Path, text: str | bytes, name: str = "m.csv") -> Path:
    clips(d)
    path = d / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def random_bundle(d: Path) -> Path:
    (d / "model.emo").write_bytes(np.random.default_rng(1).bytes(5000))
    return d / "model.emo"


def ev(*extra: str) -> list[str]:
    return ["evaluate", *extra]


def bad_manifest(content: str | bytes, match: str) -> Case:
    """``evaluate --manifest`` of a manifest holding ``content``: refused, naming the manifest."""
    return lambda d: (ev("--manifest", str(m := manifest(d, content))), str(m), match)


EVALUATE: dict[str, Case] = {
    "ev_manifest_missing": lambda d: (ev("--manifest", str(d / "none.csv")), "none.csv", "not found"),
    "ev_manifest_empty_file": bad_manifest("", "empty manifest"),
    "ev_manifest_header_only": bad_manifest("path,label\n", "no usable rows (no rows)"),
    "ev_manifest_missing_label_column": bad_manifest(
        "path,emotion\nc0.wav,angry\n", "missing column 'label'"
    ),
    "ev_manifest_missing_path_column": bad_manifest("file,label\nc0.wav,angry\n", "missing column 'path'"),
    "ev_manifest_unknown_label_only": bad_manifest(
        "path,label\nc0.wav,grumpy\nc1.wav,grumpy\n", "unknown label 'grumpy'"
    ),
    "ev_manifest_empty_labels": bad_manifest("path,label\nc0.wav,\nc1.wav, \n", "empty label"),
    "ev_manifest_files_missing": bad_manifest("path,label\nx.wav,angry\ny.wav,sad\n", "x.wav not found"),
    "ev_manifest_not_utf8": bad_manifest(b"path,label\n\xff\xfe\xfa.wav,angry\n", "not UTF-8"),
    "ev_manifest_random_bytes": bad_manifest(
        np.random.default_rng(2).bytes(3000), "not UTF-8|malformed|missing column|empty"
    ),
    "ev_manifest_is_a_folder": lambda d: (ev("--manifest", str(clips(d))), "--manifest", "is a directory"),
    "ev_unknown_corpus": lambda d: (ev("--corpus", "no-such-corpus"), "no-such-corpus", "unknown corpus"),
    "ev_corpus_and_manifest": lambda d: (
        ev("--corpus", "ravdess", "--manifest", str(d / "m.csv")),
        "--manifest",
        "exactly one",
    ),
    "ev_loco_one_corpus": lambda d: (
        ev("--protocol", "loco", "--corpus", "ravdess"),
        "--protocol loco",
        "at least two corpora",
    ),
    "ev_loco_unknown_corpus": lambda d: (
        ev("--protocol", "loco", "--corpus", "ravdess,nope-db"),
        "nope-db",
        "unknown corpus",
    ),
    "ev_loco_with_plot": lambda d: (
        ev("--protocol", "loco", "--corpus", "a,b", "--plot", str(d / "c.png")),
        "--plot",
        "do not apply",
    ),
    "ev_labels_without_loco": lambda d: (ev("--corpus", "ravdess", "--labels", "sad"), "--labels", "loco"),
    "ev_model_random_bytes": lambda d: (
        ev(
            "--manifest",
            str(manifest(d, "path,label\nc0.wav,angry\n")),
            "--model",
            str(b := random_bundle(d)),
        ),
        str(b),
        "not an emoscore model bundle",
    ),
    "ev_model_missing": lambda d: (
        ev("--manifest", str(manifest(d, "path,label\nc0.wav,angry\n")), "--model", str(d / "gone.emo")),
        "gone.emo",
        "not found",
    ),
}


def tr(d: Path, *extra: str) -> list[str]:
    return ["train", *extra, "-o", str(d / "out" / "m.emo")]


TRAIN: dict[str, Case] = {
    "tr_manifest_missing": lambda d: (tr(d, "--corpus", str(d / "none.csv")), "none.csv", "not found"),
    "tr_unknown_corpus": lambda d: (tr(d, "--corpus", "no-such-corpus"), "no-such-corpus", "unknown corpus"),
    "tr_manifest_unknown_label_only": lambda d: (
        tr(d, "--corpus", str(m := manifest(d, "path,label\nc0.wav,grumpy\n"))),
        str(m),
        "unknown label",
    ),
    "tr_manifest_missing_label_column": lambda d: (
        tr(d, "--corpus", str(m := manifest(d, "path\nc0.wav\n"))),
        str(m),
        "missing column 'label'",
    ),
    "tr_manifest_files_missing": lambda d: (
        tr(d, "--corpus", str(m := manifest(d, "path,label\nx.wav,sad\n"))),
        str(m),
        "x.wav not found",
    ),
    "tr_unknown_model_kind": lambda d: (
        tr(d, "--corpus", str(manifest(d, "path,label\nc0.wav,sad\n")), "--model", "forest-of-doom"),
        "forest-of-doom",
        "unknown model kind",
    ),
    "tr_unknown_features": lambda d: (
        tr(d, "--corpus", str(manifest(d, "path,label\nc0.wav,sad\n")), "--features", "mfcc9000"),
        "mfcc9000",
        "unknown feature set",
    ),
    "tr_unknown_label_filter": lambda d: (
        tr(d, "--corpus", str(manifest(d, "path,label\nc0.wav,sad\n")), "--labels", "grumpy"),
        "grumpy",
        "unknown label",
    ),
    "tr_missing_recipe": lambda d: (tr(d, "--recipe", str(d / "r.toml")), "r.toml", "no such recipe"),
    "tr_recipe_not_toml": lambda d: (
        tr(d, "--recipe", str(r := manifest(d, "corpora = [unclosed\n", "r.toml"))),
        str(r),
        "not valid TOML",
    ),
    "tr_no_corpus": lambda d: (tr(d), "--corpus", "name the training data"),
    "tr_output_under_a_file": lambda d: (
        ["train", "--corpus", "ravdess", "-o", str(manifest(d, "x", "f") / "m.emo")],
        "-o",
        "is not a folder",
    ),
}


def empty_folder(d: Path) -> Path:
    (d / "empty").mkdir()
    return d / "empty"


def bt(d: Path, source: Path | str, *extra: str) -> list[str]:
    return ["batch", str(source), "--out", str(d / "res.parquet"), *extra]


BATCH: dict[str, Case] = {
    "b_empty_folder": lambda d: (bt(d, empty_folder(d)), str(d / "empty"), "no audio or video files"),
    "b_missing_input": lambda d: (bt(d, d / "gone"), "gone", "not found"),
    "b_manifest_without_path_column": lambda d: (
        bt(d, m := manifest(d, "file\nc0.wav\n")),
        str(m),
        "needs a 'path' column",
    ),
    "b_manifest_empty": lambda d: (bt(d, m := manifest(d, "")), str(m), "needs a 'path' column"),
    "b_manifest_lists_nothing": lambda d: (bt(d, m := manifest(d, "path\n")), str(m), "lists no files"),
    "b_out_under_a_file": lambda d: (
        ["batch", str(clips(d)), "--out", str(manifest(d, "x", "f") / "r.parquet")],
        "r.parquet",
        "cannot write",
    ),
    "b_out_not_parquet": lambda d: (["batch", str(clips(d)), "--out", str(d / "r.csv")], "r.csv", ".parquet"),
    "b_model_random_bytes": lambda d: (
        bt(d, clips(d), "--model", str(b := random_bundle(d))),
        str(b),
        "not an emoscore model bundle",
    ),
    "b_model_empty_file": lambda d: (
        bt(d, clips(d), "--model", str(manifest(d, "", "e.emo"))),
        "e.emo",
        "not an emoscore model bundle",
    ),
    "b_model_missing": lambda d: (bt(d, clips(d), "--model", str(d / "gone.emo")), "gone.emo", "not found"),
    "b_scheduler_without_dask": lambda d: (
        bt(d, clips(d), "--scheduler", "tcp://127.0.0.1:9"),
        "--scheduler",
        "needs --engine dask",
    ),
    "b_workers_zero": lambda d: (bt(d, clips(d), "--workers", "0"), "--workers", "Invalid value"),
    "b_bad_window": lambda d: (bt(d, clips(d), "--window", "0.1"), "--window", "window"),
}

CLI_CASES = {**EVALUATE, **TRAIN, **BATCH}


@pytest.mark.parametrize("kind", list(CLI_CASES))
def test_evaluate_train_batch_bad_input(tmp_path, capfd, kind):
    argv, names, match = CLI_CASES[kind](tmp_path)
    code, out, err = run_main(argv, capfd)
    one_line(code, out, err, names, match)
    assert not (tmp_path / "res.parquet").exists()  # nothing half-written
    assert not (tmp_path / "out" / "m.emo").exists()


def test_the_corpus_has_at_least_sixty_kinds():
    import importlib.util

    web = Path(__file__).resolve().parents[1] / "web" / "test_bad_requests.py"
    spec = importlib.util.spec_from_file_location("web_bad_requests", web)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    kinds = {
        "analyze": len(AUDIO),
        "compose": len(TIMELINES) + 1,
        "evaluate": len(EVALUATE),
        "train": len(TRAIN),
        "batch": len(BATCH) + 2,  # + the two valid-with-a-warning cases below
        "usage": len(USAGE),
        "rest": len(module.CASES),
    }
    assert all(n >= 5 for n in kinds.values()), kinds
    assert sum(kinds.values()) >= 60, kinds


def test_a_manifest_listing_a_clip_twice_counts_it_once(tmp_path, capfd):
    """A valid result with one warning line (the shipped fast model on three tiny clips)."""
    for i, freq in enumerate((220.0, 330.0, 440.0)):
        t = np.arange(32_000) / 16_000
        y = 0.3 * np.sin(2 * np.pi * freq * t) * np.sin(2 * np.pi * 3 * t)
        sf.write(tmp_path / f"c{i}.wav", y.astype(np.float32), 16_000)
    m = tmp_path / "m.csv"
    m.write_text("path,label\nc0.wav,angry\nc1.wav,sad\nc0.wav,angry\nc2.wav,happy\n./c1.wav,sad\n")
    code, out, err = run_main(
        ["evaluate", "--manifest", str(m), "--model", "fast", "--format", "json"], capfd
    )
    assert code == 0, err
    assert err.splitlines() == [
        f"emoscore: warning: {m}: 2 duplicate row(s) dropped (a clip listed again counts once)"
    ]
    assert json.loads(out)["n"] == 3


def test_batch_with_one_file_that_is_not_audio_finishes_the_others(tmp_path, capfd):
    """A valid result: the good files are analysed, the bad one is recorded, one line says where."""
    import importlib.util

    fixtures = Path(__file__).resolve().parents[1] / "engine" / "conftest.py"
    spec = importlib.util.spec_from_file_location("batch_engine_fixtures", fixtures)
    fx = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fx)
    bundle = fx.build_tiny_bundle(tmp_path / "tiny.emo")
    fx.write_clip(tmp_path / "in" / "a.wav", 200.0, 4.0)
    fx.write_clip(tmp_path / "in" / "b.wav", 1000.0, 4.0)
    (tmp_path / "in" / "notes.wav").write_text("not audio\n" * 20)
    out = tmp_path / "res.parquet"
    argv = ["batch", str(tmp_path / "in"), "--out", str(out), "--model", str(bundle), "--domain", "speech"]
    code, stdout, err = run_main([*argv, "--workers", "1", "--progress", "lines"], capfd)
    assert code == 0, err
    assert "2 analysed, 0 already done, 1 failed of 3 files" in stdout
    assert (
        "Traceback" not in err and err.splitlines()[-1] == f"1 failed files are listed in {out / '_errors'}"
    )
    from emoscore.engine import read_errors

    errors = read_errors(out)
    assert errors["file"].tolist() == [str(tmp_path / "in" / "notes.wav")]
