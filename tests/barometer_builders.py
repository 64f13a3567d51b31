"""Tiny builders for hand-computed Barometer fixtures, independent of load/validate and the demo."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportgen.inputs.model import (
    Area,
    Barometer,
    Comment,
    Committee,
    Config,
    District,
    Indicator,
    Measurement,
    Override,
    Period,
    Update,
)

UPDATES = ("2008-06", "2008-12", "2009-06")


def indicator(id: str = "A1", area: str = "A", **fields) -> Indicator:
    """An indicator with test defaults; periods may be given as text (``"2010-12"``)."""
    for key in ("baseline_period", "target_period"):
        if isinstance(fields.get(key), str):
            fields[key] = Period.parse(fields[key])
    defaults = dict(name=f"Indikator {id}", main=True, unit="percent", direction="up", committee="BIU")
    return Indicator(id=id, area=area, **{**defaults, **fields})


def m(indicator: str, period: str, value: float, update: str, *, se: float | None = None,
      n: int | None = None, district: str | None = None) -> Measurement:
    """One measurement row."""
    return Measurement(indicator, Period.parse(period), value, update, se=se, n=n, district=district)


def override(update: str, target: str, signal: str, reason: str = "Forvaltningens vurdering.") -> Override:
    return Override(update, target, signal, reason)  # type: ignore[arg-type]


def barometer(indicators: list[Indicator] | tuple[Indicator, ...], measurements: list[Measurement], *,
              updates: tuple[str, ...] = UPDATES, areas: tuple[tuple[str, str], ...] | None = None,
              area_aggregation: dict[str, str] | None = None, aggregation: str = "worst",
              significance: float = 0.05, min_n: int = 20, districts: tuple[str, ...] = (),
              overrides: tuple[Override, ...] = (), comments: tuple[tuple[str, str, str], ...] = ()
              ) -> Barometer:
    """A Barometer with updates dated the 1st of their month; areas default to those the indicators use."""
    if areas is None:
        areas = tuple((a, f"Område {a}") for a in dict.fromkeys(i.area for i in indicators))
    agg = area_aggregation or {}
    return Barometer(
        folder=Path("/nonexistent"),
        config=Config(title="Testbarometer", municipality="Testrup Kommune", policy="Testpolitikken",
                      owner="BIU", aggregation=aggregation, significance=significance, min_n=min_n),
        updates=tuple(Update(u, dt.date(int(u[:4]), int(u[5:7]), 1), u, i) for i, u in enumerate(updates)),
        areas=tuple(Area(a, name, agg.get(a)) for a, name in areas),  # type: ignore[arg-type]
        committees=(Committee("BIU", "Beskæftigelses- og Integrationsudvalget"),),
        indicators=tuple(indicators),
        measurements=tuple(measurements),
        districts=tuple(District(d, f"Bydel {d}", d) for d in districts),
        overrides=tuple(overrides),
        comments=tuple(Comment(u, t, text) for u, t, text in comments),
    )


def employment_seed() -> Barometer:
    """The seed's employment figures: 62,3 (feb. 2009) -> 59,3 (aug. 2009), target 64,8 in dec. 2010."""
    return barometer(
        [indicator("B1", "BES", name="Andel beskæftigede indvandrere/efterkommere i København",
                   target_value=64.8, target_period="2010-12")],
        [m("B1", "2008-08", 62.0, "2009-05"), m("B1", "2009-02", 62.3, "2009-05"),
         m("B1", "2009-08", 59.3, "2009-12")],
        updates=("2008-12", "2009-05", "2009-12"),
        areas=(("BES", "Beskæftigelse"),),
        comments=(("2009-12", "B1", "Faldet skyldes utvivlsomt krisen."),),
    )


# --- a sparse, national-style barometer (issue 21) -----------------------------------------------

# Shaped like the national integration barometer's publications: one published figure per
# indicator, judged against a baseline from years before (rule national), majority aggregation,
# no districts, min_n = 0; one indicator has a target, so one area's table has a "Mål" column.
SPARSE_FILES: dict[str, str | None] = {
    "barometer.toml": """\
        title = "Integrationsbarometer"
        municipality = "Testrup Kommune"
        policy = "Integrationsindsatsen"
        owner = "BIU"
        language = "da"

        [assessment]
        aggregation = "majority"
        significance = 0.05
        min_n = 0
        """,
    "updates.csv": """\
        id,date,label
        2022-06,2022-06-01,Juni 2022
        """,
    "areas.csv": """\
        id,name
        A,Beskæftigelse
        B,Uddannelse
        """,
    "committees.csv": """\
        id,name,chair
        BIU,Beskæftigelses- og Integrationsudvalget,
        """,
    "indicators.csv": "\n".join([
        "id,area,name,main,unit,direction,decimals,rule,tolerance,baseline_value,baseline_period,"
        "target_value,target_period,committee,source,districts,source_type",
        "A1,A,Andel indvandrere i beskæftigelse,yes,percent,up,1,national,0,26.0,2012,,,"
        "BIU,Danmarks Statistik,no,national",
        "A2,A,Andel indvandrere på offentlig forsørgelse,yes,percent,down,1,national,0,30.0,2012,,,"
        "BIU,Danmarks Statistik,no,national",
        "A3,A,Antal indvandrere i ordinær beskæftigelse,yes,count,up,0,national,0,4200,2013,,,"
        "BIU,Danmarks Statistik,no,national",
        "B1,B,Andel med en ungdomsuddannelse,yes,percent,up,1,national,0,55.0,2012,65.0,2025,"
        "BIU,Undervisningsministeriet,no,national",
        "B2,B,Karaktergennemsnit ved afgangsprøven,yes,value,up,1,national,0,6.5,2013,,,"
        "BIU,Undervisningsministeriet,no,national",
        "",
    ]),
    "measurements.csv": """\
        indicator,period,value,se,n,district,update
        A1,2020,20.0,,,,2022-06
        A2,2020,24.0,,,,2022-06
        A3,2021,4793,,,,2022-06
        B1,2021,61.4,,,,2022-06
        B2,2021,6.6,,,,2022-06
        """,
}
