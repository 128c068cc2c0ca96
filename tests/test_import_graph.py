"""The import graph between apps, built from the source (../shared/DESIGN.md, "Which way the
imports go"): no cycle, and no domain app imports cms, analytics or the FHIR app.

Every import counts, at module level or inside a function: a function-level import hides a loop
from Python, not from the design. Tests and migrations are left out (tests may use any app's
factories; migrations are generated)."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "analytics", "cms")
ABOVE_THE_DOMAIN = {"cms", "analytics", "portal.fhir"}


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "portal" and len(parts) > 1:
        return f"portal.{parts[1]}"
    return parts[0] if parts[0] in PACKAGES else None


def import_graph() -> dict[str, dict[str, set[str]]]:
    """{app: {imported app: {file importing it, ...}}}"""
    graph: dict[str, dict[str, set[str]]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if {"tests", "migrations"} & set(relative.parts):
                continue
            source = app_of(".".join(relative.with_suffix("").parts))
            if source is None or source == "portal.__init__":
                continue
            graph.setdefault(source, {})
            for node in ast.walk(ast.parse(path.read_text(), str(relative))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
                else:
                    continue
                for name in names:
                    target = app_of(name)
                    if target and target != source:
                        graph[source].setdefault(target, set()).add(str(relative))
    return graph


def cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph.get(node, {})):
            if state.get(target) == "open":
                found.append([*stack[stack.index(target):], target])
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_a_loop_is_found_when_there_is_one():
    graph = {"portal.a": {"portal.b": {"a.py"}}, "portal.b": {"portal.c": {"b.py"}}, "portal.c": {"portal.a": {"c.py"}}}
    assert cycles(graph) == [["portal.a", "portal.b", "portal.c", "portal.a"]]
    assert cycles({"portal.a": {"portal.b": {"a.py"}}, "portal.b": {}}) == []


def test_no_two_apps_import_each_other_even_through_others():
    graph = import_graph()
    assert "portal.booking" in graph and "portal.reports" in graph  # the walk found the apps
    problems = [
        " -> ".join(loop) + "  (" + "; ".join(
            f"{a}->{b}: {', '.join(sorted(graph[a][b]))}" for a, b in itertools.pairwise(loop)) + ")"
        for loop in cycles(graph)
    ]
    assert not problems, "\n".join(problems)


def test_no_domain_app_imports_the_site_analytics_or_fhir():
    graph = import_graph()
    wrong = {
        f"{source} -> {target}: {', '.join(sorted(files))}"
        for source, targets in graph.items() if source not in ABOVE_THE_DOMAIN
        for target, files in targets.items() if target in ABOVE_THE_DOMAIN
    }
    assert not wrong, "\n".join(sorted(wrong))
