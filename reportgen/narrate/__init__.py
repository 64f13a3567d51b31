"""Danish sentences from an assessment. ``danish`` holds every number/date format and plural."""
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
