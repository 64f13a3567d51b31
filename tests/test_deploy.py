"""What docs/deploy.md gives IT: the systemd unit (verified by systemd-analyze) and the options it
starts the workbench with. The nginx site is run for real in tests/test_web_nginx.py."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "reportgen.service"


def _settings(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.replace("\\\n", " ").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_service_unit_is_hardened_and_systemd_accepts_it(tmp_path):
    text = UNIT.read_text(encoding="utf-8")
    s = _settings(text)
    assert s["User"] == ["reportgen"] and s["NoNewPrivileges"] == ["yes"] and s["ProtectSystem"] == ["strict"]
    command = shlex.split(s["ExecStart"][0])
    workspace = command[2]
    assert command[1] == "serve" and s["ReadWritePaths"] == [workspace]
    assert s["CapabilityBoundingSet"] == [""] and s["ProtectHome"] == ["yes"] and s["PrivateTmp"] == ["yes"]
    # systemd's own check, with ExecStart pointing at this checkout's reportgen (it must be executable).
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is needed (Debian package systemd; ./run test installs it)"
    unit = tmp_path / "reportgen.service"
    here = str(Path(sys.executable).with_name("reportgen"))
    unit.write_text(text.replace("/opt/reportgen/.venv/bin/reportgen", here), encoding="utf-8")
    run = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stderr.strip() == "", run.stderr
    # Every option the unit passes exists (an unknown option would stop the service at start).
    help_text = subprocess.run([sys.executable, "-m", "reportgen.cli", "serve", "--help"], capture_output=True,
                               text=True, timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}).stdout
    options = [a for a in command if a.startswith("--")]
    assert options and all(o in help_text for o in options), options


def test_deploy_doc_covers_what_it_asks():
    doc = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for needed in ("deploy/reportgen.service", "deploy/nginx-barometer.conf", "reportgen backup", "reportgen restore",
                   "/api/health", "--access-log json", "--auth-header", "systemd-analyze verify", "journalctl",
                   "Upgrad", "--oidc-issuer", "REPORTGEN_OIDC_CLIENT_SECRET", "--oidc-editor-group"):
        assert needed in doc, needed
    assert re.search(r"Redirect URI \| `https://intra\.example\.dk/barometer/auth/callback`", doc)
    assert re.search(r"restore drill", doc, re.I)
