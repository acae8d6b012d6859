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


def test_the_benchmarks_use_no_private_name_of_the_code_they_measure(monkeypatch):
    benchmarks = sorted((PACKAGE.parent / "benchmarks").glob("*.py"))
    for path in benchmarks:
        monkeypatch.setitem(MODULES, f"benchmarks.{path.stem}", path)
    found = {path.stem: private_uses(f"benchmarks.{path.stem}") for path in benchmarks}
    assert benchmarks and {name: uses for name, uses in found.items() if uses} == {}


COMPAT = "bench._compat"  # the one module where another library's private names may appear


def third_party_private_names(path: Path) -> list[str]:
    """Private names of other libraries a module imports (``from sklearn.utils._x import y``, ``from a import _b``)
    or reads off a module it imported (``torch._foreach_norm``)."""
    tree, found, modules = ast.parse(path.read_text()), [], set()
    private = lambda name: name.startswith("_") and not name.startswith("__")  # noqa: E731
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not alias.name.startswith("bench"):
                    modules.add(alias.asname or alias.name.split(".")[0])
                    found += [alias.name for part in alias.name.split(".") if private(part)]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module.startswith(("bench", "__future__")):
                continue
            found += [node.module for part in node.module.split(".") if private(part)]
            found += [f"{node.module}.{a.name}" for a in node.names if private(a.name)]
            modules |= {a.asname or a.name for a in node.names}
    for node in ast.walk(tree):
        named = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        if named and private(node.attr) and node.value.id in modules:
            found.append(f"{node.value.id}.{node.attr}")
    return sorted(set(found))


def test_private_names_of_other_libraries_appear_only_in_the_compat_module():
    found = {name: third_party_private_names(path) for name, path in MODULES.items() if name != COMPAT}
    assert {name: names for name, names in found.items() if names} == {}
    assert third_party_private_names(MODULES[COMPAT])  # where they are, the finder finds them


def test_the_private_import_finder_finds_each_kind(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import torch\nfrom sklearn.utils._param_validation import Interval\nfrom joblib import _x\n"
        "from bench import _compat\nrow._asdict()\ntorch._foreach_norm([])\n"
    )
    assert third_party_private_names(probe) == [
        "joblib._x",
        "sklearn.utils._param_validation",
        "torch._foreach_norm",
    ]


PROTOCOL = "bench.protocol"  # the one module that knows the protocols by name
COMPARED = ("eq", "ne", "isin", "startswith")


def protocol_names_compared(path: Path, names: set[str]) -> list[str]:
    """Places where a protocol's name is compared as a string: ``== "tuned"``, ``in ("cv", "tuned")``,
    ``.eq("holdout")``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in COMPARED:
            operands = node.args
        else:
            continue
        for operand in operands:
            values = operand.elts if isinstance(operand, ast.Tuple | ast.List | ast.Set) else [operand]
            found += [
                f"line {node.lineno}: {v.value!r}"
                for v in values
                if isinstance(v, ast.Constant) and isinstance(v.value, str) and v.value in names
            ]
    return found


def test_no_module_but_the_protocols_compares_a_protocol_name():
    from bench.protocol import PROTOCOLS

    found = {name: protocol_names_compared(path, set(PROTOCOLS)) for name, path in MODULES.items() if name != PROTOCOL}
    assert {name: places for name, places in found.items() if places} == {}


def test_the_protocol_name_finder_finds_a_comparison(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('if p == "tuned": pass\nx = p in ("cv", "other")\nt["protocol"].eq("holdout")\nt["tuned"]\n')
    assert protocol_names_compared(probe, {"holdout", "cv", "tuned"}) == [
        "line 1: 'tuned'",
        "line 2: 'cv'",
        "line 3: 'holdout'",
    ]


def test_the_private_name_finder_finds_one(tmp_path, monkeypatch):
    (tmp_path / "probe.py").write_text("from bench import job\nfrom bench.job import _hidden\njob._curves([])\n")
    monkeypatch.setitem(MODULES, "bench.probe", tmp_path / "probe.py")
    assert sorted(private_uses("bench.probe")) == ["bench.job._curves", "bench.job._hidden"]
