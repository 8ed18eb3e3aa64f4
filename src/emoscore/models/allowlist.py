"""Unpickle a bundle's model without running code from the file: an allow-list of what bundles hold.

A pickle names callables (``module.name``) that loading calls with arguments from the file; an
ordinary ``joblib.load`` will call anything, so a crafted bundle runs code. Here every name is
checked first and anything else is refused with :class:`~emoscore.errors.ModelError`:

- classes of scikit-learn, LightGBM, SciPy sparse matrices, and emoscore's own feature extractors
  and estimators (``emoscore.features.*``, ``emoscore.models.*``); building one only stores its
  parameters and state;
- a fixed set of functions and types: numpy's array, scalar and random-state reconstructors,
  ``numpy.dtype``/``ndarray``, joblib's array wrapper, ``copyreg._reconstructor``, scikit-learn's
  ``newObj`` (``cls.__new__(cls)`` for its Cython types) and a few plain builtins (containers,
  numbers, ``slice``).

Functions such as ``os.system``, ``builtins.eval``/``getattr``, ``numpy.memmap``, ``numpy.load``,
and classes of any other package are refused. The arrays themselves are read by joblib as data.
"""

from __future__ import annotations

import io
import os
import pickle
from typing import Any

from joblib import numpy_pickle

from emoscore.errors import ModelError

CLASS_PACKAGES = ("sklearn.", "lightgbm.", "scipy.sparse.", "emoscore.features.", "emoscore.models.")
#: extra modules whose classes the user trusts (comma-separated): their own feature extractors or
#: estimators, installed or on ``PYTHONPATH``; a module's classes only, never its functions
TRUSTED_MODULES_ENV = "EMOSCORE_TRUSTED_MODULES"


def trusted_packages() -> tuple[str, ...]:
    """:data:`CLASS_PACKAGES` plus the modules named in ``$EMOSCORE_TRUSTED_MODULES``.

    >>> import os; os.environ["EMOSCORE_TRUSTED_MODULES"] = "mylab.features, other"
    >>> trusted_packages()[-2:]
    ('mylab.features', 'other')
    >>> del os.environ["EMOSCORE_TRUSTED_MODULES"]
    """
    extra = [m.strip() for m in os.environ.get(TRUSTED_MODULES_ENV, "").split(",") if m.strip()]
    return CLASS_PACKAGES + tuple(extra)


def _trusted(module: str) -> bool:
    return any(module == p.rstrip(".") or module.startswith(p.rstrip(".") + ".") for p in trusted_packages())
REFUSED_CLASSES = frozenset({"TempMemmap"})
ALLOWED_NAMES = frozenset(
    {
        ("builtins", n)
        for n in (
            "object",
            "set",
            "frozenset",
            "slice",
            "complex",
            "bytearray",
            "range",
            "list",
            "dict",
            "tuple",
            "int",
            "float",
            "str",
            "bytes",
            "bool",
        )
    }
    | {
        (m, n)
        for m in ("numpy.core.multiarray", "numpy._core.multiarray")
        for n in ("_reconstruct", "scalar")
    }
    | {("numpy", "dtype"), ("numpy", "ndarray")}
    | {
        ("numpy.random._pickle", n)
        for n in ("__randomstate_ctor", "__bit_generator_ctor", "__generator_ctor")
    }
    | {
        ("numpy.random.mtrand", "RandomState"),
        ("numpy.random._mt19937", "MT19937"),
        ("numpy.random._pcg64", "PCG64"),
        ("numpy.random._generator", "Generator"),
    }
    | {("joblib.numpy_pickle", "NumpyArrayWrapper"), ("copyreg", "_reconstructor")}
    | {("collections", "OrderedDict"), ("collections", "defaultdict")}
)


class RefusedGlobal(pickle.UnpicklingError):
    """The pickle names something outside the allow-list."""


class AllowListUnpickler(numpy_pickle.NumpyUnpickler):
    """joblib's unpickler, restricted to :data:`ALLOWED_NAMES` and the classes of
    :data:`CLASS_PACKAGES`."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in ALLOWED_NAMES or module.startswith("numpy.dtypes"):
            return super().find_class(module, name)
        if module.startswith("sklearn.") and name == "newObj":  # cls.__new__(cls) of Cython types
            return super().find_class(module, name)
        if _trusted(module) and "." not in name and name not in REFUSED_CLASSES:
            obj = super().find_class(module, name)
            if isinstance(obj, type):
                return obj
        raise RefusedGlobal(f"{module}.{name}")


def load_allowed(blob: bytes) -> Any:
    """The object pickled (by ``joblib.dump``) in ``blob``; raises :class:`RefusedGlobal` naming the
    first callable outside the allow-list."""
    from joblib.numpy_pickle_utils import _validate_fileobject_and_memmap

    with _validate_fileobject_and_memmap(io.BytesIO(blob), "", None) as (fh, _):
        return AllowListUnpickler("", fh, True).load()


def refused(path: object, exc: RefusedGlobal) -> ModelError:
    return ModelError(
        f"{path}: model bundle refused: it would call {exc} on loading, which emoscore bundles never "
        "hold (a tampered or foreign file; see docs/models.md, 'Bundles and untrusted files')"
    )
