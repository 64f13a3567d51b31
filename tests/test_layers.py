"""The folder reads as the pipeline: packages by stage, each importing only stages to its left, no cycle.

The order (README.md "How it works", docs/../shared/docs/style.md's layout):

    shared modules  errors, names, document, templating, palette, reportgen/__init__ (PROJECT_DIR)
    inputs/         load, validate, model, geo
    signals/        assess, history, compare, diff, status
    narrate/        Danish sentences
    charts/         drawing and the chart cache
    documents/      format-neutral Document builders and their editable texts
    render/         PDF, DOCX, HTML from a Document: knows no signals, sentences or builders
    outputs/        writer, pack, site, exports, render cache
    rounds/         commands that combine the stages: pipeline, annual, national, preflight, mail, init
    web/            the workbench; cli.py beside it

Imports inside functions count as much as those at the top. That nothing in reportgen/ but cli.py
imports reportgen.web is also tested with the workbench's promises:
tests/test_web_security.py::test_nothing_below_the_web_package_imports_it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "reportgen"

SHARED = ("reportgen", "reportgen.errors", "reportgen.names", "reportgen.document", "reportgen.templating",
          "reportgen.palette")
STAGES = ("inputs", "signals", "narrate", "charts", "documents", "render", "outputs", "rounds", "web")

# What each stage may import besides the shared modules: the stages to its left, except that the
# renderers read only the Document model (and the shared palette and sandbox).
ALLOWED: dict[str, tuple[str, ...]] = {
    "inputs": (),
    "signals": ("inputs",),
    "narrate": ("inputs", "signals"),
    "charts": ("inputs", "signals", "narrate"),
    "documents": ("inputs", "signals", "narrate", "charts"),
    "render": (),
    "outputs": ("inputs", "signals", "narrate", "charts", "documents", "render"),
    "rounds": ("inputs", "signals", "narrate", "charts", "documents", "render", "outputs"),
    "web": ("inputs", "signals", "narrate", "charts", "documents", "render", "outputs", "rounds"),
}
# The shared modules import nothing of a stage, save the palette, which names the signals of the
# model in the Danish words of narrate (one place for each fact).
SHARED_MAY_IMPORT = {"reportgen.palette": ("reportgen.inputs.model", "reportgen.narrate.danish")}
MAX_LOOSE = 8  # modules at the top of reportgen/ (the issue: cli, errors and the like)


def _module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {_module_name(p, package): p for p in sorted(package.rglob("*.py"))}


def imported_modules(path: Path, known: set[str] | None = None, package: Path = PACKAGE) -> set[str]:
    """Every module ``path`` imports, anywhere in it (also inside functions), as absolute names.

    ``from pkg import x`` imports ``pkg.x`` where that is a module (``known``), else ``pkg`` itself
    (a name defined in the package)."""
    name = _module_name(path, package)
    pkg = name if path.name == "__init__.py" else name.rpartition(".")[0]
    known = set(all_modules(package)) if known is None else known
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if sub in known else module)
    return {m for m in found if m == "reportgen" or m.startswith("reportgen.")}


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    modules = all_modules(package)
    known = set(modules)
    return {name: {m for m in imported_modules(path, known, package) if m in known and m != name}
            for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                # a package and the modules of its own __init__'s re-exports are one unit, not a cycle
                members = sorted(component)
                if len(members) > 1 and not _package_with_its_own(members):
                    found.append(members)
    return found


def _package_with_its_own(members: list[str]) -> bool:
    """``narrate/__init__`` re-exports ``narrate.sentences``, which imports ``narrate.danish`` through
    ``from . import danish``: Python resolves that without a cycle, since the package is in
    sys.modules before its __init__ runs its imports. Only a package with its own submodules."""
    packages = [m for m in members if any(o.startswith(m + ".") for o in members)]
    return len(packages) == 1 and all(m == packages[0] or m.startswith(packages[0] + ".") for m in members)


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def test_the_import_graph_has_no_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_planted_cycle(tmp_path):
    """The test above would pass vacuously if it saw no edges: two modules importing each other inside
    functions, and a three-module ring through relative imports, are both found."""
    pkg = tmp_path / "reportgen"
    (pkg / "charts").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "charts" / "__init__.py").write_text("")
    (pkg / "charts" / "draw.py").write_text("from .cache import Chart\n")
    (pkg / "charts" / "cache.py").write_text("def f():\n    from .draw import KINDS\n")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def g():\n    import reportgen.c\n")
    (pkg / "c.py").write_text("from reportgen.a import x\n")
    assert sorted(cycles(import_graph(pkg))) == [["reportgen.a", "reportgen.b", "reportgen.c"],
                                                 ["reportgen.charts.cache", "reportgen.charts.draw"]]


def test_every_module_lives_in_a_stage_package_or_is_one_of_few_shared_ones():
    loose = sorted(p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert len(loose) + 1 <= MAX_LOOSE, loose
    # clitext: the command-line library's own lines in Danish, used by cli.py alone
    assert {f"reportgen.{m}" for m in loose} <= set(SHARED) | {"reportgen.cli", "reportgen.clitext"}
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()) == sorted(STAGES)


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_package_says_its_job_in_one_line(stage):
    doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")))
    first = doc.splitlines()[0] if doc else ""
    assert len(first) > 20 and first.endswith(".")  # the job, in the docstring's first line


def stage_offenders(package: Path = PACKAGE) -> list[str]:
    modules = all_modules(package)
    known = set(modules)
    offenders = []
    for name, path in modules.items():
        own = _stage(name)
        for module in sorted(imported_modules(path, known, package)):
            target = _stage(module)
            if own is None:  # a shared module, or cli.py (which may import anything)
                if name == "reportgen.cli" or target is None:
                    continue
                if module not in SHARED_MAY_IMPORT.get(name, ()):
                    offenders.append(f"{name} imports {module}")
            elif target is not None and target != own and target not in ALLOWED[own]:
                offenders.append(f"{name} imports {module}")
    return offenders


def test_a_stage_never_imports_a_stage_to_its_right():
    """documents never import render, render never imports signals or narrate, nothing below web/ imports it."""
    assert stage_offenders() == []


def test_the_stage_rule_catches_planted_imports(tmp_path):
    pkg = tmp_path / "reportgen"
    for stage in ("documents", "render", "signals", "rounds", "web"):
        (pkg / stage).mkdir(parents=True)
        (pkg / stage / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "documents" / "x.py").write_text("def f():\n    from ..render import pdf\n")
    (pkg / "render" / "pdf.py").write_text("from reportgen.signals import assess\n")
    (pkg / "signals" / "assess.py").write_text("")
    (pkg / "rounds" / "pipeline.py").write_text("from ..web import app\n")
    (pkg / "web" / "app.py").write_text("from ..rounds import pipeline\n")
    assert stage_offenders(pkg) == ["reportgen.documents.x imports reportgen.render.pdf",
                                    "reportgen.render.pdf imports reportgen.signals.assess",
                                    "reportgen.rounds.pipeline imports reportgen.web.app"]


def test_the_import_reader_sees_relative_absolute_and_local_imports(tmp_path, monkeypatch):
    """The checks above would pass vacuously if imports were not resolved; a planted module is caught."""
    pkg = tmp_path / "reportgen"
    module = pkg / "documents" / "x.py"
    module.parent.mkdir(parents=True)
    (pkg / "render").mkdir()
    for f in ("__init__.py", "documents/__init__.py", "documents/common.py", "render/__init__.py",
              "render/pdf.py", "render/docx.py"):
        (pkg / f).write_text("")
    module.write_text("from ..render import pdf\nfrom . import common\nfrom ..render import RenderError\n"
                      "def f():\n    import reportgen.render.docx\n", encoding="utf-8")
    assert imported_modules(module, package=pkg) == {"reportgen.render.pdf", "reportgen.documents.common",
                                                     "reportgen.render", "reportgen.render.docx"}
