"""Thin command line: parse, call the library, format errors. Exit codes: 0 ok, 1 bad input, 2 usage."""
from __future__ import annotations

import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import clitext
from .errors import DataValidationError, ReportgenError
from .rounds.preflight import PreflightError

clitext.install()  # the library's usage, error and --help lines in Danish

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="reportgen: udvalgsdokumenter fra et indikatorbarometer (Bilag 1-3, samlet pakke, hjemmeside).",
    rich_markup_mode=None,
)

FolderArg = Annotated[Path, typer.Argument(help="Barometermappen, fx data/copenhagen", metavar="mappe")]
UpdateOpt = Annotated[str | None, typer.Option("--update", "-u", help="Opdatering, fx 2009-12 (standard: seneste)")]


def _print_json(data) -> None:
    """UTF-8 JSON on stdout whatever the terminal's encoding (ensure_ascii off: æøå stay readable)."""
    sys.stdout.buffer.write(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
    sys.stdout.flush()


def _fail(err: ReportgenError) -> None:
    if isinstance(err, DataValidationError):
        from .errors import MAX_LISTED, more_problems

        n = len(err.issues)
        for issue in err.issues[:MAX_LISTED]:
            typer.echo(str(issue), err=True)
        if n > MAX_LISTED:
            typer.echo(more_problems(n - MAX_LISTED), err=True)
        typer.echo(f"Fejl: {n} {'problem' if n == 1 else 'problemer'} i data. Intet er skrevet.", err=True)
    elif isinstance(err, PreflightError):
        for problem in err.problems:
            typer.echo(problem, err=True)
        typer.echo(f"Fejl: {len(err.problems)} problemer i tekster, skabeloner eller kort. Intet er skrevet.",
                   err=True)
    else:
        typer.echo(f"Fejl: {err}", err=True)
    raise typer.Exit(err.exit_code)


@app.command()
def check(folder: FolderArg) -> None:
    """Tjek alt, hvad build ville afvise, og vis et kort resumé: data, brevtekster og underskrift,
    barometrets egne skabeloner og kortet.

    Eksempel: reportgen check data/copenhagen
    """
    from . import PROJECT_DIR
    from .document import Signature
    from .inputs import read_barometer
    from .narrate import danish as da
    from .rounds.preflight import check_folder

    try:
        b = read_barometer(folder)
        documents = check_folder(b, project_dir=PROJECT_DIR)
    except ReportgenError as err:
        _fail(err)
    per_update = {u.id: 0 for u in b.updates}
    for m in b.measurements:
        per_update[m.update] += 1
    typer.echo(f"{b.config.title} – {b.config.municipality}")
    typer.echo(f"  Indsatsområder: {len(b.areas)}")
    mains = sum(i.main for i in b.indicators)
    typer.echo(f"  Indikatorer:    {len(b.indicators)} ({da.plural(mains, 'hovedindikator', 'hovedindikatorer')})")
    typer.echo(f"  Fagudvalg:      {len(b.committees)}")
    typer.echo(f"  {da.capitalize(b.config.district_plural) + ':':<16}{len(b.districts)}")
    typer.echo(f"  Opdateringer:   {len(b.updates)}, seneste {b.latest_update.id} ({b.latest_update.label})")
    signatures = [blk for d in documents if d.meta.kind == "letter" for blk in d.blocks[-1:]
                  if isinstance(blk, Signature)]
    if signatures:
        typer.echo(f"  Underskriver:   {', '.join(t for t in (signatures[0].name, signatures[0].title) if t)}")
    typer.echo("  Tal pr. opdatering:")
    for u in b.updates:
        typer.echo(f"    {u.id}  {da.number(per_update[u.id], 0):>7}")
    from .rounds.preflight import warnings

    for line in warnings(b, project_dir=PROJECT_DIR, documents=documents):  # would show; do not refuse
        typer.echo(f"Advarsel: {line}", err=True)
    typer.echo("Data er gyldige.")


@app.command()
def status(
    folder: FolderArg,
    update: UpdateOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv kontraktens JSON-objekt (UTF-8) på stdout")] = False,
) -> None:
    """Vis signalfarverne for en opdatering som tabel eller JSON.

    Eksempel: reportgen status data/copenhagen --update 2009-12 --json
    """
    from .errors import ConfigError
    from .inputs import read_barometer
    from .narrate.status import status_json, status_table
    from .signals.assess import assess

    try:
        b = read_barometer(folder)
        known = [u.id for u in b.updates]
        if update is not None and update not in known:
            raise ConfigError(f'opdateringen "{update}" findes ikke i updates.csv (kendte: {", ".join(known)})')
        result = assess(b, update)
    except ReportgenError as err:
        _fail(err)
    if as_json:
        _print_json(status_json(b, result))
    else:
        from rich.console import Console

        Console().print(status_table(b, result))


@app.command("compare")
def compare_command(
    folder: FolderArg,
    update: UpdateOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv sammenligningen som JSON (UTF-8) på stdout")] = False,
) -> None:
    """Vis hver indikators farve efter alle de metoder, dens data tillader, og hvor de er uenige.

    Eksempel: reportgen compare data/copenhagen --update 2009-12
    """
    from .inputs import read_barometer, resolve_update
    from .narrate.compare import compare, comparison_json, comparison_table, disagreement_sentence

    try:
        b = read_barometer(folder)
        result = compare(b, resolve_update(b, update))
    except ReportgenError as err:
        _fail(err)
    if as_json:
        _print_json(comparison_json(b, result))
        return
    from rich.console import Console

    console = Console()
    console.print(comparison_table(b, result))
    for ic in result.disagreements:
        console.print(disagreement_sentence(b, ic), highlight=False)
    n = len(result.disagreements)
    typer.echo(f"Metoderne er uenige om {n} af {len(result.indicators)} indikatorer.")


@app.command()
def build(
    folder: FolderArg,
    update: UpdateOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Outputmappe (standard: output)")] = Path("output"),
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Tegn og sæt alt op forfra")] = False,
) -> None:
    """Byg alle dokumenter for en opdatering: Bilag 1-3, breve, pack.pdf, pack.zip, manifest.

    Eksempel: reportgen build data/copenhagen --update 2009-12 --out output
    """
    from .narrate import danish as da
    from .rounds.pipeline import build as run_build

    progress_cm, report = _progress()
    try:
        with _interruptible(), progress_cm:
            result = run_build(folder, out_root=out, update_id=update, progress=report, use_cache=not no_cache)
    except ReportgenError as err:
        _fail(err)
    colours = ", ".join(
        f"{result.signals[s]} {da.signal_word(s) if result.signals[s] == 1 else _PLURAL[s]}"
        for s in ("green", "yellow", "red", "grey") if result.signals[s]
    )
    typer.echo(f"Skrevet til {result.out_dir}")
    for skipped in result.skipped_letters:
        typer.echo(f"  Intet brev til {skipped}")
    typer.echo(f"  Signaler: {colours}")
    typer.echo(f"  Dokumenter sat op: {result.rendered}, genbrugt uændrede: {result.reused}")
    typer.echo(
        f"Færdig: {da.plural(result.indicators, 'indikator', 'indikatorer')}, "
        f"{da.plural(result.letters, 'brev', 'breve')}, {da.plural(len(result.files), 'fil', 'filer')} "
        f"på {da.number(result.seconds, 1)} s"
    )


def _smtp_settings(smtp: str | None, *, starttls: bool, user: str | None, user_option: str):
    """``--smtp HOST:PORT`` with ``--starttls`` and a user, as send and serve take them; None without
    ``--smtp``. Wrong use (exit 2) for options that need --smtp or a server that cannot be parsed."""
    from .rounds import mail

    if (starttls or user) and smtp is None:
        raise typer.BadParameter(f"--starttls og {user_option} kræver --smtp", param_hint="--smtp")
    try:
        return mail.SmtpSettings.from_options(smtp, starttls=starttls, user=user) if smtp else None
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--smtp") from None


@app.command("send")
def send_command(
    folder: FolderArg,
    update: UpdateOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Outputmappen fra build (standard: output)")]
    = Path("output"),
    smtp: Annotated[str | None, typer.Option(
        "--smtp", help="Send over SMTP: VÆRT:PORT, fx smtp.example.org:587 (uden: skriv kun .eml-filer)")] = None,
    starttls: Annotated[bool, typer.Option("--starttls", help="Kryptér forbindelsen med STARTTLS")] = False,
    user: Annotated[str | None, typer.Option(
        "--user", help="Brugernavn på SMTP-serveren; adgangskoden læses fra REPORTGEN_SMTP_PASSWORD")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Vis modtagere og bilag; skriv og send intet")] = False,
    resend: Annotated[bool, typer.Option("--resend", help="Send også breve, hvis filer er ændret siden afsendelse")]
    = False,
) -> None:
    """Skriv hvert udvalgs brev som en e-mail, klar til at sende (OUT/<opdatering>/mail/<udvalg>.eml),
    og send dem med --smtp. Et brev, serveren har taget imod, sendes aldrig igen (se mail/sendelog.jsonl).

    Eksempel: reportgen send data/copenhagen --update 2009-12 --smtp smtp.example.org:587 --starttls --user biu
    """
    from .rounds import mail

    settings = _smtp_settings(smtp, starttls=starttls, user=user, user_option="--user")
    try:
        plan = mail.plan_mail(folder, out_root=out, update_id=update, smtp=settings)
        plan.check()
        if dry_run:
            for line in mail.plan_lines(plan, mail.mail_status(plan, resend=resend), resend=resend):
                typer.echo(line)
            return
        if settings is None:
            written = mail.write_drafts(plan)
            typer.echo(f"Skrevet {len(written)} e-mails til {plan.out_dir / mail.MAIL_DIR} "
                       "(åbn en .eml-fil for at sende)")
            return
        result = mail.send_mail(plan, settings, resend=resend,
                                progress=lambda m: typer.echo(f"  Sender til {m.committee.name}", err=True))
    except mail.MailPlanError as err:
        for issue in err.issues:
            typer.echo(str(issue), err=True)
        n = len(err.issues)
        typer.echo(f"Fejl: {n} {'problem' if n == 1 else 'problemer'}. Intet er skrevet eller sendt.", err=True)
        raise typer.Exit(1) from None
    except ReportgenError as err:
        _fail(err)
    for line, is_error in mail.result_lines(result, plan):
        typer.echo(line, err=is_error)
    if not result.ok:
        raise typer.Exit(1)


@app.command("export")
def export_command(
    folder: FolderArg,
    xlsx: Annotated[bool, typer.Option("--xlsx", help="Én Excel-projektmappe med alle tal og farver")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Filen, der skrives (standard: output/<mappens navn>.xlsx)")] = None,
) -> None:
    """Eksportér alle målinger og hver indikators og hvert områdes farve ved hver opdatering,
    med regel, oprindelse og forklaring, som én Excel-projektmappe til analytikerne.

    Eksempel: reportgen export data/copenhagen --xlsx --out output/copenhagen.xlsx
    """
    from .inputs import read_barometer
    from .outputs.xlsx_export import export_xlsx

    if not xlsx:
        raise typer.BadParameter("vælg et format: --xlsx", param_hint="--xlsx")
    target = out if out is not None else Path("output") / f"{folder.resolve().name}.xlsx"
    if target.suffix.lower() != ".xlsx":
        raise typer.BadParameter(f"{target} skal ende på .xlsx", param_hint="--out")
    try:
        export_xlsx(read_barometer(folder), target)
    except ReportgenError as err:
        _fail(err)
    except OSError as err:
        typer.echo(f"Fejl: kan ikke skrive {target}: {err.strerror or err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Skrevet til {target}")


_PLURAL = {"green": "grønne", "yellow": "gule", "red": "røde", "grey": "grå"}
INTERRUPTED = "Afbrudt. Tidligere output er urørt."


@contextlib.contextmanager
def _interruptible():
    """Ctrl-C or SIGTERM during a build: the writer has dropped its staging folder by the time
    this runs, so say so and exit 130 (Click would print "Aborted!" and exit 1)."""

    def on_term(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    except KeyboardInterrupt:
        typer.echo(INTERRUPTED, err=True)
        raise typer.Exit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command("init")
def init_command(
    folder: Annotated[Path, typer.Argument(help="Den nye barometermappe; den må ikke findes eller skal være tom",
                                           metavar="mappe")],
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunens navn")] = "Eksempel Kommune",
    title: Annotated[str, typer.Option("--title", help="Barometrets navn")] = "Beskæftigelsesbarometer",
) -> None:
    """Opret en ny, gyldig barometermappe med forklarede indstillinger, eksempelrækker og en Excel-skabelon.

    Eksempel: reportgen init aarhus --municipality "Aarhus Kommune" --title Beskæftigelsesbarometer
    """
    from .rounds.init import TEMPLATE_FILE, init_barometer

    try:
        written = init_barometer(folder, municipality=municipality, title=title)
    except ReportgenError as err:
        _fail(err)
    typer.echo(f"Oprettet {folder} med {len(written)} filer.")
    typer.echo(f"  Ret barometer.toml og CSV-filerne, eller brug {TEMPLATE_FILE} (se README.md i mappen).")
    typer.echo(f"  Skriv navnet på den, der underskriver brevene, i {folder / 'letters' / 'letters.toml'}.")
    typer.echo(f"Næste skridt: reportgen check {folder}")


@app.command("diff")
def diff_command(
    folder: FolderArg,
    from_update: Annotated[str | None, typer.Option(
        "--from", help="Den tidligere opdatering, fx 2009-05 (standard: opdateringen før --to)")] = None,
    to_update: Annotated[str | None, typer.Option(
        "--to", help="Den senere opdatering (standard: seneste)")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Skriv ændringerne som JSON (UTF-8) på stdout")] = False,
) -> None:
    """Vis, hvad der er ændret mellem to opdateringer: farver, nye tal, overførte områder, mål.

    Fejl: en ukendt opdatering giver exitkode 1; --from, der ikke ligger før --to, giver exitkode 2.

    Eksempel: reportgen diff data/copenhagen --from 2009-05 --to 2009-12
    """
    from .inputs import read_barometer
    from .narrate.diff import diff, diff_json, diff_tables

    try:
        b = read_barometer(folder)
        known = [u.id for u in b.updates]
        to_id = to_update or known[-1]
        if from_update is None and to_id in known:
            if known.index(to_id) == 0:
                raise ReportgenError(f"opdateringen {to_id} er den første; der er intet at sammenligne med")
            from_update = known[known.index(to_id) - 1]
        result = diff(b, from_update or to_id, to_id)
    except ReportgenError as err:
        _fail(err)
    if as_json:
        _print_json(diff_json(b, result))
    else:
        from rich.console import Console

        console = Console()
        for part in diff_tables(b, result):
            console.print(part)


@app.command("annual")
def annual_command(
    folder: FolderArg,
    year: Annotated[int, typer.Option("--year", "-y", help="Året, fx 2009")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Outputmappe (standard: output)")] = Path("output"),
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Tegn og sæt alt op forfra")] = False,
) -> None:
    """Byg den årlige statusrapport ud fra årets opdateringer (statusrapport.pdf og .docx).

    Skrives til OUT/statusrapport-ÅÅÅÅ/. Et år uden opdateringer er en fejl (exitkode 1).

    Eksempel: reportgen annual data/copenhagen --year 2009 --out output
    """
    from .rounds.annual import build_annual_report

    try:
        with _interruptible():
            result = build_annual_report(folder, year, out_root=out, use_cache=not no_cache)
    except ReportgenError as err:
        _fail(err)
    typer.echo(f"Skrevet til {result.out_dir}")
    typer.echo(f"Færdig: statusrapport for {result.year} ud fra opdateringerne {', '.join(result.updates)}")


@app.command("build-all")
def build_all_command(
    folder: FolderArg,
    update: UpdateOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Outputmappe (standard: output)")] = Path("output"),
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1,
                                                   help="Antal processer (standard: alle kerner)")] = None,
    only: Annotated[str | None, typer.Option(
        "--only", help="Kun disse distrikter, kommasepareret, fx 0101,0147,landet")] = None,
    docx: Annotated[bool, typer.Option("--docx", help="Skriv også DOCX ved siden af hver PDF")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Tegn og sæt alt op forfra")] = False,
) -> None:
    """Byg en udviklingsrapport for hver kommune eller bydel og én for det hele (landet.pdf).

    Skrives til OUT/<opdatering>-kommuner/ med manifest.json. Fejler en rapport, bygges de andre
    alligevel; fejlene står i fejl.txt, og exitkoden er 1.

    Eksempel: reportgen build-all data/danmark --out output --workers 2
    """
    from .narrate import danish as da
    from .rounds.national import build_all

    progress_cm, report = _progress()
    chosen = [x.strip() for x in only.split(",") if x.strip()] if only is not None else None
    try:
        with progress_cm:
            result = build_all(folder, out_root=out, update_id=update, workers=workers, only=chosen, docx=docx,
                               use_cache=not no_cache, progress=report)
    except ReportgenError as err:
        _fail(err)
    typer.echo(f"Skrevet til {result.out_dir}")
    for failure in result.failures:
        typer.echo(f"  Fejl i {failure.stem} ({failure.name}): {failure.message}", err=True)
    typer.echo(f"Færdig: {da.plural(result.reports, 'rapport', 'rapporter')}, "
               f"{da.plural(len(result.failures), 'fejl', 'fejl')} på {da.number(result.seconds, 1)} s")
    if result.failures:
        raise typer.Exit(1)


@app.command("serve")
def serve_command(
    workspace: Annotated[Path, typer.Argument(help="Arbejdsmappen: en mappe med barometermapper",
                                              metavar="arbejdsmappe")],
    host: Annotated[str, typer.Option("--host", help="Adressen (standard: kun denne maskine)")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Porten (0: en ledig)")] = 8000,
    users: Annotated[Path | None, typer.Option("--users", help="users.toml fra reportgen user add")] = None,
    max_upload_mb: Annotated[float, typer.Option("--max-upload-mb", help="Største upload i MB")] = 25,
    smtp: Annotated[str | None, typer.Option(
        "--smtp", help="Siden »Send brevene« sender over SMTP: VÆRT:PORT (uden: kun .eml-kladder)")] = None,
    starttls: Annotated[bool, typer.Option("--starttls", help="Kryptér forbindelsen med STARTTLS")] = False,
    smtp_user: Annotated[str | None, typer.Option(
        "--smtp-user", help="Brugernavn på SMTP-serveren; adgangskoden læses fra REPORTGEN_SMTP_PASSWORD")] = None,
    base_url: Annotated[str | None, typer.Option(
        "--base-url", help="Offentlig adresse bag en reverse proxy, fx https://intra.example.dk/barometer/")] = None,
    trusted_proxy: Annotated[str | None, typer.Option(
        "--trusted-proxy", help="Proxyens adresser: kun herfra troes X-Forwarded-For og --auth-header")] = None,
    auth_header: Annotated[str | None, typer.Option(
        "--auth-header", help="Proxyen har logget brugeren ind og sender navnet i headeren, fx X-Remote-User")] = None,
    access_log: Annotated[str, typer.Option(
        "--access-log", help="Adgangsloggen som text eller json (JSON-linjer)")] = "text",
    oidc_issuer: Annotated[str | None, typer.Option(
        "--oidc-issuer", help="Kommunalt login (OpenID Connect): udbyderens adresse (issuer)")] = None,
    oidc_client_id: Annotated[str | None, typer.Option(
        "--oidc-client-id", help="Klient-id hos udbyderen; hemmeligheden fra REPORTGEN_OIDC_CLIENT_SECRET")] = None,
    oidc_user_claim: Annotated[str, typer.Option(
        "--oidc-user-claim", help="Claim med brugernavnet")] = "preferred_username",
    oidc_groups_claim: Annotated[str, typer.Option("--oidc-groups-claim", help="Claim med grupperne")] = "groups",
    oidc_editor_group: Annotated[str | None, typer.Option(
        "--oidc-editor-group", help="Gruppen, der giver redigeringsadgang")] = None,
    oidc_reader_group: Annotated[str | None, typer.Option(
        "--oidc-reader-group", help="Gruppen, der giver læseadgang")] = None,
    keep_versions: Annotated[int, typer.Option(
        "--keep-versions", help="Så mange tidligere versioner af data gemmes pr. barometer")] = 20,
    versions_mb: Annotated[float, typer.Option(
        "--versions-mb", help="Højst så mange MB tidligere versioner pr. barometer (den nyeste gemmes altid)")] = 200,
    body_min_rate: Annotated[float, typer.Option(
        "--body-min-rate", help="En upload skal komme med mindst så mange KB i sekundet (ellers 408)")] = 1,
    body_grace: Annotated[float, typer.Option(
        "--body-grace", help="Sekunder, før --body-min-rate gælder")] = 10,
    keep_alive: Annotated[float, typer.Option(
        "--keep-alive", help="Sekunder, en ledig forbindelse holdes åben")] = 5,
    max_connections: Annotated[int, typer.Option(
        "--max-connections", help="Højst så mange forbindelser på én gang (derover: 503)")] = 200,
    backlog: Annotated[int, typer.Option(
        "--backlog", help="Forbindelser, der kan vente på at blive taget imod")] = 2048,
    header_timeout: Annotated[float, typer.Option(
        "--header-timeout", help="Sekunder, en forespørgsels headere må tage (ellers lukkes forbindelsen)")] = 10,
) -> None:
    """Start arbejdsbænken: data, farver, tekster, bygning og afsendelse i browseren (docs/workbench.md).

    Eksempel: reportgen serve arbejdsmappe --port 8000
    """
    from .web.oidc import OidcSettings
    from .web.server import serve

    settings = _smtp_settings(smtp, starttls=starttls, user=smtp_user, user_option="--smtp-user")
    try:
        oidc = OidcSettings.from_options(oidc_issuer, oidc_client_id, user_claim=oidc_user_claim,
                                         groups_claim=oidc_groups_claim, editor_group=oidc_editor_group,
                                         reader_group=oidc_reader_group)
        serve(workspace, host=host, port=port, users_file=users, max_upload_mb=max_upload_mb, smtp=settings,
              base_url=base_url, trusted_proxy=trusted_proxy, auth_header=auth_header, access_log=access_log,
              oidc=oidc, keep_versions=keep_versions, versions_mb=versions_mb, body_min_rate_kb=body_min_rate,
              body_grace=body_grace, keep_alive=keep_alive, max_connections=max_connections, backlog=backlog,
              header_timeout=header_timeout,
              announce=lambda line: typer.echo(line, err=True))
    except ReportgenError as err:
        _fail(err)


@app.command("backup")
def backup_command(
    workspace: Annotated[Path, typer.Argument(help="Arbejdsmappen (den, reportgen serve kører på)")],
    out: Annotated[Path, typer.Option("--out", help="Sikkerhedskopien, fx /var/backups/barometer-2026-01-31.tar.gz")],
) -> None:
    """Tag en sikkerhedskopi af arbejdsmappen, også mens arbejdsbænken kører (docs/deploy.md).

    Eksempel: reportgen backup arbejdsmappe --out barometer.tar.gz
    """
    from .narrate import danish as da
    from .rounds.backup import backup

    try:
        manifest = backup(workspace, out)
    except ReportgenError as err:
        _fail(err)
    typer.echo(f"Sikkerhedskopi: {out} ({da.plural(len(manifest['files']), 'fil', 'filer')}, SHA-256 i MANIFEST.json)")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="Sikkerhedskopien fra reportgen backup")],
    to: Annotated[Path, typer.Option("--to", help="En ny mappe, arbejdsmappen gendannes i")],
) -> None:
    """Gendan en sikkerhedskopi i en ny mappe; hver fil kontrolleres mod indholdsfortegnelsen først.

    Eksempel: reportgen restore barometer.tar.gz --to gendannet
    """
    from .narrate import danish as da
    from .rounds.backup import restore

    try:
        manifest = restore(file, to)
    except ReportgenError as err:
        _fail(err)
    typer.echo(f"Gendannet i {to}: {da.plural(len(manifest['files']), 'fil', 'filer')} fra {manifest['created']}, "
               "alle kontrolleret. Start med reportgen serve " + str(to))


user_app = typer.Typer(help="Brugere til arbejdsbænken (reportgen serve --users).", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add_command(
    users: Annotated[Path, typer.Argument(help="users.toml (oprettes, hvis den ikke findes)", metavar="brugerfil")],
    name: Annotated[str, typer.Argument(help="Brugernavnet", metavar="navn")],
    role: Annotated[str, typer.Option("--role", help="reader (læse) eller editor (rette og bygge)")] = "reader",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Læs adgangskoden fra stdin")] = False,
) -> None:
    """Tilføj eller skift en bruger; kun en scrypt-hash af adgangskoden gemmes.

    Eksempel: reportgen user add users.toml anna --role editor
    """
    from .web.security import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Adgangskode", hide_input=True, confirmation_prompt="Gentag adgangskoden")
    try:
        add_user(users, name, password, role)
    except ReportgenError as err:
        _fail(err)
    typer.echo(f"Brugeren {name} ({role}) er gemt i {users}.")


def _progress():
    """A rich progress bar on a terminal; silence otherwise (logs, CI, pipes)."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext(), None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True,
                   auto_refresh=False)  # no refresh thread: the build forks workers
    task = bar.add_task("Starter", total=1)

    def report(text: str, i: int, n: int) -> None:
        bar.update(task, description=text, completed=i - 1, total=n)
        bar.refresh()

    return bar, report


def main() -> None:
    """Console-script entry point."""
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        typer.echo(INTERRUPTED, err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
