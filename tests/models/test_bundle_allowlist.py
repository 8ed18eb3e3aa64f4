"""A model bundle cannot run code on load: the allow-list unpickler (issue 15)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import joblib
import pytest

from emoscore.errors import ModelError
from emoscore.models.bundle import load_bundle

MODELS = Path(__file__).resolve().parents[2] / "src" / "emoscore" / "data" / "models"


class Payload:
    def __init__(self, call, args):
        self.call, self.args = call, args

    def __reduce__(self):
        return self.call, self.args


def crafted(tmp_path: Path, payload: object) -> Path:
    """A bundle whose sha256 matches its (malicious) model, copied from a real bundle's metadata."""
    buf = io.BytesIO()
    joblib.dump({"estimator": payload, "extractor": None}, buf)
    blob = buf.getvalue()
    with zipfile.ZipFile(MODELS / "fast.emo") as zf:
        meta = json.loads(zf.read("metadata.json"))
    meta["sha256"] = hashlib.sha256(blob).hexdigest()
    out = tmp_path / "evil.emo"
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("metadata.json", json.dumps(meta))
        zf.writestr("model.joblib", blob)
    return out


@pytest.mark.parametrize(
    ("call", "args", "named"),
    [
        (__import__("os").system, ("touch {marker}",), "posix.system"),
        (eval, ("open({marker!r}, 'w')",), "builtins.eval"),
        (__import__("subprocess").Popen, (["touch", "{marker}"],), "subprocess.Popen"),
        (__import__("numpy").memmap, ("{marker}", "uint8", "w+", 0, (8,)), "numpy.memmap"),
    ],
    ids=["os.system", "eval", "Popen", "numpy.memmap"],
)
def test_a_crafted_bundle_is_refused_before_any_code_runs(tmp_path, call, args, named):
    marker = tmp_path / "pwned"
    args = tuple(a.format(marker=str(marker)) if isinstance(a, str) else a for a in args)
    args = tuple([x.format(marker=str(marker)) for x in a] if isinstance(a, list) else a for a in args)
    path = crafted(tmp_path, Payload(call, args))
    with pytest.raises(ModelError) as err:
        load_bundle(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: model bundle refused: it would call ") and named.split(".")[-1] in msg
    assert "\n" not in msg and not marker.exists()


@pytest.mark.parametrize("name", sorted(p.name for p in MODELS.glob("*.emo")))
def test_every_committed_bundle_loads(name):
    bundle = load_bundle(MODELS / name)
    assert bundle.labels and bundle.estimator is not None


def test_common_estimators_load(tmp_path):
    """Classifiers the recipes may train (not only the committed ones) pass the allow-list."""
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from emoscore.audio.preprocess import Preprocessing
    from emoscore.features.registry import get_extractor
    from emoscore.models.bundle import ModelBundle

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 5)), np.array(["a", "b"] * 20)
    for est in (
        RandomForestClassifier(n_estimators=3, random_state=np.random.RandomState(0)),
        KNeighborsClassifier(3, algorithm="kd_tree"),
        KNeighborsClassifier(3, algorithm="ball_tree"),
        MLPClassifier((4,), max_iter=20, random_state=0),
    ):
        model = make_pipeline(StandardScaler(), est).fit(x, y)
        path = ModelBundle(model, get_extractor("seed94"), Preprocessing(), ("a", "b")).save(
            tmp_path / "m.emo"
        )
        got = load_bundle(path)
        assert (got.estimator.predict(x) == model.predict(x)).all()
