"""Danish sentences from an assessment. ``danish`` holds every number/date format and plural."""
from __future__ import annotations
