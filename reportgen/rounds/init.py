"""`reportgen init`: a new, valid barometer folder with explained settings, examples and an Excel template."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReportgenError
from ..inputs.load import TABLES, TOML_FILE, WORKBOOK_FILE
from ..outputs.export import Value, cell_value, csv_bytes, fixed_time_xlsx
from ..outputs.writer import fsync_dir

TEMPLATE_FILE = "barometer-skabelon.xlsx"
GUIDE_SHEET = "vejledning"
MAX_ROWS = 10000  # rows that get drop-down lists and formats in the template
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)  # the template's core properties: same bytes every time
YES_NO = ("ja", "nej")


@dataclass(frozen=True)
class Column:
    """One column of a table: its Danish explanation and what Excel should offer or enforce."""

    name: str
    help: str
    kind: str = "text"  # text | number | date
    choices: tuple[str, ...] = ()  # drop-down list of allowed values
    ref: str | None = None  # drop-down of the ids (column A) in this sheet


SCHEMA: dict[str, tuple[Column, ...]] = {
    "updates": (
        Column("id", "Opdateringens id, fx 2025-06. Skal være entydigt. Opdateringerne står ældste først."),
        Column("date",
               "Datoen, hvor tallene blev offentliggjort, skrevet ÅÅÅÅ-MM-DD, fx 2025-06-12.", "date"),
        Column("label", "Navnet på opdateringen, som det står i dokumenterne, fx Juni 2025."),
        Column("meeting_date",
               "Valgfri: datoen for udvalgsmødet, der får dokumenterne (ÅÅÅÅ-MM-DD).", "date"),
        Column("case_number", "Valgfri: sagsnummeret, der står i dokumenternes hoved."),
        Column("document_number", "Valgfri: dokumentnummeret, der står i dokumenternes hoved."),
        Column("agenda_item", "Valgfri: sagens nummer på udvalgets dagsorden, fx 10."),
    ),
    "areas": (
        Column("id",
               "Indsatsområdets id, fx BES. Skal være entydigt. Rækkefølgen er rækkefølgen i dokumenterne."),
        Column("name", "Indsatsområdets navn, fx Beskæftigelse."),
        Column("aggregation", "Valgfri: worst (den dårligste hovedindikator bestemmer farven) eller majority "
               "(flest stemmer). Tom: som i barometer.toml.", choices=("worst", "majority")),
    ),
    "committees": (
        Column("id",
               "Udvalgets id, fx BEU. Bruges i indicators og som filnavn for udvalgets brev "
               "(letters/BEU.md)."),
        Column("name", "Udvalgets fulde navn, fx Beskæftigelsesudvalget."),
        Column("chair", "Valgfri: formandens navn."),
        Column("email", "Valgfri: sekretariatets e-mailadresse, som brevet sendes til (reportgen send). "
               "Flere adresser skilles med semikolon."),
    ),
    "districts": (
        Column("id", "Valgfri fane. Bydelens id, fx 1."),
        Column("name", "Bydelens navn."),
        Column("geo_id",
               "Bydelens nøgle i kortfilen (se [map] i barometer.toml). Kræves kun, når der er et kort."),
    ),
    "indicators": (
        Column("id", "Indikatorens id, fx BES1. Skal være entydigt."),
        Column("area", "Id på det indsatsområde, indikatoren hører til (fanen areas).", ref="areas"),
        Column("name", "Indikatorens fulde navn, som det står i dokumenterne."),
        Column("main",
               "ja: hovedindikator, der bestemmer områdets farve. nej: anden indikator.", choices=YES_NO),
        Column("unit",
               "percent (ændringer skrives i procentpoint), count (hele tal) eller value (andet tal).",
               choices=("percent", "count", "value")),
        Column("direction", "up: højere er bedre. down: lavere er bedre.", choices=("up", "down")),
        Column("decimals", "Antal decimaler, der vises og sammenlignes på (0-6). Tom: 1.", "number"),
        Column("rule",
               "Hvad det seneste tal sammenlignes med: previous (forrige tal), baseline (udgangspunktet) "
               "eller trajectory (lige linje fra udgangspunkt til mål). Tom: previous.",
               choices=("previous", "baseline", "trajectory")),
        Column("tolerance",
               "Ændringer op til denne størrelse (i indikatorens enhed) giver gul. Tom: 0.", "number"),
        Column("baseline_value", "Valgfri: udgangspunktets tal. Kræves af baseline og trajectory.", "number"),
        Column("baseline_period", "Valgfri: udgangspunktets periode, ÅÅÅÅ-MM eller ÅÅÅÅ."),
        Column("target_value", "Valgfri: målet. Kræves af trajectory.", "number"),
        Column("target_period", "Valgfri: hvornår målet skal være nået, ÅÅÅÅ-MM eller ÅÅÅÅ."),
        Column("committee",
               "Id på det fagudvalg, indikatoren hører under (fanen committees). Udvalget får brevet.",
               ref="committees"),
        Column("source", "Datakilden, fx Danmarks Statistik."),
        Column("districts", "ja: der er tal for bydelene i measurements. nej: kun tal for hele kommunen.",
               choices=YES_NO),
        Column("source_type", "Valgfri: local (kommunens egne data) eller national (fx Danmarks Statistik).",
               choices=("local", "national")),
        Column("target_text", "Valgfri: målet i politikkens egne ord, fx ingen nye. Står i stedet for målets tal."),
        Column("unit_text", "Valgfri: enheden for tal og ændringer i teksten, fx karakterpoint eller "
               "boligområde|boligområder (ental|flertal). Kun for count og value."),
    ),
    "measurements": (
        Column("indicator", "Id på indikatoren (fanen indicators).", ref="indicators"),
        Column("period", "Hvad tallet måler: ÅÅÅÅ-MM (en måned) eller ÅÅÅÅ (et år)."),
        Column("value", "Tallet. Decimaltegn: komma eller punktum. Ingen procenttegn.", "number"),
        Column("se",
               "Valgfri: standardfejl. Har både det nye og det forrige tal en, testes ændringen.", "number"),
        Column("n", "Valgfri: antal observationer. Bydelstal med for få observationer vises ikke.", "number"),
        Column("district", "Tom for hele kommunen, ellers bydelens id (fanen districts).", ref="districts"),
        Column("update", "Id på den opdatering, hvor tallet blev offentliggjort første gang (fanen updates).",
               ref="updates"),
    ),
    "initiatives": (
        Column("id", "Valgfri fane. Initiativets id, fx I01."),
        Column("name", "Initiativets navn."),
        Column("indicator",
               "Id på den indikator, initiativet skal flytte (fanen indicators).", ref="indicators"),
        Column("committee", "Valgfri: det ansvarlige udvalgs id (fanen committees).", ref="committees"),
        Column("status", "Valgfri: fx Igangværende eller Afsluttet."),
        Column("description", "Valgfri: en kort beskrivelse."),
    ),
    "overrides": (
        Column("update", "Valgfri fane. Id på opdateringen, hvor forvaltningen selv fastsætter farven.",
               ref="updates"),
        Column("target", "Id på indikatoren eller indsatsområdet, hvis farve fastsættes."),
        Column("signal", "Farven: grøn, gul, rød eller grå.", choices=("grøn", "gul", "rød", "grå")),
        Column("reason", "Begrundelsen. Skal udfyldes; den står overalt, hvor farven vises."),
    ),
    "comments": (
        Column("update", "Valgfri fane. Id på opdateringen, kommentaren hører til.", ref="updates"),
        Column("target", "Id på indikatoren eller indsatsområdet."),
        Column("text", "Forvaltningens kommentar; den indgår i teksten i Bilag 1."),
    ),
    "decisions": (
        Column("update", "Valgfri fane. Id på opdateringen, hvis sag udvalget har behandlet.", ref="updates"),
        Column("point", "Nummeret på indstillingens at-punkt: 1, 2 eller 3.", "number"),
        Column("decision", "Udvalgets beslutning om punktet, fx blev taget til efterretning."),
        Column("decided_on", "Valgfri: mødedatoen (ÅÅÅÅ-MM-DD). Tom: opdateringens mødedato.", "date"),
    ),
}

# One example row per table (two committees: the owner sends the letters, the other receives one).
EXAMPLES: dict[str, tuple[tuple[Value, ...], ...]] = {
    "updates": (("2025-06", dt.date(2025, 6, 12), "Juni 2025", None, None, None, None),),
    "areas": (("BES", "Beskæftigelse", None),),
    "committees": (("OEU", "Økonomiudvalget", None, None), ("BEU", "Beskæftigelsesudvalget", None, None)),
    "districts": (("1", "Nord", "1"),),
    "indicators": (("BES1", "BES", "Andel af de 16-64-årige i beskæftigelse", "ja", "percent", "up", 1,
                    "previous", 0, 72.0, "2024-03", 75.0, "2028-12", "BEU", "Danmarks Statistik", "nej",
                    "national", None, None),),
    "measurements": (("BES1", "2025-03", 72.4, None, None, None, "2025-06"),),
    "initiatives": (("I01", "Virksomhedsrettet indsats for ledige", "BES1", "BEU", "Igangværende",
                     "Ledige kommer i praktik og løntilskud på private virksomheder."),),
    "overrides": (("2025-06", "BES1", "gul", "Tallet er opgjort efter en ny metode og kan ikke sammenlignes "
                   "med udgangspunktet."),),
    "comments": (("2025-06", "BES", "Forvaltningen følger udviklingen tæt."),),
    "decisions": (("2025-06", 1, "blev taget til efterretning", None),),
}
OWNER = "OEU"


# --- the files --------------------------------------------------------------------------------------------


def policy_name(title: str) -> str:
    """``Sundhedsbarometer`` -> ``Sundhedspolitikken 2025-2028``: a first guess, to be corrected."""
    stem = title.strip()
    if stem.lower().endswith("barometer") and len(stem) > len("barometer"):
        return f"{stem[: -len('barometer')]}politikken 2025-2028"
    return "Politikken 2025-2028"


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes (\\" \\\\ \\n \\uXXXX) are all valid TOML."""
    return json.dumps(text, ensure_ascii=False)


def toml_text(*, municipality: str, title: str) -> str:
    """barometer.toml with a Danish comment on every key."""
    q = _toml_string
    return f"""\
# Indstillinger for barometret. Ret teksten mellem anførselstegnene. Linjer, der begynder med #,
# er forklaringer og bliver ikke læst.
#
# Tallene står i CSV-filerne i denne mappe (updates.csv, areas.csv, committees.csv, indicators.csv,
# measurements.csv og de valgfrie districts.csv, initiatives.csv, overrides.csv, comments.csv).
# Vil I hellere arbejde i Excel: gem en kopi af {TEMPLATE_FILE} som {WORKBOOK_FILE} i denne mappe
# og slet CSV-filerne. En tabel må kun findes ét sted, enten som CSV-fil eller som fane i {WORKBOOK_FILE}.
# Tjek mappen med: reportgen check MAPPE

# Barometrets navn, som det står på forsiden og i overskrifterne.
title = {q(title)}
# Kommunens navn, som det står i dokumenternes hoved.
municipality = {q(municipality)}
# Den politik, barometret følger, med bestemt form: "… inden for Integrationspolitikken 2025-2028".
policy = {q(policy_name(title))}
# Id på det udvalg (committees.csv), der ejer barometret. Det sender brevene og får ikke selv et.
owner = {q(OWNER)}
# Dokumenternes sprog: da (dansk).
language = "da"
# Forvaltningen, der skriver dokumenterne; står i brevhovedet.
administration = "Beskæftigelsesforvaltningen"

[assessment]
# Hvordan hovedindikatorerne giver områdets farve: "worst" (den dårligste farve) eller
# "majority" (den hyppigste farve; ved lighed den dårligste). Kan ændres for et enkelt område i areas.csv.
aggregation = "worst"
# Signifikansniveau for testen af ændringer, når tallene har en standardfejl (se): 0.05 = 5 procent.
significance = 0.05
# Bydelstal med færre observationer (n) end dette vises ikke ("for få observationer").
min_n = 20

# Valgfrit kort over bydelene. Fjern # foran de tre linjer nedenfor, og læg kortfilen i denne mappe.
# file er GeoJSON-filen; key er det felt i filen, der svarer til geo_id i districts.csv.
# [map]
# file = "bydele.geojson"
# key = "bydel_nr"
"""


def readme_text(*, municipality: str, title: str) -> str:
    """README.md of the new folder: what is here and the next steps, in Danish."""
    return f"""\
# {title} – {municipality}

Denne mappe er et barometer til `reportgen`. Den er lavet med `reportgen init` og er gyldig fra
start: eksempelrækkerne i filerne viser formatet. Ret dem til jeres egne tal, eller slet dem.

| fil | indhold |
|---|---|
| `{TOML_FILE}` | indstillinger: titel, kommune, politik, ejerudvalg (forklaret i filen) |
| `updates.csv` | opdateringerne, ældste først |
| `areas.csv` | indsatsområderne |
| `committees.csv` | udvalgene |
| `indicators.csv` | indikatorerne |
| `measurements.csv` | tallene |
| `districts.csv`, `initiatives.csv`, `overrides.csv`, `comments.csv` | valgfrie tabeller |
| `{TEMPLATE_FILE}` | de samme tabeller som Excel-ark, med forklaringer og rullelister |
| `letters/` | kommunens egne brevtekster (se `letters/README.md`) |

## Excel i stedet for CSV

1. Gem en kopi af `{TEMPLATE_FILE}` som `{WORKBOOK_FILE}` i denne mappe.
2. Slet CSV-filerne. En tabel må kun findes ét sted.
3. Udfyld fanerne. Hold musen over en kolonneoverskrift for at se, hvad kolonnen skal indeholde.

## Næste skridt

    reportgen check MAPPE
    reportgen status MAPPE
    reportgen build MAPPE --out output

Se `docs/tutorial.md` i reportgen for en gennemgang.
"""


def letters_readme() -> str:
    return """\
# Brevtekster til fagudvalgene

Her kan kommunen lægge sine egne tekster til brevene til fagudvalgene (Bilag 2). En fil her bruges i stedet
for projektets fil med samme navn:

| fil | hvad den bestemmer |
|---|---|
| `letters.toml` | emnelinjen, barometrets navn i løbende tekst og underskriften |
| `default.md` | brevet til alle udvalg, der ikke har deres egen fil |
| `BEU.md` … | brevet til ét udvalg (filnavnet er udvalgets id fra committees.csv) |
| `case.md` | indstillingen til udvalget (`sag.pdf`, `sag.docx`), hvis kommunen vil skrive den om |

Hvem der underskriver brevene, står kun her (`[underskrift]` i `letters.toml`); uden det underskriver
formanden for det udvalg, der ejer barometret (`chair` i committees.csv).
| `mail.md` | teksten i e-mailen, som brevet sendes med (`reportgen send`) |

Er der ingen `default.md` her, bruges projektets standardbrev. Vejledningen til at skrive et brev
(afsnit, overskrifter og de navne, der kan stå i `{{ }}`) står i `letters/README.md` i reportgen.
Gem filerne som UTF-8.
"""


def letters_toml(*, title: str) -> str:
    from ..documents.common import barometer_definite
    from ..documents.letters import PLACEHOLDER_NAME

    name = barometer_definite(title)
    return f"""\
# Faste tekster i brevene til fagudvalgene (Bilag 2). Ret teksten mellem anførselstegnene.

[brev]
# Emnelinjen med fed skrift. Måned og år for opdateringen sættes selv på.
emne = {_toml_string(f"Opfølgning på {name}")}
# Barometrets navn, som det skrives inde i en sætning.
barometer = {_toml_string(name)}

[underskrift]
hilsen = "Med venlig hilsen"
# Skriv navn og titel på den, der underskriver brevene, fx borgmesteren. reportgen build stopper,
# så længe der står {PLACEHOLDER_NAME}. Sletter du de to linjer, underskriver formanden for det
# udvalg, der ejer barometret (kolonnen chair i committees.csv), som "Formand for …".
navn = {_toml_string(PLACEHOLDER_NAME)}
titel = "Borgmester"

# Indstillingen (sag.pdf) underskrives af direktøren og chefen. Fjern # og skriv navnene; uden
# navne underskrives den med forvaltningens navn.
[sag]
# direktoer = ""
# chef = ""

# Afsenderen af e-mailene med brevene (reportgen send). Fjern # foran de fire linjer og ret dem.
# [afsender]
# navn = "Forvaltningen"
# adresse = "barometer@example.org"
# svar_til = "sekretariatet@example.org"
"""


def table_csv(name: str) -> bytes:
    return csv_bytes([c.name for c in SCHEMA[name]], EXAMPLES[name])


# --- the Excel template -------------------------------------------------------------------------------


GUIDE_LINES: tuple[str, ...] = (
    "Sådan bruger du skabelonen",
    "",
    f"1. Gem en kopi af denne fil som {WORKBOOK_FILE} i barometermappen.",
    "2. Slet CSV-filerne i mappen (updates.csv, areas.csv osv.). En tabel må kun findes ét sted.",
    "3. Udfyld fanerne. Første række er kolonnenavnene: dem må du ikke rette.",
    "4. Hold musen over et kolonnenavn for at se, hvad kolonnen skal indeholde.",
    "5. Kolonner med faste værdier har en rulleliste; id-kolonner viser id'erne fra de andre faner.",
    "6. Eksempelrækkerne viser formatet. Ret dem til jeres egne tal, eller slet dem.",
    "7. Fanerne districts, initiatives, overrides, comments og decisions er valgfrie: "
    "lad dem stå med kun overskrifterne.",
    "8. Perioder skrives ÅÅÅÅ-MM (en måned) eller ÅÅÅÅ (et år); datoer ÅÅÅÅ-MM-DD.",
    "9. Tjek bagefter mappen med: reportgen check MAPPE",
    "",
    "Denne fane bliver ikke læst af reportgen.",
)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _list_validation(formula: str, allowed: str):
    from openpyxl.worksheet.datavalidation import DataValidation

    return DataValidation(
        type="list", formula1=formula, allow_blank=True, showErrorMessage=True, errorStyle="stop",
        errorTitle="Ugyldig værdi", error=f"Vælg en værdi på listen: {allowed}.",
    )


def _fill_sheet(ws, name: str, rows: tuple[tuple[Value, ...], ...] | None = None) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    columns = SCHEMA[name]
    bold = Font(bold=True)
    shade = PatternFill("solid", fgColor="DDEBF7")
    for col, column in enumerate(columns, start=1):
        letter = _letter(col)
        cell = ws.cell(row=1, column=col, value=cell_value(column.name))
        cell.font = bold
        cell.fill = shade
        comment = Comment(column.help, "reportgen")
        comment.width, comment.height = 320, 110
        cell.comment = comment
        fmt = {"text": "@", "date": "yyyy-mm-dd", "number": "General"}[column.kind]
        ws.column_dimensions[letter].number_format = fmt
        ws.column_dimensions[letter].width = max(12, min(40, len(column.name) + 6))
        for row, values in enumerate(EXAMPLES[name] if rows is None else rows, start=2):
            target = ws.cell(row=row, column=col, value=cell_value(values[col - 1]))
            target.number_format = fmt
        cells = f"{letter}2:{letter}{MAX_ROWS}"
        if column.choices:
            allowed = ", ".join(column.choices)
            dv = _list_validation('"' + ",".join(column.choices) + '"', allowed)
        elif column.ref:
            dv = _list_validation(f"{column.ref}!$A$2:$A${MAX_ROWS}", f"et id fra fanen {column.ref}")
        else:
            continue
        dv.add(cells)
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"


def workbook_bytes(*, title: str, tables: dict[str, tuple[tuple[Value, ...], ...]] | None = None,
                   skip: frozenset[str] = frozenset()) -> bytes:
    """barometer-skabelon.xlsx: a guide sheet and one sheet per table; the same bytes on every run.
    With ``tables`` (rows in SCHEMA's column order, by table name) the sheets hold those rows instead
    of the examples, a table not given only its headers: a barometer's data in the upload format.
    ``skip``: tables left out (the workbench keeps the overrides in overrides.csv, beside the workbook)."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    guide = wb.active
    guide.title = GUIDE_SHEET
    for row, line in enumerate(GUIDE_LINES, start=1):
        guide.cell(row=row, column=1, value=cell_value(line) if line else None)
    guide["A1"].font = Font(bold=True, size=14)
    guide.column_dimensions["A"].width = 110
    for name in TABLES:
        if name not in skip:
            _fill_sheet(wb.create_sheet(name), name, None if tables is None else tables.get(name, ()))
    props = wb.properties
    props.creator = "reportgen"
    props.title = f"{title} – skabelon" if tables is None else f"{title} – data"
    props.language = "da-DK"
    props.created = props.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    return fixed_time_xlsx(buf.getvalue(), FIXED_TIME)


def template_files(*, municipality: str, title: str) -> dict[str, bytes]:
    """Every file of a new barometer folder, by relative path."""
    files = {
        TOML_FILE: toml_text(municipality=municipality, title=title).encode("utf-8"),
        "README.md": readme_text(municipality=municipality, title=title).encode("utf-8"),
        TEMPLATE_FILE: workbook_bytes(title=title),
        "letters/README.md": letters_readme().encode("utf-8"),
        "letters/letters.toml": letters_toml(title=title).encode("utf-8"),
    }
    files.update({f"{name}.csv": table_csv(name) for name in TABLES})
    return files


# --- writing -------------------------------------------------------------------------------------------


def init_barometer(folder: Path, *, municipality: str = "Eksempel Kommune",
                   title: str = "Beskæftigelsesbarometer") -> tuple[str, ...]:
    """Create ``folder`` as a new barometer folder; returns the paths written, relative to it.

    The folder must not exist or be empty. Everything is written into a temporary folder beside it
    and renamed into place at the end, so a failure leaves nothing half-made.
    """
    municipality, title = municipality.strip(), title.strip()
    for option, value in (("--municipality", municipality), ("--title", title)):
        if not value:
            raise ReportgenError(f"{option} må ikke være tom")
    folder = Path(folder)
    _check_target(folder)
    files = template_files(municipality=municipality, title=title)
    parent = folder.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.init-", dir=parent))
    except OSError as err:
        raise ReportgenError(f"kan ikke oprette mappen {folder}: {err.strerror or err}") from err
    try:
        os.chmod(staging, 0o755)
        for rel, data in sorted(files.items()):
            _write(staging / rel, data)
        fsync_dir(staging)
        _check_target(folder)  # still free: nobody made it meanwhile
        os.replace(staging, folder)  # an empty folder at the target is replaced, a full one is refused
        fsync_dir(parent)
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        raise ReportgenError(f"kan ikke skrive mappen {folder}: {err.strerror or err}") from err
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return tuple(sorted(files))


def _check_target(folder: Path) -> None:
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise ReportgenError(f"{folder} findes allerede og er ikke en mappe; vælg et andet navn")
    if folder.is_dir() and any(folder.iterdir()):
        raise ReportgenError(
            f"mappen {folder} findes allerede og er ikke tom; vælg en ny mappe, så intet bliver overskrevet")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
