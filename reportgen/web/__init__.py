"""The administrator's workbench (`reportgen serve`): a small ASGI application above the pipeline.

Nothing in reportgen below this package imports it; it maps requests to the same library calls
the command line makes (read_barometer, assess, status_json, pipeline.build, letters)."""
from __future__ import annotations
