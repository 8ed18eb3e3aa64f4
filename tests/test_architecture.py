"""The house stays straight: the import contracts of pyproject.toml hold, and no module imports
itself through others.

``[tool.importlinter]`` in pyproject.toml holds the layers (faces on top, the library below,
errors and data at the ground), the independence and forbidden contracts, and an acyclic-siblings
contract; ``lint-imports`` checks them (``make lint`` runs it too). Import-linter compares
siblings; :func:`test_no_import_circles` also catches a circle between a package's ``__init__``
and its own modules, which no sibling contract sees. Imports inside functions and under
``TYPE_CHECKING`` count everywhere.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "emoscore"


def _contracts() -> list[dict]:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


def test_contracts_hide_nothing() -> None:
    """A broken contract is mended in the code, not silenced in the configuration."""
    hiding = [c["id"] for c in _contracts() if c.get("ignore_imports")]
    assert not hiding, f"contracts with ignore_imports: {', '.join(hiding)}"


def test_import_contracts() -> None:
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    proc = subprocess.run(
        [str(exe), "--no-cache", "--no-logo", str(REPO_ROOT / "pyproject.toml")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = proc.stdout
    if "Broken contracts" in report:  # the violations, without the list of kept contracts
        report = report[report.index("Broken contracts") :]
    assert proc.returncode == 0, f"lint-imports failed:\n{report}\n{proc.stderr}"


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one member (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    members = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        members.append(m)
                        if m == node:
                            break
                    if len(members) > 1:
                        found.append(sorted(members))
    return found


def test_no_import_circles() -> None:
    """No module imports itself through others, at file level (packages' ``__init__`` included)."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph(PACKAGE)
    imports = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    lines = []
    for members in _strongly_connected(imports):
        lines.append("circle: " + ", ".join(members))
        for importer in members:
            for imported in sorted(imports[importer] & set(members)):
                for d in graph.get_import_details(importer=importer, imported=imported):
                    lines.append(f"  {importer}:{d['line_number']} -> {imported}  ({d['line_contents']})")
    assert not lines, "import circles:\n" + "\n".join(lines)


def test_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": set()}
    assert sorted(_strongly_connected(graph)) == [["a", "b", "c"], ["d", "e"]]
