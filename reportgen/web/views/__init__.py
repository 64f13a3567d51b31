"""One module per family of pages; each page is one function returning data, shown as HTML or JSON."""
from __future__ import annotations
