"""The structure of issue 10: no import circles between the project's
modules (counting imports inside functions too), the contract stated once,
every command a module and every annotation format a registered module."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from support.cli import ROOT

PACKAGES = ("benchmark", "baselines")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports anywhere in its code."""
    modules = project_modules()
    graph = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in modules:
                        imported.add(f"{node.module}.{alias.name}")
                    elif node.module in modules:
                        imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names if alias.name in modules}
        graph[name] = imported - {name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_import_graph_has_no_circles():
    graph = import_graph()
    assert {"benchmark.cli", "benchmark.leaderboard", "benchmark.report", "benchmark.commands.score"} <= graph.keys()
    assert "benchmark.files" in graph["benchmark.report"]  # the graph sees imports inside functions too
    assert circles(graph) == []


def test_the_contract_module_imports_only_the_standard_library():
    graph = import_graph()
    assert graph["benchmark.contract"] <= {"benchmark.errors"}
    assert graph["benchmark.errors"] == set()


def test_every_listed_format_module_defines_its_format():
    from benchmark.annotation import FORMAT_MODULES, AnnotationFormat, formats

    for name in FORMAT_MODULES:
        module = importlib.import_module(f"benchmark.annotation.{name}")
        assert isinstance(module.FORMAT, AnnotationFormat)
        assert formats()[module.FORMAT.name] is module.FORMAT
    assert {"brat", "labelstudio"} <= formats().keys()
