"""Faults during a build: signals, a full disk, a failing renderer, a second build at the same time.
Each leaves the previous output complete and byte-identical, no staging folder, and a clear message."""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_corpus import ROOT, base, run_cli, tree_hashes, write_barometer
from test_hostile_data import run_in_process

from reportgen.errors import RenderError
from reportgen.outputs import writer

SLOW_CLI = Path(__file__).with_name("slow_cli.py")
INTERRUPTED = "Afbrudt. Tidligere output er urørt."
UPDATE = "2009-06"


def published(out: Path) -> dict[str, str]:
    """Hashes of the published update folder only (the cache may legitimately gain entries)."""
    return tree_hashes(out / UPDATE)


def changed_barometer(folder: Path, value: str = "49.5") -> Path:
    """The small barometer with one figure changed, so a new build would change every document."""
    return write_barometer(folder, {"measurements.csv": base("measurements.csv").replace("50.5", value)})


@pytest.fixture(scope="module")
def template_out(tmp_path_factory) -> Path:
    """A complete build of the small barometer, whose cache also holds the changed barometer's
    documents and charts (so a test build of it reaches the writing stage quickly)."""
    root = tmp_path_factory.mktemp("faults")
    out, scratch = root / "out", root / "scratch"
    for folder, target in ((write_barometer(root / "good"), out), (changed_barometer(root / "changed"), scratch)):
        result = run_in_process("build", str(folder), "--out", str(target))
        assert result.returncode == 0, result.stderr
    shutil.copytree(scratch / ".cache", out / ".cache", dirs_exist_ok=True)
    return out


@pytest.fixture
def previous(tmp_path, template_out) -> Path:
    """An output folder holding a complete build of the small barometer."""
    out = tmp_path / "out"
    shutil.copytree(template_out, out)
    return out


def assert_manifest_matches_files(update_dir: Path) -> None:
    """Never mixed output: every file the manifest lists has exactly the recorded bytes."""
    manifest = json.loads((update_dir / "manifest.json").read_text(encoding="utf-8"))
    outputs = manifest["outputs"]
    assert outputs
    for entry in outputs:
        data = (update_dir / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]


def _default_sigint() -> None:
    """In the child before exec: SIGINT back to its default. A test run started with SIGINT ignored
    (a background job of a script, some CI runners) would otherwise pass the ignore on, and a build
    started with SIGINT ignored ignores it by design (docs/security.md), as Unix tools do."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_slow_build(folder: Path, out: Path, delay: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8",
           "REPORTGEN_TEST_WRITE_DELAY": str(delay)}
    return subprocess.Popen([sys.executable, str(SLOW_CLI), "build", str(folder), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            env=env, cwd=ROOT, preexec_fn=_default_sigint)


def wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_while_writing_keeps_previous_output(sig, tmp_path, previous):
    before = published(previous)
    build = start_slow_build(changed_barometer(tmp_path / "changed"), previous, delay=0.3)
    wait_for(lambda: any(previous.glob(".staging-*/*")) or build.poll() is not None)
    build.send_signal(sig)
    _, stderr = build.communicate(timeout=60)
    assert published(previous) == before
    assert not list(previous.glob(".staging-*")) and not list(previous.glob(".old-*"))
    assert build.returncode == 130, stderr
    assert stderr.splitlines()[-1:] == [INTERRUPTED]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_while_rendering_keeps_previous_output(sig, tmp_path, previous):
    """Before anything is staged: the build is drawing charts (new entries appear in the chart cache)."""
    before = published(previous)
    charts = previous / ".cache" / "charts"
    drawn = set(charts.iterdir())
    build = start_slow_build(changed_barometer(tmp_path / "changed", "48.5"), previous, delay=0)
    wait_for(lambda: set(charts.iterdir()) - drawn or build.poll() is not None)
    build.send_signal(sig)
    _, stderr = build.communicate(timeout=60)
    assert published(previous) == before
    assert not list(previous.glob(".staging-*"))
    assert build.returncode == 130, stderr
    assert stderr.splitlines()[-1:] == [INTERRUPTED]


def test_full_disk_keeps_previous_output(tmp_path, previous, monkeypatch):
    """A disk that fills up while staging: a real 1 MB-headroom tmpfs when we may mount (root), else
    the writer's open() failing with ENOSPC on the fifth file."""
    before = published(previous)
    out = tmp_path / "small-disk"
    out.mkdir()
    mounted = False
    if os.geteuid() == 0:
        used = sum(p.stat().st_size for p in (previous / UPDATE).rglob("*") if p.is_file())
        size = used + 512 * 1024 + 64 * 1024  # room for the previous output, not for a second one
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(out)],
                                 capture_output=True).returncode == 0
    try:
        shutil.copytree(previous / UPDATE, out / UPDATE)
        if not mounted:
            calls = iter(range(1000))

            def full_open(path, mode="r", *args, **kwargs):
                if "w" in mode and next(calls) >= 4:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
                return open(path, mode, *args, **kwargs)

            monkeypatch.setattr(writer, "open", full_open, raising=False)
        result = run_in_process("build", str(changed_barometer(tmp_path / "changed")), "--out", str(out),
                                "--no-cache")
        assert result.returncode == 1, result.stdout
        last = result.stderr.splitlines()[-1]
        assert last.startswith("Fejl: kan ikke skrive ") and last.endswith(": No space left on device"), last
        assert published(out) == before
        assert not list(out.glob(".staging-*"))
    finally:
        if mounted:
            subprocess.run(["umount", str(out)], check=True)


def test_renderer_failing_on_one_letter_keeps_previous_output(tmp_path, previous, monkeypatch):
    from reportgen.render import pdf

    real = pdf.render_pdf

    def failing(doc, **kwargs):
        if doc.meta.kind == "letter":
            raise RenderError("brevet kunne ikke sættes op (testfejl)")
        return real(doc, **kwargs)

    monkeypatch.setattr(pdf, "render_pdf", failing)
    before = published(previous)
    result = run_in_process("build", str(changed_barometer(tmp_path / "changed")), "--out", str(previous),
                            "--no-cache")
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["Fejl: brevet kunne ikke sættes op (testfejl)"]
    assert published(previous) == before
    assert not list(previous.glob(".staging-*"))


def test_build_refuses_while_another_holds_the_lock(tmp_path, previous):
    before = published(previous)
    fd = os.open(previous / ".reportgen.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run_cli("build", str(changed_barometer(tmp_path / "changed")), "--out", str(previous))
    finally:
        os.close(fd)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Fejl: en anden kørsel bygger allerede i {previous}; vent til den er færdig"]
    assert published(previous) == before


def test_two_concurrent_builds_never_mix(tmp_path, previous):
    """B starts while A is writing (slowly): B refuses clearly, A publishes a complete output."""
    first = start_slow_build(changed_barometer(tmp_path / "a"), previous, delay=0.4)
    wait_for(lambda: any(previous.glob(".staging-*/*")) or first.poll() is not None)
    second = run_cli("build", str(write_barometer(tmp_path / "b")), "--out", str(previous))
    _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err
    assert second.returncode == 1, second.stdout
    assert second.stderr.splitlines() == [
        f"Fejl: en anden kørsel bygger allerede i {previous}; vent til den er færdig"]
    assert_manifest_matches_files(previous / UPDATE)
    assert not list(previous.glob(".staging-*")) and not list(previous.glob(".old-*"))
