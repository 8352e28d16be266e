"""The layout of docs/architecture.md, checked: one package per area, layers that only point down,
no cycle between packages. grimp reads the imports (function-level ones too) without running them.

A *package* here is what a newcomer opens: a top-level module of ``core`` (``core.cli``), a ``models``
module or package (``core.reporting.models``), or else the innermost package holding a module
(``core.analytics.exports``, ``workflows``). ``views`` and ``api`` (screens) count as
packages of their own, as does each built-in plugin of ``core.defaults``.
"""
from __future__ import annotations

import sys

import grimp
import pytest

AREAS = ("hierarchy", "accounts", "forms", "reporting", "analytics", "exchange", "operations")
#: What the plugin contract and the platform are made of: they import no area.
PLATFORM = ("core.platform", "core.contracts", "core.hookspecs")
SCREENS = ("views", "api")


def package_of(graph, module: str) -> str:
    parts = module.split(".")
    for i, part in enumerate(parts[1:], start=1):
        if part in ("models",) + SCREENS:
            return ".".join(parts[: i + 1])
    if parts[0] == "core" and len(parts) == 2 and not graph.find_children(module):
        return module
    if parts[:2] == ["core", "defaults"] and len(parts) == 3:  # each built-in plugin stands alone
        return module
    if graph.find_children(module):  # a package's own __init__
        return module
    return ".".join(parts[:-1]) or module


def in_platform(package: str) -> bool:
    return any(package == p or package.startswith(p + ".") for p in PLATFORM)


def is_screen(package: str) -> bool:
    return any(part in SCREENS for part in package.split(".")[1:])


def is_models(package: str) -> bool:
    return package.split(".")[-1] == "models"


def package_graph(graph) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Imports between packages, each with the module imports behind it."""
    edges: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = package_of(graph, module), package_of(graph, imported)
            if a != b:
                edges.setdefault((a, b), []).append((module, imported))
    return edges


def cycles(edges) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    adj: dict[str, set[str]] = {}
    for a, b in edges:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(adj[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(adj):
        if v not in index:
            visit(v)
    return found


def layer_breaks(edges) -> list[str]:
    """Imports that point up: models above themselves, the platform into an area, a service into a screen."""
    broken = []
    for (a, b), imports in sorted(edges.items()):
        why = None
        if in_platform(a) and not in_platform(b):
            why = "the platform imports no area"
        elif is_models(a) and not (is_models(b) or in_platform(b)):
            why = "models import only models and the platform"
        elif a.startswith("core.") and not is_screen(a) and is_screen(b) and a not in ("core.navigation",):
            why = "a service never imports a screen"
        if why:
            broken.append(f"{a} -> {b} ({why}): {imports[0][0]} imports {imports[0][1]}")
    return broken


def module_graph(graph) -> dict[tuple[str, str], list[tuple[str, str]]]:
    return {(m, i): [(m, i)] for m in graph.modules for i in graph.find_modules_directly_imported_by(m)}


def problems(graph) -> list[str]:
    edges = package_graph(graph)
    found = [f"cycle: {' <-> '.join(c)}" for c in cycles(edges)]
    found += [f"module cycle: {' <-> '.join(c)}" for c in cycles(module_graph(graph))]
    return found + layer_breaks(edges)


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("core", "workflows", "plugins")


def test_the_layout_has_no_cycle_and_no_import_pointing_up(graph):
    assert problems(graph) == []


def test_each_area_is_a_package_of_core(graph):
    for area in AREAS:
        assert f"core.{area}" in graph.modules, f"core/{area}/ is missing"


@pytest.mark.parametrize("importer, imported, expected", [
    ("core.platform.audit", "core.hierarchy.scope", "the platform imports no area"),
    ("core.reporting.models", "core.reporting.entry", "models import only models"),
    ("core.reporting.report_pdf", "core.reporting.views.entry", "a service never imports a screen"),
    ("core.hierarchy.units", "core.analytics.rollup", "cycle: "),
    ("core.reporting.attachments", "core.reporting.views.entry", "module cycle: "),
])
def test_an_import_that_breaks_the_layout_is_caught(graph, importer, imported, expected):
    """The check is not vacuous: each kind of break, added to the real graph, is reported."""
    assert not graph.direct_import_exists(importer=importer, imported=imported)
    graph.add_import(importer=importer, imported=imported)
    try:
        assert any(expected in p for p in problems(graph)), problems(graph)
    finally:
        graph.remove_import(importer=importer, imported=imported)
