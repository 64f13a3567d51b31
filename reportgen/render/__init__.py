"""Renderers: siblings that read only a reportgen.document.Document (HTML, PDF, DOCX)."""
