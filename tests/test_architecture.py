"""Rules about how the code is put together, read from the source with ``ast`` (no import runs)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = ("registry", "victims", "services", "legal_aid", "exports", "reports", "transfers", "inbox")

# Modules that compose the apps: they import every app's URLs, views or seeds, and nothing of the
# apps imports them back (the tests below check that). Their imports "downwards" into the apps
# are the point of them, so they are no cycle; any first-party module importing one of them is.
# - registry.urls: the root URLconf (ROOT_URLCONF), which mounts every app's urls.py.
# - registry.management.commands.seed_demo: fills a demo database with every app's records.
COMPOSITION_ROOTS = frozenset({"registry.urls", "registry.management.commands.seed_demo"})


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def first_party_modules() -> dict[str, Path]:
    """Every module of the first-party packages, by dotted name (migrations included)."""
    return {_module_name(path): path for package in FIRST_PARTY for path in sorted((ROOT / package).rglob("*.py"))}


def _imported_names(module: str, path: Path, tree: ast.Module) -> Iterator[str]:
    """Every dotted name ``module`` imports, at module level or inside a function, relative
    imports resolved; ``from pkg import name`` gives ``pkg.name`` (a module, or a name in ``pkg``)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                yield f"{source}.{alias.name}"


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The first-party module ``name`` stands for: itself, or the longest module prefix of it
    (``registry.audit.record_event`` → ``registry.audit``); None outside the first party."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    """``{module: first-party modules it imports}``."""
    modules = first_party_modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = {_resolve(name, modules) for name in _imported_names(module, path, tree)}
        graph[module] = {target for target in targets if target is not None and target != module}
    return graph


def strongly_connected_components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the graph is a few hundred modules deep at most)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _a_cycle(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One cycle through the component's first module, to name in the failure."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph[node] & members):
                if successor == start:
                    return [*paths[node], start]
                if successor not in paths:
                    paths[successor] = [*paths[node], successor]
                    following.append(successor)
        frontier = following
    return component


def test_the_import_graph_sees_relative_imports_and_imports_inside_functions():
    source = """
import registry.policy
from registry import audit
from . import selectors
from .. import operations


def later():
    from exports.batch import archive_one
"""
    names = set(_imported_names("victims.views.cases", Path("victims/views/cases.py"), ast.parse(source)))
    assert names == {
        "registry.policy",
        "registry.audit",
        "victims.views.selectors",
        "victims.operations",
        "exports.batch.archive_one",
    }
    package = ast.parse("from .chain import GENESIS")
    assert list(_imported_names("registry.audit", Path("registry/audit/__init__.py"), package)) == [
        "registry.audit.chain.GENESIS"
    ]
    modules = first_party_modules()
    assert _resolve("exports.batch.archive_one", modules) == "exports.batch"
    assert _resolve("registry.audit.chain.GENESIS", modules) == "registry.audit.chain"
    assert _resolve("django.db.models", modules) is None


def test_no_module_imports_a_composition_root():
    graph = import_graph()
    importers = sorted(
        f"{module} imports {root}" for module, targets in graph.items() for root in targets & COMPOSITION_ROOTS
    )
    assert not importers, "only Django loads the composition roots:\n" + "\n".join(importers)


def test_no_import_cycles():
    """No first-party modules import each other, directly or round a longer loop — imports
    inside functions included (a function-level import hides a cycle; it does not remove it).

    Allowed, and why:
    - the composition roots (:data:`COMPOSITION_ROOTS`) import the apps: nothing imports them
      back (test above), so their edges are left out of the graph;
    - an ``AppConfig.ready()`` (``<app>.apps``) importing its own app's modules to connect
      signals and register checks: Django calls it, no module imports an ``apps`` module, so
      it cannot close a cycle either — nothing is exempted for it.
    """
    graph = {module: set() if module in COMPOSITION_ROOTS else targets for module, targets in import_graph().items()}
    cycles = [_a_cycle(component, graph) for component in strongly_connected_components(graph) if len(component) > 1]
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)


# --- domain apps import the core's plumbing, never the victim file's faces ---------------------

# The other domain apps build on ``registry`` (API base, page guard, forms, operations, policy)
# and may use the victims app's models, selectors and operations — never its API, pages or forms.
APPS_OFF_THE_VICTIM_FILES_FACES = ("services", "legal_aid", "exports", "reports")
VICTIM_FILE_FACES = ("victims.api", "victims.views", "victims.forms")


def _is_a_face(name: str) -> bool:
    return any(name == face or name.startswith(f"{face}.") for face in VICTIM_FILE_FACES)


def test_other_apps_import_nothing_from_the_victim_files_api_pages_or_forms():
    """Every import of ``services``, ``legal_aid`` and ``exports`` — module level or inside a
    function, ``import victims.views`` and ``from victims import views`` alike — names no module
    of ``victims.api``, ``victims.views`` or ``victims.forms`` nor anything in them."""
    offending = []
    for app in APPS_OFF_THE_VICTIM_FILES_FACES:
        for path in sorted((ROOT / app).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for name in _imported_names(_module_name(path), path, tree):
                if _is_a_face(name):
                    offending.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offending, "import it from registry instead:\n" + "\n".join(offending)


def test_the_face_check_sees_every_form_of_import(tmp_path):
    """The walk above catches each way of spelling the import (a test of the test)."""
    sources = {
        "import victims.views.common": "victims.views.common",
        "from victims import views": "victims.views",
        "from victims.api.base import CaseRouteViewSet": "victims.api.base.CaseRouteViewSet",
        "def ready():\n    from victims.forms import date_input": "victims.forms.date_input",
    }
    for source, name in sources.items():
        path = tmp_path / "module.py"
        path.write_text(source, encoding="utf-8")
        assert list(_imported_names("services.module", path, ast.parse(source))) == [name]
        assert _is_a_face(name)
    assert not _is_a_face("victims.selectors") and not _is_a_face("victims.validation")
    assert not _is_a_face("victims.viewsets")
