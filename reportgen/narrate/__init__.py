"""Danish from the signals: why each colour, what changed (diff), every method side by side (compare), status."""
from __future__ import annotations

from .sentences import (
    AreaText,
    IndicatorText,
    Narrative,
    area_summary,
    district_text,
    explain,
    explain_area,
    indicator_text,
    narrate,
)

__all__ = ["AreaText", "IndicatorText", "Narrative", "area_summary", "district_text", "explain",
           "explain_area", "indicator_text", "narrate"]
