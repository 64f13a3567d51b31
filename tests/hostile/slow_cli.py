"""``python slow_cli.py build ...``: reportgen's CLI with every staged file write delayed (seconds in
REPORTGEN_TEST_WRITE_DELAY), so a test can interrupt a build while it writes."""
from __future__ import annotations

import os
import sys
import time

from reportgen.cli import main
from reportgen.outputs import writer

DELAY = float(os.environ.get("REPORTGEN_TEST_WRITE_DELAY", "0.3"))
_write = writer.OutputWriter.write


def _slow_write(self: writer.OutputWriter, relpath: str, data: bytes) -> writer.Written:
    time.sleep(DELAY)
    return _write(self, relpath, data)


if __name__ == "__main__":
    writer.OutputWriter.write = _slow_write  # type: ignore[method-assign]
    sys.argv[0] = "reportgen"
    main()
