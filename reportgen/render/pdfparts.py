"""A long document laid out in two parts at once, one per core, and joined into one PDF.

Nothing flows across a forced page break, so a document whose sections start on a new page
(a PageBreak before a level-1 heading) can be laid out as independent parts. Only the footers'
"Side X af Y" depend on the other parts: each part's pages are made first, the parts exchange
their page counts, and the margin boxes are laid out with the document's numbers. The part PDFs
are then joined (render/pdfjoin.py).

The cut depends on the document alone, never on the machine, so the same document gives the same
bytes on one core or many.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from multiprocessing import Pipe
from multiprocessing.connection import Connection

from reportgen.document import Document, Figure, Heading, ListBlock, PageBreak, Table
from reportgen.errors import RenderError

PARTS = 2
# Below this many units (a table cell is one; see _weight) a document is laid out in one go:
# about a second of layout, where a second process pays for itself.
MIN_WEIGHT = 1200

# resolve(page count of this part) -> (pages before this part, pages in the whole document)
Resolve = Callable[[int], tuple[int, int]]
Part = Callable[[Resolve | None], bytes]


# Where to cut ---------------------------------------------------------------------------------

def _weight(block: object) -> int:
    """Rough layout cost: table cells dominate WeasyPrint's time (about 1 ms each)."""
    if isinstance(block, Table):
        return len(block.header) + sum(len(row) for row in block.rows)
    if isinstance(block, Figure):
        return 40
    if isinstance(block, ListBlock):
        return 3 * len(block.items)
    return 5


def cuts(doc: Document) -> tuple[int, ...]:
    """Indices of the PageBreak blocks to cut ``doc`` at: none for a short document, else the one
    page break before a level-1 heading that best halves the work."""
    blocks = doc.blocks
    candidates = [
        i for i in range(1, len(blocks) - 1)
        if isinstance(blocks[i], PageBreak) and isinstance(blocks[i + 1], Heading) and blocks[i + 1].level == 1
    ]
    weights = [_weight(b) for b in blocks]
    total = sum(weights)
    if not candidates or total < MIN_WEIGHT or PARTS < 2:
        return ()
    before = list(itertools.accumulate(weights))
    # A part must start at a level-1 heading: its outline then continues the whole one exactly.
    return (min(candidates, key=lambda i: (abs(2 * before[i - 1] - total), i)),)


# Page numbers -----------------------------------------------------------------------------------

_ACTIVE = threading.local()  # this thread's [resolve, (offset, total) once resolved], or None
_INSTALL = threading.Lock()


@contextlib.contextmanager
def page_numbers(resolve: Resolve | None) -> Iterator[None]:
    """Lay out the margin boxes of the WeasyPrint render inside this block with the page numbers
    ``resolve`` gives once the render's own pages are made (``None``: WeasyPrint's own numbers).

    WeasyPrint makes every page first and the margin boxes afterwards, one page at a time, from the
    page's counters; a wrapper around that step (``weasyprint.layout.make_margin_boxes``, WeasyPrint
    70.0, pinned) shifts the counters ``page`` and ``pages`` for renders in such a block, in this
    thread only, and leaves every other render alone.
    """
    if resolve is None:
        yield
        return
    _install()
    previous = getattr(_ACTIVE, "state", None)
    _ACTIVE.state = [resolve, None]
    try:
        yield
    finally:
        _ACTIVE.state = previous


def _install() -> None:
    import weasyprint.layout as layout

    with _INSTALL:
        original = layout.make_margin_boxes
        if getattr(original, "reportgen_numbers", False):
            return

        def make_margin_boxes(context, page, state):
            active = getattr(_ACTIVE, "state", None)
            if active is None:
                return original(context, page, state)
            counters = state[1]
            if active[1] is None:
                active[1] = active[0](counters["pages"][-1])
            offset, total = active[1]
            counters = {**counters, "page": [n + offset for n in counters["page"]], "pages": [total]}
            return original(context, page, (state[0], counters, *state[2:]))

        make_margin_boxes.reportgen_numbers = True
        layout.make_margin_boxes = make_margin_boxes


# Running the parts ------------------------------------------------------------------------------

def run(parts: Sequence[Part]) -> list[bytes]:
    """Each part's PDF. The first part runs here, every other one in a forked process; each is
    given a ``resolve`` that waits for the page counts of all the parts."""
    if len(parts) == 1:
        return [parts[0](None)]  # WeasyPrint's own page numbers
    children: list[tuple[int, Connection]] = []
    parent = os.getpid()
    try:
        for part in parts[1:]:
            ours, theirs = Pipe()
            try:
                pid = os.fork()
            except OSError as exc:  # the process limit, or no memory left
                ours.close()
                theirs.close()
                raise RenderError(f"Dokumentet kunne ikke sættes i dele: {exc.strerror or exc}") from exc
            if pid == 0:  # pragma: no cover - the child's coverage is not collected
                ours.close()
                for _, conn in children:
                    conn.close()
                _child(part, theirs, parent)
            theirs.close()
            children.append((pid, ours))

        def resolve(count: int) -> tuple[int, int]:
            counts = [count] + [_expect(conn, "pages") for _, conn in children]
            total = sum(counts)
            for (_, conn), offset in zip(children, itertools.accumulate(counts), strict=False):
                conn.send(("numbers", offset, total))
            return 0, total

        first = parts[0](resolve)
        return [first] + [_expect(conn, "pdf") for _, conn in children]
    finally:
        for pid, conn in children:
            conn.close()
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # done already, or not to be waited for after an error
            os.waitpid(pid, 0)


def _child(part: Part, conn: Connection, parent: int) -> None:  # pragma: no cover - runs in the forked process
    """Render one part and send its PDF; never returns. Ctrl-C or the end of the parent ends it at
    once: the parent's handlers (the build's clean-up) are not its own."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    try:
        def resolve(count: int) -> tuple[int, int]:
            conn.send(("pages", count))
            _, offset, total = conn.recv()
            return offset, total

        conn.send(("pdf", part(resolve)))
    except BaseException as exc:  # noqa: BLE001 - everything goes to the parent, which raises it
        message = str(exc) if isinstance(exc, RenderError) else f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(Exception):
            conn.send(("error", message))
    finally:
        os._exit(0)


def _die_with_parent(parent: int) -> None:  # pragma: no cover - runs in the forked process
    """Linux: SIGKILL this process when its parent ends (a killed build worker leaves no part behind)."""
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the line above
        os._exit(1)


def _expect(conn: Connection, kind: str):
    try:
        message = conn.recv()
    except EOFError:
        raise RenderError("En del af dokumentet kunne ikke sættes: processen stoppede uventet") from None
    if message[0] == "error":
        raise RenderError(message[1])
    if message[0] != kind:
        raise RenderError(f"En del af dokumentet svarede {message[0]!r}, ventede {kind!r}")
    return message[1]
