"""reportgen: committee documents from a municipal indicator barometer."""
from __future__ import annotations

__version__ = "0.1.0"
