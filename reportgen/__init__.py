"""reportgen: committee documents from a municipal indicator barometer."""
from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"

# The project folder: templates/ and letters/ (the shipped texts and looks) live here.
PROJECT_DIR = Path(__file__).resolve().parents[1]
