"""Paying the first PDF preview's costs at server start (issue 17: one letter's PDF in under 2 s).

A fresh process spends about 1.7 s on its first preview before any of it is the letter: importing
WeasyPrint, loading the fonts and parsing the print CSS (render.pdf._setup), assessing the
barometer's history, and Pango's first layout. ``reportgen serve`` starts :func:`start` in a
background thread; afterwards a preview takes about 0.2 s (bench/preview_pdf.py).

A workbench build forks worker processes. A fork while the warm-up holds a lock (an import's, or
render.pdf's) would leave that lock held forever in the worker, so a build waits for the warm-up
to end first (:func:`wait`); without a warm-up (``create_app`` alone, as in the tests) it never waits.
"""
from __future__ import annotations

import logging
import threading
import time

from ..errors import ReportgenError
from .workspace import Workspace

log = logging.getLogger(__name__)

_DONE = threading.Event()
_DONE.set()


def warm_up(ws: Workspace) -> None:
    """Import the PDF renderer, load its fonts and CSS (for the shipped templates and each barometer's
    own), then render the first valid barometer's default letter once as its preview would (which
    assesses its history, cached by ``ws.derived`` until its files change). Never raises: a
    barometer that cannot be built is skipped, and a failure only means the first preview pays."""
    from ..documents import letters
    from ..render import pdf
    from . import texts

    started = time.perf_counter()
    try:
        with texts.PDF_LOCK:
            pdf.warm_up()
        ids = ws.barometer_ids()
        for barometer_id in ids:
            dirs = texts.template_dirs(ws, barometer_id)
            if dirs:
                with texts.PDF_LOCK:
                    pdf.warm_up(dirs)
        for barometer_id in ids:
            try:
                text = texts.read_text(ws, barometer_id, letters.DEFAULT_LETTER).text
                if texts.preview_pdf(ws, barometer_id, letters.DEFAULT_LETTER, text)[0] is not None:
                    break
            except ReportgenError as err:
                log.debug("forvarmningen sprang %s over: %s", barometer_id, err)
    except Exception:  # a warm-up must never take the server down
        log.exception("forvarmningen af PDF-forhåndsvisningen mislykkedes")
        return
    log.info("PDF-forhåndsvisningen er varmet op på %.1f s", time.perf_counter() - started)


def start(ws: Workspace) -> threading.Thread:
    """:func:`warm_up` in a daemon thread; :func:`wait` returns once it has ended."""
    _DONE.clear()

    def run() -> None:
        try:
            warm_up(ws)
        finally:
            _DONE.set()

    thread = threading.Thread(target=run, name="warm-up", daemon=True)
    thread.start()
    return thread


def wait(timeout: float = 300) -> None:
    """Until a running warm-up has ended (at once if none runs)."""
    _DONE.wait(timeout)
