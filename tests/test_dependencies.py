"""Every pinned runtime dependency does work in reportgen/; the manifest lists only what a build runs."""
from __future__ import annotations

import ast
import re
import tomllib
from importlib import metadata

from reportgen.outputs.pack import DEPENDENCIES
from tests.conftest import ROOT

# Pinned, never imported by us: they decide the bytes of what matplotlib and WeasyPrint draw.
PINNED_FOR_OTHERS = {"numpy": "matplotlib's arrays", "pillow": "matplotlib's and WeasyPrint's images",
                     "python-multipart": "Starlette's form and upload parser (the workbench's request.form())",
                     "tzdata": "zoneinfo's time zones where the system has none (the e-mails' Date)"}


def pinned(section: list[str]) -> set[str]:
    return {re.split(r"[=<>~ ]", spec, maxsplit=1)[0].lower() for spec in section}


def imported_distributions(folder) -> set[str]:
    """The installed distributions whose top-level modules some file below ``folder`` imports."""
    modules = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    owners = metadata.packages_distributions()
    return {dist.lower() for module in modules for dist in owners.get(module, ())}


def test_every_runtime_dependency_is_imported_by_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = pinned(project["dependencies"])
    used = imported_distributions(ROOT / "reportgen")
    assert runtime - used == set(PINNED_FOR_OTHERS)
    assert "pypdf" not in runtime


def test_test_only_packages_are_in_the_test_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime, test = pinned(project["dependencies"]), pinned(project["optional-dependencies"]["test"])
    used_by_tests = imported_distributions(ROOT / "tests") - runtime - {"reportgen"}
    assert used_by_tests <= test, used_by_tests - test


def test_manifest_lists_what_a_build_runs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {name.lower() for name in DEPENDENCIES}
    assert names <= pinned(project["dependencies"])
    assert names <= imported_distributions(ROOT / "reportgen")
    assert "pandas" not in names  # only `reportgen export --xlsx` uses it, not a build
