"""Document builders: an assessment, its narrative and its charts become Bilag 1, 2 and 3."""
from __future__ import annotations
