"""An update is resolved once: the assessment carries its Update, and ``Barometer.as_of`` is the
barometer as a document of that update sees it (issue 25.4)."""
from __future__ import annotations

import re
from pathlib import Path

from reportgen.inputs import read_barometer
from reportgen.signals.assess import assess_history
from tests.conftest import DEMO

PACKAGE = Path(__file__).resolve().parents[1] / "reportgen"


def test_the_assessment_carries_its_update_and_the_one_before():
    barometer = read_barometer(DEMO)
    history = assess_history(barometer)
    for pos, a in enumerate(history):
        assert a.at == barometer.updates[pos] and a.at.id == a.update
        assert (a.previous_at.id if a.previous_at else None) == a.previous_update
    assert history[0].previous_at is None


def test_as_of_holds_only_what_was_published_up_to_the_update():
    barometer = read_barometer(DEMO)
    first, last = barometer.updates[0], barometer.updates[-1]
    early, now = barometer.as_of(first.id), barometer.as_of(last)
    assert early.update is first and early.previous is None and early.updates == (first,)
    assert now.previous == barometer.updates[-2] and now.updates == barometer.updates
    ind = next(i for i in barometer.indicators
               if len({m.update for m in barometer.measurements_of(i.id)}) > 1)
    everything = barometer.measurements_of(ind.id)
    assert now.measurements_of(ind.id) == everything
    assert early.measurements_of(ind.id) == tuple(m for m in everything if m.update == first.id)
    assert len(early.measurements_of(ind.id)) < len(everything)
    assert all(early.published(m) == (m.update == first.id) for m in everything)


def test_no_module_looks_the_assessments_update_up_again():
    found = [f"{p.relative_to(PACKAGE.parent)}:{n}" for p in sorted(PACKAGE.rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"\b\w+\.update\((s\.)?(assessment|a|last|current)\.update\)", line)]
    assert found == []
