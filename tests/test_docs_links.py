"""Every relative link in the project's Markdown (README, docs/, letters/, bench/) leads to a file that exists,
and every `reportgen/….py` path named in them is a module of the package."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), ROOT / "letters" / "README.md",
                ROOT / "bench" / "README.md"])
LINK = re.compile(r"\]\(([^)\s]+)\)")
MODULE_PATH = re.compile(r"reportgen/[a-z_/]+\.py")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_links_and_module_paths_resolve(page):
    text = page.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if path and not (page.parent / path).exists():
            broken.append(target)
    broken += [p for p in MODULE_PATH.findall(text) if not (ROOT / p).is_file()]
    assert broken == []


def test_the_checker_sees_a_broken_link(tmp_path):
    page = tmp_path / "x.md"
    page.write_text("[a](nowhere.md) [b](x.md#top)\n", encoding="utf-8")
    assert [t for t in LINK.findall(page.read_text()) if not (tmp_path / t.split("#")[0]).exists()] == ["nowhere.md"]


def test_every_test_named_in_the_docs_exists():
    """docs/security.md holds each promise to a named test: a renamed or removed test shows here."""
    defined = {m for p in (ROOT / "tests").rglob("*.py")
               for m in re.findall(r"^\s*(?:async )?def (test_\w+)", p.read_text(encoding="utf-8"), flags=re.M)}
    cited = re.compile(r"`(?:tests/[\w/]+\.py::)?(test_\w+)`")
    named = [(page.name, name) for page in PAGES
             for name in sorted(set(cited.findall(page.read_text(encoding="utf-8"))))]
    assert len([n for p, n in named if p == "security.md"]) > 20  # the promises name their tests
    assert [(page, name) for page, name in named if name not in defined] == []
