"""Every `reportgen …` command line shown in README.md and docs/tutorial.md runs, in document order,
in a temporary folder holding a copy of data/ (issue 20.6). A command that exits with an error
fails the test with the document and line it is written on.

Two tables below decide how a documented command runs here; everything else runs as written.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = ("README.md", "docs/tutorial.md")
PROGRAM = ("reportgen", ".venv/bin/reportgen")


@dataclass(frozen=True)
class Run:
    """How one documented command is run here."""

    extra: tuple[str, ...] = ()  # arguments added after the documented ones (a later option wins)
    stdin: str | None = None  # what a user would type at a prompt
    env: dict[str, str] = field(default_factory=dict)  # extra environment variables
    codes: tuple[int, ...] = (0,)  # exit codes that mean it worked
    timeout: float = 900


# Commands the docs show that never end by themselves: listed here, never run. Keyed by the
# subcommand's words (the arguments before the first option or path).
SKIP: dict[tuple[str, ...], str] = {
    ("serve",): "serves the website until it is stopped with Ctrl-C",
}

# Documented commands that run differently here, keyed like SKIP; the longest matching key wins.
RUN_AS: dict[tuple[str, ...], Run] = {
    # One municipality and the country instead of all 99 reports.
    ("build-all",): Run(extra=("--only", "0101,landet", "--workers", "1")),
    # `send --smtp … --user … --dry-run` checks that a password is given (from the environment only)
    # but connects to nothing; the documented drafts-only `send` ignores it.
    ("send",): Run(env={"REPORTGEN_SMTP_PASSWORD": "bruges-ikke"}),
}


@dataclass(frozen=True)
class Step:
    """A command to run, or a line the text tells the reader to add to a file of the new folder."""

    doc: str
    line: int
    argv: tuple[str, ...] = ()
    append_to: str | None = None  # file name inside the folder made by the latest `init`
    lines: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


_INLINE = re.compile(r"`((?:\.venv/bin/)?reportgen [^`]+)`")
_APPEND = re.compile(r"sidst i `([\w.-]+)`")


def _command(text: str) -> tuple[str, ...] | None:
    try:
        words = shlex.split(text, comments=True)
    except ValueError:
        return None
    return tuple(words) if words and words[0] in PROGRAM else None


# An inline `reportgen send` or `reportgen annual FOLDER --year YYYY` names a command in prose; only
# inline code with a real argument and no placeholder in capitals is a command to run.
_PLACEHOLDER = re.compile(r"^[A-ZÆØÅ][A-ZÆØÅ_:]+$")


def _mention(argv: tuple[str, ...]) -> bool:
    positional = [word for word in argv[2:] if not word.startswith("-")]
    return not positional or any(_PLACEHOLDER.match(word) for word in argv[1:])


# What both documents tell the reader to do by hand right after `reportgen init` (README: "put the
# mayor's name in aarhus/letters/letters.toml"; tutorial: "skriv navn og titel … i stedet for
# `Navn Navnesen`"): write a real signer's name over init's placeholder, which check and build refuse.
SIGNER_FILE = "letters/letters.toml"
SIGNER_NAME = "Anne Andersen"


def sign_new_folder(folder: Path) -> None:
    from reportgen.documents.letters import PLACEHOLDER_NAME

    path = folder / SIGNER_FILE
    text = path.read_text(encoding="utf-8")
    assert PLACEHOLDER_NAME in text, f"{path}: init no longer writes the placeholder the docs describe"
    path.write_text(text.replace(PLACEHOLDER_NAME, SIGNER_NAME), encoding="utf-8")


def extract_steps(doc: str, text: str) -> list[Step]:
    """Commands in ```sh blocks and in inline code (`reportgen diff aarhus --from …`), and the lines
    of a plain ``` block that the text just before asks to add at the end ("sidst i `updates.csv`")."""
    steps: list[Step] = []
    lines = text.splitlines()
    i = 0
    prose: list[str] = []
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"^\s*```(\w*)\s*$", line)
        if not fence:
            prose = [*prose[-2:], line] if line.strip() else prose
            steps.extend(Step(doc, i + 1, argv) for m in _INLINE.finditer(line)
                         if (argv := _command(m.group(1))) and not _mention(argv))
            i += 1
            continue
        start, i = i + 1, i + 1
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            i += 1
        body = lines[start:i]
        i += 1
        if fence.group(1) in ("sh", "bash", "shell", "console"):
            steps.extend(Step(doc, start + n + 1, argv) for n, b in enumerate(body) if (argv := _command(b)))
        elif fence.group(1) == "" and prose and (m := _APPEND.search(" ".join(prose[-1:]))):
            steps.append(Step(doc, start + 1, append_to=m.group(1), lines=tuple(b for b in body if b.strip())))
        prose = []
    return steps


def _key(argv: tuple[str, ...], table: dict) -> tuple[str, ...] | None:
    words = []
    for word in argv[1:]:
        if word.startswith("-") or "/" in word:
            break
        words.append(word)
    keys = [k for k in table if tuple(words[:len(k)]) == k]
    return max(keys, key=len) if keys else None


def run_steps(steps: list[Step], workspace: Path) -> list[str]:
    """Run the steps in order in ``workspace``; the failures, each with its doc:line and stderr."""
    failures: list[str] = []
    folder: Path | None = None
    for step in steps:
        if step.append_to:
            assert folder is not None, f"{step.where}: lines to add before any `reportgen init`"
            path = folder / step.append_to
            data = path.read_bytes()
            path.write_bytes(data + (b"" if data.endswith(b"\n") else b"\n")
                             + "".join(f"{x}\n" for x in step.lines).encode("utf-8"))
            continue
        if _key(step.argv, SKIP):
            continue
        how = RUN_AS.get(_key(step.argv, RUN_AS) or (), Run())
        args = [*step.argv[1:], *how.extra]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", **how.env}
        result = subprocess.run([sys.executable, "-m", "reportgen.cli", *args], cwd=workspace, env=env,
                                input=how.stdin, capture_output=True, text=True, encoding="utf-8",
                                timeout=how.timeout)
        if result.returncode not in how.codes:
            failures.append(f"{step.where}: `{shlex.join(step.argv)}` exited {result.returncode}:\n"
                            f"{result.stderr.strip()[-2000:]}")
        made = [a for a in args[1:] if not a.startswith("-")]
        if args[:1] == ["init"] and made and result.returncode == 0:
            folder = workspace / made[0]
            sign_new_folder(folder)
    return failures


def test_extraction_finds_commands_edits_and_skips():
    text = """\
Run it:

```sh
.venv/bin/reportgen init aarhus --municipality "Aarhus Kommune"   # 1. a folder
./run demo
xdg-open output/*/pack.pdf
reportgen serve output/2009-12/site
```

Output, not a command:

```
Næste skridt: reportgen check aarhus
```

Add a line sidst i `updates.csv`:

```
2025-12,2025-12-04,December 2025,,,
```

Then `reportgen diff aarhus --from 2025-06 --to 2025-12` and `reportgen` alone; `reportgen send` and
`reportgen annual FOLDER --year YYYY` are only named.
"""
    steps = extract_steps("x.md", text)
    assert [(s.line, s.argv, s.append_to, s.lines) for s in steps] == [
        (4, (".venv/bin/reportgen", "init", "aarhus", "--municipality", "Aarhus Kommune"), None, ()),
        (7, ("reportgen", "serve", "output/2009-12/site"), None, ()),
        (19, (), "updates.csv", ("2025-12,2025-12-04,December 2025,,,",)),
        (22, ("reportgen", "diff", "aarhus", "--from", "2025-06", "--to", "2025-12"), None, ()),
    ]
    assert _key(steps[1].argv, SKIP) == ("serve",)
    assert _key(("reportgen", "build-all", "data/danmark", "--out", "output"), RUN_AS) == ("build-all",)
    assert _key(("reportgen", "build", "data/copenhagen"), RUN_AS) is None


def test_the_docs_show_the_main_commands():
    shown = {s.argv[1] for doc in DOCS for s in extract_steps(doc, (ROOT / doc).read_text(encoding="utf-8"))
             if s.argv}
    assert {"init", "check", "status", "diff", "compare", "build", "build-all", "export"} <= shown


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS)
def test_every_documented_command_runs(doc, tmp_path):
    text = (ROOT / doc).read_text(encoding="utf-8")
    steps = extract_steps(doc, text)
    assert len([s for s in steps if s.argv]) >= 5
    assert SIGNER_FILE in text, f"{doc} must tell the reader where the signer's name goes"
    shutil.copytree(ROOT / "data", tmp_path / "data")
    failures = run_steps(steps, tmp_path)
    assert not failures, "\n\n".join(failures)
