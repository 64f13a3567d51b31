"""validate.py: one case per problem with its exact message, all problems listed, and what is accepted."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from conftest import BASE_FILES

from reportgen.errors import DataValidationError
from reportgen.inputs import read_barometer
from reportgen.inputs.model import Period
from reportgen.inputs.validate import parse_number

A1 = "A1,A,Andel beskæftigede,yes,percent,up,1,previous,0,,,,,BIU,Danmarks Statistik,no"
B1 = "B1,B,Karaktergab,yes,value,down,2,previous,0,,,,,BUU,Undervisningsministeriet,no"
M2 = "A1,2008-03,50.0,,,,2008-06"
TOML = "barometer.toml"
M, IND = "measurements.csv", "indicators.csv"
DISTRICTS = "id,name,geo_id\n0101,Indre By,1\n0202,Østerbro,2\n"
MAP = '[map]\nfile = "bydele.geojson"\nkey = "bydel_nr"\n'


def edit(name: str, *changes: str, add: tuple[str, ...] = ()) -> dict[str, str]:
    """BASE_FILES[name] with each (old, new) pair in ``changes`` applied (``old`` must be there), then
    the lines ``add`` appended."""
    text = textwrap.dedent(BASE_FILES[name])
    for old, new in zip(changes[::2], changes[1::2], strict=True):
        assert old in text, old
        text = text.replace(old, new)
    return {name: text + "".join(f"{line}\n" for line in add)}


def append(name: str, *lines: str) -> dict[str, str]:
    return edit(name, add=lines)


def indicator(old: str, new: str, line: str = A1) -> dict[str, str]:
    """Change one field of indicator A1 (``old`` is matched as ``,old,``)."""
    assert f",{old}," in line
    return edit(IND, line, line.replace(f",{old},", f",{new},", 1))


def figure(new: str) -> dict[str, str]:
    """Replace the first measurement row."""
    return edit(M, M2, new)


def toml(old: str, new: str) -> dict[str, str]:
    return edit(TOML, old, new)


def messages(folder: Path) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        read_barometer(folder)
    return [str(issue) for issue in info.value.issues]


CASES: dict[str, tuple[dict[str, str | bytes | None], list[str]]] = {
    # numbers
    "not-a-number": (
        figure('A1,2008-03,"6,2,1",,,,2008-06'),
        ['measurements.csv:2: value: "6,2,1" er ikke et tal: skriv et tal med komma, fx 59,3'],
    ),
    "nan": (
        figure("A1,2008-03,NaN,,,,2008-06"),
        ['measurements.csv:2: value: "NaN" er ikke et tal: skriv et tal med komma, fx 59,3'],
    ),
    "infinity": (
        figure("A1,2008-03,-inf,,,,2008-06"),
        ['measurements.csv:2: value: "-inf" er ikke et tal: skriv et tal med komma, fx 59,3'],
    ),
    "percent-sign": (
        figure("A1,2008-03,50 %,,,,2008-06"),
        ['measurements.csv:2: value: "50 %" er ikke et tal: skriv det uden procenttegn, fx 59,3'],
    ),
    "ambiguous-thousands": (
        figure('A1,2008-03,"4,793",,,,2008-06'),
        [
            'measurements.csv:2: value: "4,793" kan læses på to måder (4 komma 793 eller 4793): skriv tallet '
            "uden tusindtalspunktum eller -komma, og med punktum som decimaltegn, fx 4793 eller 4.793"
        ],
    ),
    "excel-error": (
        figure("A1,2008-03,#DIV/0!,,,,2008-06"),
        ['measurements.csv:2: value: "#DIV/0!" er en fejl fra en formel i Excel, ikke et tal: ret formlen, '
         "eller skriv et tal med komma, fx 59,3"],
    ),
    "point-in-danish-file": (
        {
            M: "indicator;period;value;se;n;district;update\nA1;2008-03;50.25;;;;2008-06\n"
            "A1;2008-09;51,0;;;;2008-12\nA1;2009-03;50,5;;;;2009-06\nB1;2007;0,50;;;;2008-06\n"
        },
        [
            'measurements.csv:2: value: "50.25" er ikke et tal i denne fil: filen er adskilt med semikolon (;), '
            "så komma er decimaltegn, og punktum står kun mellem tusinder; skriv 50,25"
        ],
    ),
    "negative-se": (
        figure("A1,2008-03,50.0,-0.5,,,2008-06"),
        ['measurements.csv:2: se: "-0.5" er negativt: skriv et tal, der er 0 eller større'],
    ),
    "negative-n": (
        figure("A1,2008-03,50.0,,-3,,2008-06"),
        ['measurements.csv:2: n: "-3" er negativt: skriv et tal, der er 0 eller større'],
    ),
    "n-not-whole": (
        figure("A1,2008-03,50.0,,12.5,,2008-06"),
        ['measurements.csv:2: n: "12.5" er ikke et helt tal: skriv fx 120'],
    ),
    "negative-tolerance": (
        indicator("0", "-0.1"),
        ['indicators.csv:2: tolerance: "-0.1" er negativt: skriv et tal, der er 0 eller større'],
    ),
    # periods and dates
    "period-month-13": (
        figure("A1,2009-13,50.0,,,,2008-06"),
        ['measurements.csv:2: period: "2009-13" har ingen måned 13: skriv en måned fra 01 til 12, fx 2009-09'],
    ),
    "period-day-first": (
        figure("A1,09-2009,50.0,,,,2008-06"),
        ['measurements.csv:2: period: "09-2009" er ikke en periode: skriv 2009-09 (ÅÅÅÅ-MM)'],
    ),
    "update-before-period": (
        edit(M, "A1,2008-09,51.0,,,,2008-12", "A1,2008-09,51.0,,,,2008-06"),
        [
            "measurements.csv:3: update: opdatering 2008-06 er dateret 2008-06-02, før perioden 2008-09 "
            "begynder (2008-09-01): ret perioden eller opdateringen"
        ],
    ),
    "bad-iso-date": (
        edit("updates.csv", "2008-12-01", "03-12-2008"),
        ['updates.csv:3: date: "03-12-2008" er ikke en dato: skriv 2008-12-03 (ÅÅÅÅ-MM-DD)'],
    ),
    "impossible-date": (
        edit("updates.csv", "2008-12-01", "2008-02-30"),
        ['updates.csv:3: date: "2008-02-30" er ikke en dato: skriv fx 2009-12-03 (ÅÅÅÅ-MM-DD)'],
    ),
    "update-dates-not-increasing": (
        edit("updates.csv", "2009-06-01", "2008-11-30"),
        [
            "updates.csv:4: date: 2008-11-30 er ikke efter 2008-12-01, datoen for opdatering 2008-12: "
            "opdateringerne skal stå med den ældste først",
            "measurements.csv:4: update: opdatering 2009-06 er dateret 2008-11-30, før perioden 2009-03 "
            "begynder (2009-03-01): ret perioden eller opdateringen",
        ],
    ),
    "duplicate-update-id": (
        append("updates.csv", "2009-06,2009-12-01,December 2009"),
        ['updates.csv:5: id: id "2009-06" står der to gange (også i række 4)'],
    ),
    "bad-meeting-date": (
        edit(
            "updates.csv",
            "label\n",
            "label,meeting_date\n",
            "Juni 2008\n",
            "Juni 2008,2/6-2008\n",
            "December 2008\n",
            "December 2008,\n",
            "Juni 2009\n",
            "Juni 2009,\n",
        ),
        ['updates.csv:2: meeting_date: "2/6-2008" er ikke en dato: skriv 2008-06-02 (ÅÅÅÅ-MM-DD)'],
    ),
    # references
    "unknown-indicator": (
        figure("Z9,2008-03,50.0,,,,2008-06"),
        ['measurements.csv:2: indicator: ukendt indikator "Z9" (findes ikke i indicators.csv)'],
    ),
    "unknown-update": (
        figure("A1,2008-03,50.0,,,,2010-01"),
        ['measurements.csv:2: update: ukendt opdatering "2010-01" (findes ikke i updates.csv)'],
    ),
    "unknown-district": (
        figure("A1,2008-03,50.0,,,0101,2008-06"),
        ['measurements.csv:2: district: ukendt distrikt "0101" (findes ikke i districts.csv)'],
    ),
    "district-figure-without-districts": (
        {**append(M, "A1,2008-03,50.0,,,0101,2008-06"), "districts.csv": DISTRICTS},
        ["measurements.csv:7: district: indikator A1 har ikke tal for distrikter (districts = nej): lad "
         "district stå tom, eller skriv ja i districts for indikatoren"],
    ),
    "unknown-area": (
        indicator("A", "X"),
        [
            'indicators.csv:2: area: ukendt indsatsområde "X" (findes ikke i areas.csv)',
            'areas.csv:2: indsatsområde "A" har ingen hovedindikator: skriv ja i main for en af dets '
            "indikatorer i indicators.csv",
        ],
    ),
    "unknown-committee": (
        indicator("BIU", "XYZ"),
        ['indicators.csv:2: committee: ukendt udvalg "XYZ" (findes ikke i committees.csv)'],
    ),
    # duplicates
    "duplicate-area": (append("areas.csv", "A,Andet"), ['areas.csv:4: id: id "A" står der to gange (også i række 2)']),
    "duplicate-committee": (
        append("committees.csv", "BUU,Andet udvalg,"),
        ['committees.csv:4: id: id "BUU" står der to gange (også i række 3)'],
    ),
    "duplicate-indicator": (append(IND, A1), ['indicators.csv:4: id: id "A1" står der to gange (også i række 2)']),
    "duplicate-figure": (
        append(M, "A1,2008-03,49.0,,,,2008-12"),
        [
            "measurements.csv:7: tallet for indikator A1, periode 2008-03, hele kommunen står der to gange "
            "(også i række 2)"
        ],
    ),
    "year-and-december-figure": (
        append(M, "B1,2008-12,0.30,,,,2009-06"),
        [
            "measurements.csv:7: tallet for indikator B1, periode 2008-12, hele kommunen står der to gange "
            "(også i række 6)"
        ],
    ),
    "duplicate-district-figure": (
        {
            **edit(IND, A1, A1[:-2] + "yes"),
            **append(M, "A1,2008-03,50.0,,,0101,2008-06", "A1,2008-03,51.0,,,0101,2008-06"),
            "districts.csv": DISTRICTS,
        },
        [
            "measurements.csv:8: tallet for indikator A1, periode 2008-03, distrikt 0101 står der to gange "
            "(også i række 7)"
        ],
    ),
    # indicators
    "area-without-main-indicator": (
        indicator("yes", "no", B1),
        ['areas.csv:3: indsatsområde "B" har ingen hovedindikator: skriv ja i main for en af dets indikatorer i '
         "indicators.csv"],
    ),
    "baseline-rule-without-baseline": (
        indicator("previous", "baseline"),
        [
            'indicators.csv:2: baseline_value: skal udfyldes, når rule er "baseline"',
            'indicators.csv:2: baseline_period: skal udfyldes, når rule er "baseline"',
        ],
    ),
    "national-rule-without-baseline": (
        indicator("previous", "national"),
        [
            'indicators.csv:2: baseline_value: skal udfyldes, når rule er "national"',
            'indicators.csv:2: baseline_period: skal udfyldes, når rule er "national"',
        ],
    ),
    "trajectory-without-baseline-and-target": (
        indicator("previous", "trajectory"),
        [
            'indicators.csv:2: baseline_value: skal udfyldes, når rule er "trajectory"',
            'indicators.csv:2: baseline_period: skal udfyldes, når rule er "trajectory"',
            'indicators.csv:2: target_value: skal udfyldes, når rule er "trajectory"',
            'indicators.csv:2: target_period: skal udfyldes, når rule er "trajectory"',
        ],
    ),
    "gauge-without-target": (
        indicator("previous,0,,", "gauge,0,48.0,2007-06"),
        [
            'indicators.csv:2: target_value: skal udfyldes, når rule er "gauge"',
            'indicators.csv:2: target_period: skal udfyldes, når rule er "gauge"',
        ],
    ),
    "target-value-without-period": (
        indicator("0,,,,", "0,,,55.0,"),
        ["indicators.csv:2: target_period: skal udfyldes, når target_value er udfyldt"],
    ),
    "target-before-baseline": (
        indicator("previous,0,,,,", "trajectory,0,48.0,2009-01,55.0,2008-12"),
        ["indicators.csv:2: target_period: skal ligge efter baseline_period (2009-01)"],
    ),
    "unknown-rule": (
        indicator("previous", "trend"),
        ['indicators.csv:2: rule: "trend" kan ikke bruges her: skriv en af previous, baseline, trajectory, '
         "national, gauge"],
    ),
    "unknown-direction": (
        indicator("up", "sideways"),
        ['indicators.csv:2: direction: "sideways" kan ikke bruges her: skriv en af up, down'],
    ),
    "unknown-unit": (
        indicator("percent", "procent"),
        ['indicators.csv:2: unit: "procent" kan ikke bruges her: skriv en af percent, count, value'],
    ),
    "unknown-source-type": (
        edit(IND, "districts\n", "districts,source_type\n", A1, A1 + ",regional", B1, B1 + ","),
        ['indicators.csv:2: source_type: "regional" kan ikke bruges her: skriv en af local, national'],
    ),
    "main-not-yes-no": (
        indicator("yes", "maybe"),
        ['indicators.csv:2: main: "maybe" er hverken ja eller nej: skriv ja eller nej (også yes/no, true/false, 1/0)'],
    ),
    "districts-not-yes-no": (
        edit(IND, A1, A1[:-2] + "2"),
        ['indicators.csv:2: districts: "2" er hverken ja eller nej: skriv ja eller nej (også yes/no, true/false, 1/0)'],
    ),
    "decimals-negative": (
        indicator("1", "-1"),
        ['indicators.csv:2: decimals: "-1" er ikke et helt tal fra 0 til 6: skriv fx 1'],
    ),
    "decimals-fraction": (
        indicator("1", "1.5"),
        ['indicators.csv:2: decimals: "1.5" er ikke et helt tal fra 0 til 6: skriv fx 1'],
    ),
    "decimals-too-many": (
        indicator("1", "12"),
        ['indicators.csv:2: decimals: "12" er ikke et helt tal fra 0 til 6: skriv fx 1'],
    ),
    "districts-without-districts-csv": (
        edit(IND, A1, A1[:-2] + "yes"),
        ["indicators.csv:2: districts: er ja, men der er ingen districts.csv: skriv nej, eller tilføj districts.csv"],
    ),
    "unknown-area-aggregation": (
        {"areas.csv": "id,name,aggregation\nA,Beskæftigelse,best\nB,Uddannelse,\n"},
        ['areas.csv:2: aggregation: "best" kan ikke bruges her: skriv en af worst, majority'],
    ),
    # structure
    "missing-column": (
        {M: "indicator,period,value\nA1,2008-03,50.0\n"},
        ['measurements.csv:1: kolonnen "update" mangler: tilføj den i første række (overskriften)'],
    ),
    "empty-required-cell": (
        edit("updates.csv", "Juni 2008", ""),
        ["updates.csv:2: label: skal udfyldes, men er tom"],
    ),
    "empty-required-id": (
        figure(",2008-03,50.0,,,,2008-06"),
        ["measurements.csv:2: indicator: skal udfyldes, men er tom"],
    ),
    # overrides, comments, initiatives
    "override-bad-signal": (
        {"overrides.csv": "update,target,signal,reason\n2009-06,A1,blue,Fordi\n"},
        ['overrides.csv:2: signal: "blue" kan ikke bruges her: skriv en af green, yellow, red, grey (eller '
         "grøn, gul, rød, grå)"],
    ),
    "override-without-reason": (
        {"overrides.csv": "update,target,signal,reason\n2009-06,A1,red,\n"},
        ["overrides.csv:2: reason: skal udfyldes, men er tom"],
    ),
    "override-unknown-target": (
        {"overrides.csv": "update,target,signal,reason\n2009-06,Z9,red,Fordi\n"},
        ['overrides.csv:2: target: ukendt indikator eller indsatsområde "Z9" (findes ikke i indicators.csv '
         "eller areas.csv)"],
    ),
    "override-unknown-update": (
        {"overrides.csv": "update,target,signal,reason\n2010-06,A,red,Fordi\n"},
        ['overrides.csv:2: update: ukendt opdatering "2010-06" (findes ikke i updates.csv)'],
    ),
    "duplicate-override": (
        {"overrides.csv": "update,target,signal,reason\n2009-06,A,red,Fordi\n2009-06,A,gul,Nej\n"},
        ["overrides.csv:3: tilsidesættelsen for opdatering 2009-06 og A står der to gange (også i række 2)"],
    ),
    "comment-unknown-target": (
        {"comments.csv": "update,target,text\n2009-06,C,Faldet skyldes krisen.\n"},
        ['comments.csv:2: target: ukendt indikator eller indsatsområde "C" (findes ikke i indicators.csv eller '
         "areas.csv)"],
    ),
    "comment-without-text": (
        {"comments.csv": "update,target,text\n2009-06,A1,\n"},
        ["comments.csv:2: text: skal udfyldes, men er tom"],
    ),
    "initiative-unknown-indicator": (
        {"initiatives.csv": "id,name,indicator,committee,status,description\nP1,Job nu,Z9,BIU,,\n"},
        ['initiatives.csv:2: indicator: ukendt indikator "Z9" (findes ikke i indicators.csv)'],
    ),
    "initiative-unknown-committee": (
        {"initiatives.csv": "id,name,indicator,committee,status,description\nP1,Job nu,A1,XYZ,,\n"},
        ['initiatives.csv:2: committee: ukendt udvalg "XYZ" (findes ikke i committees.csv)'],
    ),
    "duplicate-initiative": (
        {"initiatives.csv": "id,name,indicator\nP1,Job nu,A1\nP1,Job igen,B1\n"},
        ['initiatives.csv:3: id: id "P1" står der to gange (også i række 2)'],
    ),
    # districts
    "district-without-geo-id": (
        {
            "districts.csv": "id,name,geo_id\n0101,Indre By,\n",
            TOML: textwrap.dedent(BASE_FILES[TOML]) + MAP,
            "bydele.geojson": "{}",
        },
        ["districts.csv:2: geo_id: skal udfyldes, når barometer.toml har et kort ([map])"],
    ),
    "duplicate-district": (
        {"districts.csv": "id,name\n0101,Indre By\n0101,Østerbro\n"},
        ['districts.csv:3: id: id "0101" står der to gange (også i række 2)'],
    ),
    # barometer.toml
    "toml-title-missing": (
        toml('title = "Testbarometer"\n', ""),
        ["barometer.toml: title: mangler: tilføj den i barometer.toml"],
    ),
    "toml-title-not-text": (
        toml('title = "Testbarometer"', "title = 5"),
        ['barometer.toml:1: title: skal være tekst i anførselstegn, fx "…", ikke 5'],
    ),
    "toml-title-empty": (
        toml('title = "Testbarometer"', 'title = " "'),
        ["barometer.toml:1: title: skal udfyldes, men er tom"],
    ),
    "toml-municipality-missing": (
        toml('municipality = "Testrup Kommune"\n', ""),
        ["barometer.toml: municipality: mangler: tilføj den i barometer.toml"],
    ),
    "toml-policy-missing": (
        toml('policy = "Testpolitikken 2007-2010"\n', ""),
        ["barometer.toml: policy: mangler: tilføj den i barometer.toml"],
    ),
    "toml-owner-unknown": (
        toml('owner = "BIU"', 'owner = "XYZ"'),
        ['barometer.toml:4: owner: ukendt udvalg "XYZ" (findes ikke i committees.csv)'],
    ),
    "toml-language": (
        toml('language = "da"', 'language = "de"'),
        ['barometer.toml:5: language: skal være en af da, en, ikke "de"'],
    ),
    "toml-aggregation": (
        toml('aggregation = "worst"', 'aggregation = "best"'),
        ['barometer.toml:8: assessment.aggregation: skal være en af worst, majority, ikke "best"'],
    ),
    "toml-significance-range": (
        toml("significance = 0.05", "significance = 1.5"),
        ["barometer.toml:9: assessment.significance: skal være et tal mellem 0 og 1 med punktum, fx 0.05, ikke 1.5"],
    ),
    "toml-significance-zero": (
        toml("significance = 0.05", "significance = 0"),
        ["barometer.toml:9: assessment.significance: skal være et tal mellem 0 og 1 med punktum, fx 0.05, ikke 0"],
    ),
    "toml-significance-text": (
        toml("significance = 0.05", 'significance = "0,05"'),
        ['barometer.toml:9: assessment.significance: skal være et tal mellem 0 og 1 med punktum, fx 0.05, ikke "0,05"'],
    ),
    "toml-min-n-negative": (
        toml("min_n = 20", "min_n = -1"),
        ["barometer.toml:10: assessment.min_n: skal være et helt tal, 0 eller større, fx 30, ikke -1"],
    ),
    "toml-min-n-fraction": (
        toml("min_n = 20", "min_n = 2.5"),
        ["barometer.toml:10: assessment.min_n: skal være et helt tal, 0 eller større, fx 30, ikke 2.5"],
    ),
    "toml-assessment-not-table": (
        toml("\n[assessment]\naggregation", '\nassessment = "worst"\n[x]\naggregation'),
        ['barometer.toml:7: assessment: skal være en sektion ([assessment]), ikke "worst"'],
    ),
    "toml-administration": (
        toml('owner = "BIU"', 'owner = "BIU"\nadministration = 7'),
        ['barometer.toml:5: administration: skal være tekst i anførselstegn, fx "…", ikke 7'],
    ),
    "toml-method-sensitivity": (
        {TOML: textwrap.dedent(BASE_FILES[TOML]) + '[documents]\nmethod_sensitivity = "ja"\n'},
        ['barometer.toml:12: documents.method_sensitivity: skal være true eller false, ikke "ja"'],
    ),
    "map-outside-folder": (
        {TOML: textwrap.dedent(BASE_FILES[TOML]) + MAP.replace("bydele", "../bydele")},
        ['barometer.toml:12: map.file: "../bydele.geojson" skal være en fil i barometermappen: skriv stien fra '
         "mappen med /, fx kort/bydele.geojson"],
    ),
    "map-absolute": (
        {TOML: textwrap.dedent(BASE_FILES[TOML]) + MAP.replace("bydele", "/etc/bydele")},
        ['barometer.toml:12: map.file: "/etc/bydele.geojson" skal være en fil i barometermappen: skriv stien '
         "fra mappen med /, fx kort/bydele.geojson"],
    ),
    "map-missing-file": (
        {TOML: textwrap.dedent(BASE_FILES[TOML]) + MAP},
        ['barometer.toml:12: map.file: "bydele.geojson" findes ikke i barometermappen: læg filen i mappen, '
         "eller ret navnet"],
    ),
    "map-without-key": (
        {
            TOML: textwrap.dedent(BASE_FILES[TOML]) + '[map]\nfile = "bydele.geojson"\n',
            "bydele.geojson": "{}",
        },
        ["barometer.toml: map.key: mangler: tilføj den i barometer.toml"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_problem_has_its_exact_message(make_barometer, case):
    files, expected = CASES[case]
    assert messages(make_barometer(files)) == expected


def test_map_symlink_leaving_the_folder_is_refused(make_barometer, tmp_path):
    outside = tmp_path / "outside.geojson"
    outside.write_text("{}")
    folder = make_barometer({TOML: textwrap.dedent(BASE_FILES[TOML]) + MAP})
    (folder / "bydele.geojson").symlink_to(outside)
    assert messages(folder) == [
        'barometer.toml:12: map.file: "bydele.geojson" skal være en fil i barometermappen: skriv stien fra mappen '
        "med /, fx kort/bydele.geojson"
    ]


def test_all_problems_are_listed_grouped_by_file(make_barometer):
    files = {
        **toml('owner = "BIU"', 'owner = "XYZ"'),
        **edit(
            M,
            M2 + "\nA1,2008-09,51.0,,,,2008-12",
            'A1,2008-03,"6,2,1",-1,,,2008-06\nA1,2008-09,51.0,,,,2010-01',
        ),
        **indicator("percent", "procent"),
        "overrides.csv": "update,target,signal,reason\n2009-06,A1,lilla,\n",
    }
    assert messages(make_barometer(files)) == [
        'barometer.toml:4: owner: ukendt udvalg "XYZ" (findes ikke i committees.csv)',
        'indicators.csv:2: unit: "procent" kan ikke bruges her: skriv en af percent, count, value',
        'measurements.csv:2: value: "6,2,1" er ikke et tal: skriv et tal med komma, fx 59,3',
        'measurements.csv:2: se: "-1" er negativt: skriv et tal, der er 0 eller større',
        'measurements.csv:3: update: ukendt opdatering "2010-01" (findes ikke i updates.csv)',
        'overrides.csv:2: signal: "lilla" kan ikke bruges her: skriv en af green, yellow, red, grey '
        "(eller grøn, gul, rød, grå)",
        "overrides.csv:2: reason: skal udfyldes, men er tom",
    ]


def test_error_text_is_one_line_per_problem(make_barometer):
    with pytest.raises(DataValidationError) as info:
        read_barometer(make_barometer({**figure("A1,2008-03,x,,,,2008-06"), **indicator("up", "op")}))
    assert str(info.value) == (
        'indicators.csv:2: direction: "op" kan ikke bruges her: skriv en af up, down\n'
        'measurements.csv:2: value: "x" er ikke et tal: skriv et tal med komma, fx 59,3'
    )


# --- what is accepted -----------------------------------------------------------------------------


def test_valid_base_barometer(make_barometer):
    b = read_barometer(make_barometer())
    assert b.config.title == "Testbarometer"
    assert [u.id for u in b.updates] == ["2008-06", "2008-12", "2009-06"]
    assert [u.index for u in b.updates] == [0, 1, 2]
    assert b.updates[0].date == dt.date(2008, 6, 2)
    assert [a.id for a in b.areas] == ["A", "B"]
    assert b.committee("BUU").chair is None
    assert b.indicator("B1").decimals == 2 and b.indicator("B1").direction == "down"
    assert [(str(m.period), m.value) for m in b.measurements] == [
        ("2008-03", 50.0),
        ("2008-09", 51.0),
        ("2009-03", 50.5),
        ("2007", 0.5),
        ("2008", 0.4),
    ]
    assert b.measurements[3].period == Period(2007, 12, True)
    assert b.map_path is None and b.districts == () and b.overrides == ()
    assert list(b.input_files) == sorted(b.input_files)


@pytest.mark.parametrize(
    ("text", "decimal_comma", "value"),
    [
        ("59.3", False, 59.3),
        ("59,3", False, 59.3),
        ("\u22120,5", False, -0.5),
        ("-3", False, -3.0),
        ("0,793", False, 0.793),
        ("4.793", False, 4.793),
        ("+2", False, 2.0),
        ("59,3", True, 59.3),
        ("4.793", True, 4793.0),
        ("1.234,5", True, 1234.5),
        ("\u22121,25", True, -1.25),
        ("1.234.567", True, 1234567.0),
        (" 7 ", True, 7.0),
    ],
)
def test_parse_number_accepts(text, decimal_comma, value):
    assert parse_number(text, decimal_comma=decimal_comma) == value


@pytest.mark.parametrize(
    ("text", "decimal_comma"),
    [
        ("6,2,1", False),
        ("1,234.5", False),
        ("1.234,5", False),
        ("1e3", False),
        (".5", False),
        ("", False),
        ("1.23", True),
        ("1.2345", True),
        ("12.34,5", True),
        ("1e999", False),
        ("9" * 400, False),
    ],
)
def test_parse_number_refuses(text, decimal_comma):
    with pytest.raises(ValueError):
        parse_number(text, decimal_comma=decimal_comma)


def test_lenient_but_unambiguous_forms(make_barometer):
    files = {
        **edit(IND, A1, " A1 ,A,Andel beskæftigede,JA,Percent,UP,1,,,,,,,BIU,Danmarks Statistik,nej"),
        **edit(M, M2, 'A1,2008-03,"50,5","0,25",1.0,,2008-06', add=("B1,2009-01,\u22120.10,,,,2009-06",)),
        "overrides.csv": "update,target,signal,reason\n2009-06,A1,Grøn,Vurderet\n2008-12,B,grå,Ingen data\n",
        "comments.csv": "update,target,text\n2009-06,A1,Faldet skyldes utvivlsomt krisen.\n",
    }
    b = read_barometer(make_barometer(files))
    a1 = b.indicator("A1")
    assert (a1.main, a1.unit, a1.direction, a1.rule, a1.tolerance, a1.districts) == (
        True,
        "percent",
        "up",
        "previous",
        0.0,
        False,
    )
    assert (b.measurements[0].value, b.measurements[0].se, b.measurements[0].n) == (50.5, 0.25, 1)
    assert b.measurements[-1].value == -0.1
    assert [(o.target, o.signal) for o in b.overrides] == [("A1", "green"), ("B", "grey")]
    assert b.comments[0].text == "Faldet skyldes utvivlsomt krisen."


def test_extensions_and_optional_tables(make_barometer):
    files = {
        TOML: textwrap.dedent(BASE_FILES[TOML]).replace(
            'owner = "BIU"', 'owner = "BIU"\nadministration = "Beskæftigelses- og Integrationsforvaltningen"'
        )
        + MAP
        + "[documents]\nmethod_sensitivity = true\n",
        "bydele.geojson": "{}",
        "updates.csv": "id,date,label,meeting_date,case_number,document_number,noter\n"
        "2008-06,2008-06-02,Juni 2008,,,,x\n2008-12,2008-12-01,December 2008,,,,\n"
        "2009-06,2009-06-01,Juni 2009,2009-06-15,2009-0123,2009-456789,\n",
        "districts.csv": DISTRICTS,
        **edit(
            IND,
            "districts\n" + A1 + "\n" + B1,
            "districts,source_type\n" + A1[:-2] + "yes,local\n" + B1 + ",",
        ),
        **append(M, "A1,2009-03,49.0,1.2,150,0101,2009-06"),
        "initiatives.csv": "id,name,indicator,committee,status,description\nP1,Job nu,A1,BIU,I gang,\n",
    }
    folder = make_barometer(files)
    b = read_barometer(folder)
    assert b.config.administration == "Beskæftigelses- og Integrationsforvaltningen"
    assert b.config.method_sensitivity is True
    assert (b.config.map_file, b.config.map_key) == ("bydele.geojson", "bydel_nr")
    assert b.map_path == (folder / "bydele.geojson").resolve()
    assert b.map_path in b.input_files
    assert b.updates[0].meeting_date is None
    assert (b.updates[2].meeting_date, b.updates[2].case_number, b.updates[2].document_number) == (
        dt.date(2009, 6, 15),
        "2009-0123",
        "2009-456789",
    )
    assert [(d.id, d.geo_id) for d in b.districts] == [("0101", "1"), ("0202", "2")]
    assert b.indicator("A1").source_type == "local"  # given explicitly, though the source is national
    assert b.indicator("B1").source_type == "national"  # derived: "Undervisningsministeriet"
    assert b.measurements_of("A1", district="0101")[0].n == 150
    assert b.initiatives_of("A1")[0].status == "I gang"


@pytest.mark.parametrize(
    ("source", "source_type"),
    [
        ("Danmarks Statistik", "national"),
        ("Undervisningsministeriet", "national"),
        ("Styrelsen for Arbejdsmarked", "national"),
        ("De nationale test", "national"),
        ("Egen opgørelse", "local"),
        ("", "local"),
    ],
)
def test_source_type_default(make_barometer, source, source_type):
    b = read_barometer(make_barometer(edit(IND, A1, A1.replace("Danmarks Statistik", source))))
    assert b.indicator("A1").source_type == source_type


def test_barometer_is_frozen(make_barometer):
    b = read_barometer(make_barometer())
    with pytest.raises(AttributeError):
        b.areas = ()  # type: ignore[misc]
