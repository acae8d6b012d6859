"""The package's shape: dependencies point one way, modules and functions stay small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bench"
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 60
LONG = "# long:"  # a comment right above a function that says why it is longer than MAX_FUNCTION_LINES
CLI = ("bench.cli", "bench.__main__")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """The project modules ``name`` imports anywhere in its file, inside functions too."""
    path, found = MODULES[name], set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: ``from .x import y`` inside ``package``
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parents + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {target for target in targets if target in MODULES and target != name}
    return found


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph``, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle_and_passes_a_tree():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_in_the_package_counting_imports_inside_functions():
    graph = {name: imports(name) for name in MODULES}
    # a package imports its own modules to re-export them; a module importing its package is the edge that counts
    graph = {name: {t for t in targets if not t.startswith(name + ".")} for name, targets in graph.items()}
    assert cycle(graph) is None, " -> ".join(cycle(graph) or [])


def test_only_the_command_line_imports_the_command_line():
    offenders = {
        name: sorted(t for t in imports(name) if t.startswith(CLI)) for name in MODULES if not name.startswith(CLI)
    }
    assert {name: found for name, found in offenders.items() if found} == {}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_and_functions_are_small(name):
    source = MODULES[name].read_text()
    lines = source.splitlines()
    assert len(lines) <= MAX_MODULE_LINES, f"{name}: {len(lines)} lines"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = node.end_lineno - start + 1
            explained = start > 1 and lines[start - 2].strip().startswith(LONG)
            assert length <= MAX_FUNCTION_LINES or explained, f"{name}.{node.name}: {length} lines"


def private_uses(name: str) -> list[str]:
    """Private names (``_x``) of other project modules that ``name`` imports or reads off an imported module."""
    tree, found = ast.parse(MODULES[name].read_text()), []
    modules: dict[str, str] = {}  # local name -> project module, for ``import bench.x as y`` / ``from bench import x``
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.asname or alias.name: alias.name for alias in node.names if alias.name in MODULES}
        elif isinstance(node, ast.ImportFrom) and node.module in MODULES and node.module != name:
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{node.module}.{alias.name}")
                if f"{node.module}.{alias.name}" in MODULES:
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        private = isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
        if private and isinstance(node.value, ast.Name) and node.value.id in modules:
            found.append(f"{modules[node.value.id]}.{node.attr}")
    return found


def test_the_benchmarks_use_no_private_name_of_the_code_they_measure():
    perf = [name for name in MODULES if name.startswith("bench.perf")]
    assert perf and {name: private_uses(name) for name in perf if private_uses(name)} == {}


def test_the_private_name_finder_finds_one(tmp_path, monkeypatch):
    (tmp_path / "probe.py").write_text("from bench import job\nfrom bench.job import _hidden\njob._curves([])\n")
    monkeypatch.setitem(MODULES, "bench.probe", tmp_path / "probe.py")
    assert sorted(private_uses("bench.probe")) == ["bench.job._curves", "bench.job._hidden"]
