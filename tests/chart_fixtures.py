"""Small hand-made chart inputs: the seed's B1 indicator, six areas and Copenhagen's ten bydele."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportgen.inputs.model import Area, District, Indicator, Measurement, Period, Update
from reportgen.signals.assess import AreaResult, DistrictResult, IndicatorResult

GEOJSON = Path(__file__).resolve().parents[2] / "shared" / "data" / "geo" / "copenhagen_bydele.geojson"
# Missing, every chart test using it fails at once with this message, not one by one with a bare OSError.
assert GEOJSON.is_file(), f"the shared map {GEOJSON} is missing (the chart tests draw Copenhagen's bydele from it)"

P = Period.parse

UPDATES = (
    Update("2008-12", dt.date(2008, 12, 1), "December 2008", 0),
    Update("2009-05", dt.date(2009, 5, 28), "Maj 2009", 1),
    Update("2009-12", dt.date(2009, 12, 3), "December 2009", 2),
)

B1 = Indicator(
    id="B1", area="BES", name="Andel beskæftigede indvandrere/efterkommere", main=True, unit="percent",
    direction="up", committee="BIU", decimals=1, rule="previous",
    baseline_value=60.0, baseline_period=P("2007-08"), target_value=64.8, target_period=P("2010-12"),
    source="Danmarks Statistik", districts=True,
)

B1_ROWS = (
    Measurement("B1", P("2008-02"), 61.2, "2008-12"),
    Measurement("B1", P("2008-08"), 62.0, "2008-12"),
    Measurement("B1", P("2009-02"), 62.3, "2009-05"),
    Measurement("B1", P("2009-08"), 59.3, "2009-12"),
    Measurement("B1", P("2009-08"), 57.0, "2009-12", n=400, district="1"),  # a district row: not drawn
)

B1_RESULT = IndicatorResult(
    indicator="B1", signal="red", carried_over=False, overridden=False, value=59.3, period=P("2009-08"),
    reference_value=62.3, reference_period=P("2009-02"), change=-3.0, significant=None,
    target_value=64.8, target_period=P("2010-12"), remaining=5.5, on_track=False,
)

AREAS = (
    Area("BES", "Beskæftigelse"), Area("UDD", "Uddannelse"), Area("BOL", "Bolig"),
    Area("KUL", "Kultur og fritid"), Area("SUN", "Sundhed"), Area("TRY", "Tryghed"),
)

AREA_RESULTS = (
    AreaResult("BES", "red", False, False),
    AreaResult("UDD", "yellow", False, False),
    AreaResult("BOL", "green", True, False, carried_from="2009-05"),
    AreaResult("KUL", "grey", False, False),
    AreaResult("SUN", "yellow", True, False, carried_from="2009-05"),
    AreaResult("TRY", "green", False, False),
)

BYDELE = (
    District("1", "Indre By", "1"), District("2", "Østerbro", "2"), District("3", "Nørrebro", "3"),
    District("4", "Vesterbro/Kongens Enghave", "4"), District("5", "Valby", "5"),
    District("6", "Vanløse", "6"), District("7", "Brønshøj-Husum", "7"), District("8", "Bispebjerg", "8"),
    District("9", "Amager Øst", "9"), District("10", "Amager Vest", "10"),
)


def _district(ident: str, signal: str, value: float | None, *, suppressed: bool = False) -> DistrictResult:
    return DistrictResult(ident, "grey" if suppressed else signal, None if suppressed else value, None,
                          suppressed, period=P("2009-08"), n=8 if suppressed else 300)


DISTRICT_RESULTS = (
    _district("1", "green", 66.1), _district("2", "green", 68.4), _district("3", "red", 55.2),
    _district("4", "yellow", 60.7), _district("5", "yellow", 61.9), _district("6", "green", 64.0),
    _district("7", "red", 57.5), _district("8", "red", 54.8), _district("9", "grey", 63.3),
    _district("10", "", None, suppressed=True),
)

SUPPRESSED_IDS = ("10",)


def tiny_indicator(name: str = "Andel i job") -> Indicator:
    """A three-point indicator for the golden image and the math-text test."""
    return Indicator(id="T1", area="BES", name=name, main=True, unit="percent", direction="up",
                     committee="BIU", baseline_value=50.0, baseline_period=P("2008-01"),
                     target_value=55.0, target_period=P("2009-12"))


TINY_ROWS = (
    Measurement("T1", P("2008-01"), 50.0, "2008-12"),
    Measurement("T1", P("2008-07"), 51.5, "2008-12"),
    Measurement("T1", P("2009-01"), 51.0, "2009-05"),
)
