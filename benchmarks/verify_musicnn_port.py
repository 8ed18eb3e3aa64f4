"""Check emoscore's numpy checkpoint reader and torch musicnn against TensorFlow itself.

TensorFlow is never an emoscore dependency; this check runs it once, in a throwaway venv
outside the repository (TensorFlow 2.x runs musicnn's TF1 graph through ``tf.compat.v1`` and
``tf-keras``)::

    python3.11 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu tf-keras
    pip download --no-deps musicnn==0.1.0 -d /tmp/mnn && unzip -q /tmp/mnn/*.whl -d /tmp/mnn/x
    .venv/bin/python benchmarks/verify_musicnn_port.py inputs  --work /tmp/mnnverify
    TF_USE_LEGACY_KERAS=1 /tmp/tfvenv/bin/python benchmarks/verify_musicnn_port.py tf \
        --work /tmp/mnnverify --wheel /tmp/mnn/x
    .venv/bin/python benchmarks/verify_musicnn_port.py compare --work /tmp/mnnverify

``inputs`` writes 187-frame log-mel patches of 4Q clips (one per quadrant, two patches each)
and of generated noise; ``tf`` reads every checkpoint variable with ``tf.train.load_checkpoint``
and runs the original ``models.define_model`` graph on the patches; ``compare`` prints the
largest differences from emoscore's reader and network.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import sys
from pathlib import Path

import numpy as np

MODELS = ("MSD_musicnn", "MTT_musicnn")


def inputs(work: Path, data: str) -> None:
    import soundfile as sf

    from emoscore.features.musicnn import PATCH_FRAMES, log_mel

    files = sorted(glob.glob(f"{data}/mer-4q/audio/Q*/*.ogg"))[::150][:4]
    patches = []
    for f in files:
        y, sr = sf.read(f, dtype="float32")
        m = log_mel(y, sr)
        patches += [m[:PATCH_FRAMES], m[600 : 600 + PATCH_FRAMES]]
    rng = np.random.default_rng(0)
    patches.append(log_mel(rng.standard_normal(16000 * 3).astype(np.float32) * 0.1, 16000)[:PATCH_FRAMES])
    work.mkdir(parents=True, exist_ok=True)
    np.savez(work / "input.npz", x=np.stack(patches), files=np.array(files))
    print(f"{len(patches)} patches from {files} + noise")


def run_tf(work: Path, wheel: str) -> None:  # pragma: no cover - needs TensorFlow
    sys.path.insert(0, wheel)
    import tensorflow as tf

    tf.compat.v1.disable_eager_execution()
    from musicnn import models  # type: ignore[import-not-found]

    x_in = np.load(work / "input.npz")["x"]
    for model in MODELS:
        src = os.path.join(wheel, "musicnn", model, "")
        # load_checkpoint wants a named prefix; the wheel's files have an empty one
        ck = work / f"ck_{model}"
        ck.mkdir(exist_ok=True)
        for suffix in (".index", ".data-00000-of-00001"):
            shutil.copy(src + suffix, ck / f"model{suffix}")
        reader = tf.train.load_checkpoint(str(ck / "model"))
        tensors = {n: reader.get_tensor(n) for n in reader.get_variable_to_shape_map()}
        tf.compat.v1.reset_default_graph()
        with tf.name_scope("model"):
            x = tf.compat.v1.placeholder(tf.float32, [None, x_in.shape[1], 96])
            training = tf.compat.v1.placeholder(tf.bool)
            y, _, _, _, _, _, mean_pool, max_pool, penultimate = models.define_model(x, training, model, 50)
            tags = tf.nn.sigmoid(y)
        sess = tf.compat.v1.Session()
        sess.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().restore(sess, src)
        out = sess.run([tags, penultimate, mean_pool, max_pool], feed_dict={x: x_in, training: False})
        np.savez(
            work / f"tf_{model}.npz",
            tags=out[0],
            penultimate=out[1],
            mean_pool=out[2],
            max_pool=out[3],
            **{"ckpt/" + k: v for k, v in tensors.items()},
        )
        print(model, "TensorFlow", tf.__version__, "outputs", out[0].shape, out[1].shape)


def compare(work: Path) -> None:
    from emoscore.features.musicnn import TAGS, MusicnnNet, checkpoint_prefix
    from emoscore.features.tfcheckpoint import read_checkpoint

    x = np.load(work / "input.npz")["x"]
    for model in MODELS:
        ref = np.load(work / f"tf_{model}.npz")
        mine = read_checkpoint(checkpoint_prefix(model))
        names = [k[5:] for k in ref.files if k.startswith("ckpt/")]
        same_names = set(names) == set(mine)
        identical = same_names and all(np.array_equal(mine[n], ref["ckpt/" + n]) for n in names)
        out = MusicnnNet.from_checkpoint(checkpoint_prefix(model)).forward(x)
        pool_ref = np.concatenate([ref["max_pool"], ref["mean_pool"]], axis=1)
        print(
            f"{model}: reader {len(mine)} variables, same names as TF: {same_names}, bit-identical: {identical}; "
            f"network on {len(x)} patches, max |diff| tags {np.abs(out['tags'] - ref['tags']).max():.1e}, "
            f"penultimate {np.abs(out['penultimate'] - ref['penultimate']).max():.1e}, "
            f"pool {np.abs(out['pool'] - pool_ref).max():.1e} (largest |value| {np.abs(pool_ref).max():.0f})"
        )
        top = np.argsort(-out["tags"].mean(axis=0))[:5]
        print("  top tags over the patches:", ", ".join(TAGS[model][i] for i in top))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("step", choices=("inputs", "tf", "compare"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/mnnverify"))
    ap.add_argument("--wheel", default="/tmp/mnn/x", help="the unpacked musicnn wheel (step tf)")
    ap.add_argument("--data", default=os.environ.get("EMOSCORE_DATA", "../shared/data"))
    a = ap.parse_args()
    if a.step == "inputs":
        inputs(a.work, a.data)
    elif a.step == "tf":
        run_tf(a.work, a.wheel)
    else:
        compare(a.work)


if __name__ == "__main__":
    main()
