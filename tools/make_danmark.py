"""Generate data/danmark/: an ILLUSTRATIVE national integration barometer (contract v1).

EVERY FIGURE THIS SCRIPT WRITES IS MADE UP. The structure is modelled on Udlændinge- og
Integrationsministeriet's national Integrationsbarometer (integrationsbarometer.dk: nine goals,
each measured by one or three indicators against a fixed baseline year), but the values, the
numbers of observations and the municipal differences are generated here from a fixed random
seed and hand-picked national series. They are not real statistics and must not be quoted as such.

Modelling choices (see docs/national-barometer.md):
- the whole country plays the municipality role (whole-country rows have an empty district);
- the 98 municipalities are the districts (id = geo_id = 4-digit kommunekode as a string);
- every indicator uses rule ``baseline`` with decimals = 0, so changes are judged in whole units;
  the baseline is the national level in the baseline year, also for the municipal rows;
- goals with three indicators use ``majority`` (two out of three decide).

Usage: ``python tools/make_danmark.py [OUT_FOLDER] [--geojson PATH]``. Re-running gives identical
bytes. Only the standard library is used.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data" / "danmark"
# Where the boundary file comes from: the shared geo folder next to the repository (provenance in
# its SOURCES.md), else the copy already committed in data/danmark.
GEOJSON_CANDIDATES = (
    ROOT.parent / "shared" / "data" / "geo" / "denmark_kommuner.geojson",
    DEFAULT_OUT / "kommuner.geojson",
)
SEED = 20230615
MIN_N = 20
COMMITTEE = "UIM"
BASELINE_PERIOD = "2012"
# Rounds: update id (June of year Y) publishes the figures for year Y - 2 (a lag of 1½ years).
ROUND_YEARS = (2019, 2020, 2021, 2022, 2023)
PUBLICATION_LAG_YEARS = 2

AREAS: tuple[tuple[str, str], ...] = (
    ("M1", "Flere i beskæftigelse"),
    ("M2", "Flere gennemfører en uddannelse"),
    ("M3", "Bedre danskkundskaber"),
    ("M4", "Flere er aktive medborgere"),
    ("M5", "Færre oplever diskrimination"),
    ("M6", "Færre oplever begrænsninger i selvbestemmelsen"),
    ("M7", "Færre er på offentlig forsørgelse"),
    ("M8", "Færre bor i udsatte boligområder"),
    ("M9", "Mindre kriminalitet"),
)

DST = "Danmarks Statistik"
SURVEY = "Medborgerskabsundersøgelsen (Udlændinge- og Integrationsministeriet)"
SCHOOL = "Danmarks Statistik og Børne- og Undervisningsministeriet"


@dataclass(frozen=True)
class Spec:
    """One indicator: its national series and how its municipal figures are generated.

    ``national`` holds the made-up national level for each measured year (baseline year first).
    ``coverage`` is the share of a municipality's target group counted in ``n``; ``spread`` the
    standard deviation of the lasting municipal difference, in the indicator's unit.
    """

    id: str
    area: str
    name: str
    unit: str
    direction: str
    source: str
    national: tuple[float, ...]  # BASELINE_PERIOD, then one figure per round
    coverage: float
    spread: float
    kind: str = "share"  # share (0-100 %), index (value, > 0) or housing (0 without such areas)


SPECS: tuple[Spec, ...] = (
    Spec("M1-1", "M1", "Beskæftigelsesfrekvens for 25-64-årige indvandrere og efterkommere med ikke-vestlig "
         "oprindelse", "percent", "up", DST, (49.0, 55.2, 57.6, 58.9, 58.1, 61.4), 0.55, 4.5),
    Spec("M2-1", "M2", "Andel af indvandrere (ankommet som 0-12-årige) og efterkommere med ikke-vestlig "
         "oprindelse, der får mindst 2 i skriftlig dansk og matematik ved 9. klasses afgangsprøve",
         "percent", "up", SCHOOL, (81.0, 84.5, 85.9, 86.3, 90.8, 88.2), 0.08, 3.5),
    Spec("M2-2", "M2", "Andel af 20-24-årige indvandrere (ankommet som 0-12-årige) og efterkommere med "
         "ikke-vestlig oprindelse, der mindst har gennemført en ungdomsuddannelse",
         "percent", "up", DST, (56.0, 61.3, 62.8, 64.1, 66.0, 66.9), 0.10, 5.0),
    Spec("M2-3", "M2", "Andel af 25-39-årige indvandrere (ankommet som 0-12-årige) og efterkommere med "
         "ikke-vestlig oprindelse, der har gennemført en videregående uddannelse",
         "percent", "up", DST, (27.0, 32.4, 34.1, 35.8, 37.6, 39.3), 0.25, 5.0),
    Spec("M3-1", "M3", "Andel af indvandrere (ankommet som 0-12-årige) med ikke-vestlig oprindelse, der får "
         "mindst 2 i mundtlig dansk og retskrivning ved 9. klasses afgangsprøve",
         "percent", "up", SCHOOL, (88.0, 88.9, 89.6, 88.4, 90.7, 89.8), 0.08, 3.0),
    Spec("M3-2", "M3", "Andel af indvandrere med ikke-vestlig oprindelse, der slet ikke eller i mindre grad "
         "oplever problemer med deres danskkundskaber", "percent", "up", SURVEY,
         (57.0, 55.8, 54.1, 53.6, 52.9, 51.7), 0.10, 4.0),
    Spec("M3-3", "M3", "Andel af kursister på integrationsprogrammet, der består en danskprøve inden for fem "
         "år", "percent", "up", "Udlændinge- og Integrationsministeriet",
         (66.0, 63.4, 62.1, 61.5, 60.2, 61.0), 0.10, 5.0),
    Spec("M4-1", "M4", "Andel af indvandrere og efterkommere med ikke-vestlig oprindelse, der føler sig "
         "anerkendt i det danske samfund", "percent", "up", SURVEY,
         (69.0, 70.2, 71.5, 70.8, 72.4, 71.9), 0.10, 3.5),
    Spec("M4-2", "M4", "Andel af indvandrere og efterkommere med ikke-vestlig oprindelse, der er aktive i "
         "mindst én forening", "percent", "up", SURVEY,
         (43.0, 41.9, 42.6, 43.1, 39.2, 42.8), 0.12, 4.0),
    Spec("M4-3", "M4", "Andel af indvandrere og efterkommere med ikke-vestlig oprindelse, der har deltaget i "
         "mindst én politisk aktivitet inden for det seneste år", "percent", "up", SURVEY,
         (38.0, 40.1, 41.3, 39.6, 40.4, 41.5), 0.12, 4.0),
    Spec("M5-1", "M5", "Andel af indvandrere og efterkommere med ikke-vestlig oprindelse, der har oplevet "
         "forskelsbehandling på grund af deres etniske baggrund", "percent", "down", SURVEY,
         (44.0, 46.2, 44.9, 45.3, 46.8, 45.6), 0.12, 4.0),
    Spec("M6-1", "M6", "Andel af 18-29-årige indvandrere og efterkommere med ikke-vestlig oprindelse, der "
         "oplever begrænsninger i valget af kæreste eller ægtefælle", "percent", "down", SURVEY,
         (15.0, 14.1, 13.6, 14.4, 13.2, 12.8), 0.08, 2.5),
    Spec("M7-1", "M7", "Andel af 18-64-årige indvandrere og efterkommere med ikke-vestlig oprindelse, der er "
         "på offentlig forsørgelse", "percent", "down", DST,
         (35.0, 29.8, 28.4, 27.1, 28.3, 25.6), 0.60, 4.5),
    Spec("M8-1", "M8", "Andel af indvandrere og efterkommere med ikke-vestlig oprindelse, der bor i et udsat "
         "boligområde", "percent", "down", "Social- og Boligministeriet og Danmarks Statistik",
         (13.0, 12.4, 11.6, 10.9, 10.1, 9.2), 0.90, 6.0, "housing"),
    Spec("M9-1", "M9", "Kriminalitetsindeks for mandlige indvandrere med ikke-vestlig oprindelse, 15-79 år "
         "(mænd med dansk oprindelse = 100)", "value", "down", DST,
         (238.0, 221.0, 214.0, 209.0, 198.0, 203.0), 0.40, 22.0, "index"),
    Spec("M9-2", "M9", "Kriminalitetsindeks for mandlige efterkommere med ikke-vestlig oprindelse, 15-79 år "
         "(mænd med dansk oprindelse = 100)", "value", "down", DST,
         (331.0, 318.0, 325.0, 339.0, 344.0, 336.0), 0.12, 35.0, "index"),
    Spec("M9-3", "M9", "Andel af 15-29-årige mandlige indvandrere og efterkommere med ikke-vestlig "
         "oprindelse, der er dømt for overtrædelse af straffeloven", "percent", "down", DST,
         (9.0, 8.3, 8.1, 8.6, 7.9, 8.8), 0.10, 1.5),
)

# Rough size parameters per municipality: inhabitants in thousands and the target group's share of
# them in percent. Approximate orders of magnitude, used only to make n and the noise plausible.
SIZES: dict[str, tuple[float, float]] = {
    "0101": (650, 17), "0147": (104, 11), "0151": (49, 15), "0153": (35, 30), "0155": (14, 6),
    "0157": (75, 7), "0159": (70, 14), "0161": (23, 16), "0163": (29, 16), "0165": (28, 25),
    "0167": (54, 15), "0169": (51, 22), "0173": (56, 9), "0175": (41, 18), "0183": (23, 32),
    "0185": (43, 10), "0187": (17, 17), "0190": (41, 10), "0201": (26, 5), "0210": (41, 10),
    "0217": (63, 9), "0219": (52, 8), "0223": (25, 6), "0230": (57, 6), "0240": (44, 6),
    "0250": (46, 6), "0253": (51, 11), "0259": (62, 10), "0260": (31, 6), "0265": (90, 8),
    "0269": (23, 7), "0270": (41, 4), "0306": (33, 4), "0316": (72, 7), "0320": (37, 5),
    "0326": (49, 7), "0329": (35, 9), "0330": (79, 10), "0336": (23, 4), "0340": (30, 5),
    "0350": (29, 4), "0360": (41, 6), "0370": (83, 7), "0376": (60, 6), "0390": (46, 5),
    "0400": (39, 4), "0410": (39, 5), "0420": (41, 5), "0430": (52, 5), "0440": (24, 4),
    "0450": (32, 6), "0461": (206, 14), "0479": (59, 6), "0480": (29, 4), "0482": (12, 4),
    "0492": (6, 3), "0510": (56, 7), "0530": (27, 7), "0540": (74, 7), "0550": (37, 4),
    "0561": (116, 8), "0563": (3.5, 3), "0573": (50, 4), "0575": (43, 6), "0580": (59, 6),
    "0607": (52, 9), "0615": (97, 9), "0621": (94, 9), "0630": (120, 8), "0657": (90, 7),
    "0661": (59, 6), "0665": (20, 3), "0671": (21, 5), "0706": (43, 4), "0707": (37, 5),
    "0710": (49, 4), "0727": (23, 4), "0730": (99, 8), "0740": (97, 5), "0741": (3.7, 3),
    "0746": (63, 4), "0751": (360, 12), "0756": (41, 8), "0760": (56, 5), "0766": (47, 5),
    "0773": (20, 4), "0779": (46, 6), "0787": (43, 5), "0791": (97, 5), "0810": (36, 4),
    "0813": (59, 5), "0820": (36, 5), "0825": (1.8, 1.5), "0840": (30, 4), "0846": (42, 5),
    "0849": (38, 4), "0851": (220, 9), "0860": (64, 5),
}

BAROMETER_TOML = f"""\
# ILLUSTRATIVE data: generated by tools/make_danmark.py, not real statistics.
# See docs/national-barometer.md for the modelling choices.
title = "Integrationsbarometer"
municipality = "Danmark"
policy = "Den nationale integrationsindsats"
owner = "{COMMITTEE}"
language = "da"

[assessment]
aggregation = "majority"
significance = 0.05
min_n = {MIN_N}

[map]
file = "kommuner.geojson"
key = "kommunekode"

[districts]                  # extension: the districts here are municipalities
singular = "kommune"
plural = "kommuner"
"""

SOURCES_MD = """\
# Sources of data/danmark

**The barometer figures are illustrative.** `updates.csv`, `areas.csv`, `committees.csv`,
`indicators.csv`, `districts.csv` and `measurements.csv` are generated by
`tools/make_danmark.py` from a fixed random seed and hand-picked national series. Their
structure is modelled on Udlændinge- og Integrationsministeriet's national Integrationsbarometer
(integrationsbarometer.dk), but no value, `n` or municipal difference is a real statistic.
See `docs/national-barometer.md`.

## kommuner.geojson

A byte-for-byte copy of the project's shared `denmark_kommuner.geojson`: Denmark's 98
municipalities, one MultiPolygon each, WGS84, properties `name`, `kommunekode` (4-digit string,
e.g. `"0101"`), `kommunekode_int`, `source_name`.

- Source: DAGI kommuner 1:500.000, February 2014, from Geodatastyrelsen (now Styrelsen for
  Dataforsyning og Infrastruktur, SDFI / Klimadatastyrelsen), via
  https://github.com/Neogeografen/dagi, file `geojson/kommuner.geojson`
  (blob `e0c444eb376d13664da5c19e0090dc462fdcae6b`, commit `a1c1563a6484a07ae937caed043ab839d2d6b2d6`).
- Licence: the repository states none; the data is Danish public geodata under the state's
  "frie geografiske data" terms (free use with attribution), licensed CC BY 4.0 since
  16 May 2024 according to SDFI/Klimadatastyrelsen.
- Changes from the source: z coordinate dropped; 311 polygon parts dissolved into one
  MultiPolygon per municipality; 0411 Christiansø removed (it belongs to no municipality);
  properties renamed (`KOMNAVN` -> `name`, `KOMKODE` -> `kommunekode`) and `kommunekode_int`,
  `source_name` added; "Høje Taastrup" corrected to "Høje-Taastrup"; shapes simplified with
  `shapely.coverage_simplify` (25 m, topology kept); coordinates snapped to 5 decimals.
  Boundary adjustments made after 2014 are not included.

Attribution: "Indeholder data fra Styrelsen for Dataforsyning og Infrastruktur (tidl.
Geodatastyrelsen), DAGI kommuner 1:500.000, februar 2014 (via github.com/Neogeografen/dagi)".
"""

MONTHS_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
             "oktober", "november", "december")


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _publication_date(year: int) -> dt.date:
    """Mid-June of ``year``, moved to the Monday after if it falls on a weekend."""
    day = dt.date(year, 6, 15)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def read_municipalities(geojson: Path) -> list[tuple[str, str]]:
    """(kommunekode, name) of every feature, sorted by code; codes stay 4-digit strings."""
    data = json.loads(geojson.read_text(encoding="utf-8"))
    result = []
    for feature in data["features"]:
        props = feature["properties"]
        code = props["kommunekode"]
        if not (isinstance(code, str) and len(code) == 4 and code.isdigit()):
            raise ValueError(f"{geojson}: kommunekode {code!r} is not a 4-digit string")
        result.append((code, props["name"]))
    result.sort()
    if len(result) != 98 or len({c for c, _ in result}) != 98:
        raise ValueError(f"{geojson}: expected 98 distinct municipalities, found {len(result)}")
    missing = sorted({c for c, _ in result} ^ set(SIZES))
    if missing:
        raise ValueError(f"size table and GeoJSON disagree on {missing}")
    return result


def _clamp(spec: Spec, value: float) -> float:
    if spec.kind == "index":
        return max(value, 20.0)
    return min(max(value, 0.0), 100.0)


def _sampling_sd(spec: Spec, level: float, n: int) -> float:
    """Year-to-year noise of a figure based on ``n`` observations."""
    if spec.kind == "index":
        return 0.6 * level / math.sqrt(n)
    p = min(max(level / 100.0, 0.02), 0.98)
    return 100.0 * math.sqrt(p * (1 - p) / n)


def generate_measurements(municipalities: list[tuple[str, str]]) -> list[list[str]]:
    rng = random.Random(SEED)
    codes = [c for c, _ in municipalities]
    # A lasting "climate" per municipality (positive = better integration outcomes) and a trend,
    # so that a municipality's goals lean the same way and its map colours are not pure noise.
    climate = {c: rng.gauss(0.0, 1.0) for c in codes}
    trend = {c: rng.gauss(0.0, 0.25) for c in codes}
    target_group = {c: SIZES[c][0] * 1000 * SIZES[c][1] / 100 for c in codes}
    # Municipalities without any udsat boligområde: more likely where the target group is small.
    no_housing_areas = {c for c in codes if rng.random() < 1.0 / (1.0 + (target_group[c] / 2500) ** 1.5)}

    rows: list[list[str]] = []
    for spec in SPECS:
        good = 1.0 if spec.direction == "up" else -1.0
        lasting = {c: spec.spread * (0.6 * good * climate[c] + 0.8 * rng.gauss(0.0, 1.0)) for c in codes}
        for r, year in enumerate(ROUND_YEARS):
            period = year - PUBLICATION_LAG_YEARS
            update = f"{year}-06"
            level = spec.national[r + 1]
            growth = 1.0 + 0.02 * r
            n = {c: max(1, round(target_group[c] * spec.coverage * growth)) for c in codes}
            values: dict[str, float] = {}
            for c in codes:
                drift = good * trend[c] * spec.spread * r
                noise = rng.gauss(0.0, _sampling_sd(spec, level, n[c]))
                if spec.kind == "housing":
                    scale = max(0.0, 1.0 + lasting[c] / spec.spread * 0.8 - 0.15 * r * trend[c])
                    values[c] = 0.0 if c in no_housing_areas else level * 2.2 * scale + noise
                else:
                    values[c] = level + lasting[c] + drift + noise
                values[c] = _clamp(spec, values[c])
            # Shift the municipal figures so that their n-weighted mean is the national level.
            movable = [c for c in codes if not (spec.kind == "housing" and c in no_housing_areas)]
            for _ in range(5):
                total_n = sum(n[c] for c in codes)
                mean = sum(values[c] * n[c] for c in codes) / total_n
                shift = (level - mean) * total_n / sum(n[c] for c in movable)
                for c in movable:
                    values[c] = _clamp(spec, values[c] + shift)
            rounded = {c: round(values[c], 1) for c in codes}
            total_n = sum(n[c] for c in codes)
            national = sum(rounded[c] * n[c] for c in codes) / total_n
            rows.append([spec.id, str(period), _fmt(national), "", str(total_n), "", update])
            for c in codes:
                rows.append([spec.id, str(period), _fmt(rounded[c]), "", str(n[c]), c, update])
    return rows


def build(out: Path, geojson: Path) -> None:
    """Write every file of the barometer folder into ``out`` (created if needed)."""
    municipalities = read_municipalities(geojson)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    files["barometer.toml"] = BAROMETER_TOML
    files["SOURCES.md"] = SOURCES_MD
    files["updates.csv"] = _csv_text(["id", "date", "label"], [
        [f"{y}-06", _publication_date(y).isoformat(), f"Juni {y}"] for y in ROUND_YEARS
    ])
    n_indicators = {a: sum(1 for s in SPECS if s.area == a) for a, _ in AREAS}
    files["areas.csv"] = _csv_text(["id", "name", "aggregation"], [
        [a, name, "majority" if n_indicators[a] == 3 else ""] for a, name in AREAS
    ])
    files["committees.csv"] = _csv_text(["id", "name", "chair"], [
        [COMMITTEE, "Udlændinge- og Integrationsministeriet", ""],
    ])
    files["districts.csv"] = _csv_text(["id", "name", "geo_id"], [[c, name, c] for c, name in municipalities])
    files["indicators.csv"] = _csv_text(
        ["id", "area", "name", "main", "unit", "direction", "decimals", "rule", "tolerance",
         "baseline_value", "baseline_period", "target_value", "target_period", "committee", "source",
         "source_type", "districts"],
        [[s.id, s.area, s.name, "yes", s.unit, s.direction, "0", "baseline", "0", _fmt(s.national[0]),
          BASELINE_PERIOD, "", "", COMMITTEE, s.source, "national", "yes"] for s in SPECS],
    )
    files["measurements.csv"] = _csv_text(
        ["indicator", "period", "value", "se", "n", "district", "update"],
        generate_measurements(municipalities),
    )
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8", newline="")
    target = out / "kommuner.geojson"
    data = geojson.read_bytes()
    if not (target.exists() and target.read_bytes() == data):
        target.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, help="barometer folder to write")
    parser.add_argument("--geojson", type=Path, default=None,
                        help="denmark_kommuner.geojson (default: the shared geo folder, else data/danmark)")
    args = parser.parse_args(argv)
    geojson = args.geojson or next((p for p in GEOJSON_CANDIDATES if p.exists()), None)
    if geojson is None:
        parser.error("denmark_kommuner.geojson not found; pass --geojson")
    build(args.out, geojson)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
