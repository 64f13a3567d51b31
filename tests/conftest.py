"""Shared fixtures: a tiny valid barometer that each test changes file by file."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "copenhagen"

BASE_FILES: dict[str, str] = {
    "barometer.toml": """\
        title = "Testbarometer"
        municipality = "Testrup Kommune"
        policy = "Testpolitikken 2007-2010"
        owner = "BIU"
        language = "da"

        [assessment]
        aggregation = "worst"
        significance = 0.05
        min_n = 20
        """,
    "updates.csv": """\
        id,date,label
        2008-06,2008-06-02,Juni 2008
        2008-12,2008-12-01,December 2008
        2009-06,2009-06-01,Juni 2009
        """,
    "areas.csv": """\
        id,name
        A,Beskæftigelse
        B,Uddannelse
        """,
    "committees.csv": """\
        id,name,chair
        BIU,Beskæftigelses- og Integrationsudvalget,Anna Andersen
        BUU,Børne- og Ungdomsudvalget,
        """,
    "indicators.csv": """\
        id,area,name,main,unit,direction,decimals,rule,tolerance,baseline_value,baseline_period,target_value,target_period,committee,source,districts
        A1,A,Andel beskæftigede,yes,percent,up,1,previous,0,,,,,BIU,Danmarks Statistik,no
        B1,B,Karaktergab,yes,value,down,2,previous,0,,,,,BUU,Undervisningsministeriet,no
        """,
    "measurements.csv": """\
        indicator,period,value,se,n,district,update
        A1,2008-03,50.0,,,,2008-06
        A1,2008-09,51.0,,,,2008-12
        A1,2009-03,50.5,,,,2009-06
        B1,2007,0.50,,,,2008-06
        B1,2008,0.40,,,,2009-06
        """,
}


def write_barometer(folder: Path, files: dict[str, str | bytes | None] | None = None) -> Path:
    """Write BASE_FILES into ``folder``, replaced or removed (value None) by ``files``."""
    folder.mkdir(parents=True, exist_ok=True)
    merged: dict[str, str | bytes | None] = {**BASE_FILES, **(files or {})}
    for name, content in merged.items():
        if content is None:
            continue
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return folder


@pytest.fixture
def make_barometer(tmp_path):
    """``make_barometer(files={...})`` -> folder path of a small valid barometer, changed as asked."""
    counter = iter(range(1000))

    def make(files: dict[str, str | bytes | None] | None = None, name: str | None = None) -> Path:
        return write_barometer(tmp_path / (name or f"barometer{next(counter)}"), files)

    return make


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory):
    """The Copenhagen demo built once per test session (pipeline.BuildResult); tests only read it."""
    from reportgen.rounds.pipeline import build

    return build(DEMO, out_root=tmp_path_factory.mktemp("demo-out"), update_id="2009-12")
