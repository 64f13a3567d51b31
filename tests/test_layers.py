"""The stages import only from stages to their left (README.md "Architecture", the brief's data flow).

That nothing in reportgen/ but cli.py imports reportgen.web is tested with the workbench's promises:
tests/test_web_security.py::test_nothing_below_the_web_package_imports_it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "reportgen"

# (package whose modules are checked, stages they must never import)
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # documents/ build the format-neutral document model; how it is drawn is render/'s business
    ("reportgen.documents", ("reportgen.render",)),
    # renderers know nothing of signals, texts or which documents exist
    ("reportgen.render", ("reportgen.assess", "reportgen.narrate", "reportgen.documents")),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (also inside functions), as absolute names;
    ``from . import x`` counts as importing both the package and ``package.x``."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize(("package", "forbidden"), RULES, ids=[p for p, _ in RULES])
def test_a_stage_never_imports_a_stage_to_its_right(package, forbidden):
    folder = PACKAGE.joinpath(*package.split(".")[1:])
    modules = sorted(folder.rglob("*.py"))
    assert modules, f"{package} has no modules: the rule checks nothing"
    offenders = [
        f"{path.relative_to(PACKAGE.parent)} imports {module}"
        for path in modules
        for module in sorted(imported_modules(path))
        if any(_inside(module, stage) for stage in forbidden)
    ]
    assert offenders == []


def test_the_import_reader_sees_relative_absolute_and_local_imports(tmp_path, monkeypatch):
    """The check above would pass vacuously if imports were not resolved; a planted module is caught."""
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path / "reportgen")
    module = tmp_path / "reportgen" / "documents" / "x.py"
    module.parent.mkdir(parents=True)
    module.write_text("from ..render import pdf\nfrom . import common\n"
                      "def f():\n    import reportgen.render.docx\n", encoding="utf-8")
    assert imported_modules(module) == {"reportgen.render", "reportgen.render.pdf", "reportgen.documents",
                                        "reportgen.documents.common", "reportgen.render.docx"}
