import hashlib

import numpy as np

from emoscore.features import FeatureCache, file_digest
from emoscore.features.cache import cache_key, default_cache_root


def test_file_digest_is_sha256_of_bytes(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"emoscore" * 1000)
    assert file_digest(p) == hashlib.sha256(b"emoscore" * 1000).hexdigest()
    q = tmp_path / "renamed.bin"
    q.write_bytes(p.read_bytes())
    assert file_digest(q) == file_digest(p)


def test_default_root_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOSCORE_CACHE", str(tmp_path / "c"))
    assert default_cache_root() == tmp_path / "c"
    assert FeatureCache().dir == tmp_path / "c" / "features"
    monkeypatch.delenv("EMOSCORE_CACHE")
    assert FeatureCache().dir.parts[-3:] == (".cache", "emoscore", "features")


def test_round_trip_and_damaged_entry(tmp_path):
    cache = FeatureCache(tmp_path)
    key = cache_key(a=1)
    assert cache.get(key) is None and key not in cache
    value = np.arange(12, dtype=np.float32).reshape(3, 4)
    cache.put(key, value)
    np.testing.assert_array_equal(cache.get(key), value)
    assert key in cache and len(cache) == 1
    assert not list(cache.dir.rglob("*.tmp"))
    cache.path(key).write_bytes(b"garbage")
    assert cache.get(key) is None


def test_key_is_order_independent_and_value_sensitive():
    assert cache_key(x={"a": 1, "b": 2}) == cache_key(x={"b": 2, "a": 1})
    assert cache_key(x=1.0) != cache_key(x=1.5)
