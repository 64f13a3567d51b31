"""The command-line library's own words in Danish: usage line, error lines, help sections, --help.

typer (pinned in pyproject.toml) carries its own copy of click, whose messages are plain English
f-strings without a gettext catalogue; typer's own section titles go through ``gettext``. ``install``
overrides the few places that print them, once, before the app runs. tests/test_cli_danish.py fails
if a typer upgrade moves them.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, Any

USAGE = "Brug: "
_USAGE_WORDS = {"[OPTIONS]": "[TILVALG]", "COMMAND [ARGS]...": "KOMMANDO [ARGUMENTER]..."}
# The kind of value an option takes, as the help list shows it after the option's name.
_TYPE_WORDS = {"<path>": "<sti>", "<str>": "<tekst>", "<int>": "<heltal>", "<float>": "<tal>"}
HELP_OPTION = "Vis denne hjælp og afslut."
ERROR = "Fejl: "

# typer/core.py's gettext messages.
_GETTEXT = {
    "Arguments": "Argumenter",
    "Options": "Tilvalg",
    "Commands": "Kommandoer",
    "required": "skal angives",
    "default: {default}": "standard: {default}",
    "env var: {var}": "miljøvariabel: {var}",
    "(dynamic)": "(beregnes)",
    "Aborted!": "Afbrudt.",
    "Missing command.": "Der mangler en kommando: se listen med reportgen --help.",
    "No such command {name!r}.": "Kommandoen {name!r} findes ikke: se listen med reportgen --help.",
}

# The vendored click's and pydantic's English messages, matched whole, as what is wrong and what to do.
_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), danish) for pattern, danish in (
    (r"Missing argument (.+)\.", r"Argumentet \1 mangler: skriv det efter kommandoen"),
    (r"Missing option (.+)\.", r"Tilvalget \1 skal angives"),
    (r"Missing parameter: (.+)", r"\1 mangler"),
    (r"No such option: (\S+) \(Possible options: (.+)\)", r"Tilvalget \1 findes ikke (mulige tilvalg: \2)"),
    (r"No such option: (\S+)", r"Tilvalget \1 findes ikke: se de mulige tilvalg med --help"),
    (r"Option (.+) requires an argument\.", r"Tilvalget \1 skal have en værdi: skriv den efter \1"),
    (r"Option (.+) requires (\d+) arguments\.", r"Tilvalget \1 skal have \2 værdier"),
    (r"Option (.+) does not take a value\.", r"Tilvalget \1 tager ingen værdi: skriv kun \1"),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", r"Der er for mange argumenter: \1 kan ikke bruges her"),
))
_INVALID_VALUE = re.compile(r"Invalid value(?: for (.+?))?: (.+)", re.S)
_VALUE_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), danish) for pattern, danish in (
    (r"Input should be a valid integer.*", "skriv et helt tal, fx 2009"),
    (r"Input should be a valid number.*", "skriv et tal, fx 20"),
    (r"Input should be less than or equal to (\S+)", r"skriv et tal, der højst er \1"),
    (r"Input should be less than (\S+)", r"skriv et tal under \1"),
    (r"Input should be greater than or equal to (\S+)", r"skriv et tal, der mindst er \1"),
    (r"Input should be greater than (\S+)", r"skriv et tal over \1"),
    (r"Input should be a valid boolean.*", "skriv ja eller nej"),
    (r"'(.*)' is not one of (.+)\.", r"'\1' kan ikke bruges: skriv en af \2"),
    (r"(.+) is a (file|directory|not readable|not writable)\.", r"\1 kan ikke bruges her"),
))


def danish(message: str) -> str:
    """One of the library's messages in Danish; a message it does not know is returned as it is."""
    m = _INVALID_VALUE.fullmatch(message)
    if m:
        where = f" for {m.group(1)}" if m.group(1) else ""
        return f"Ugyldig værdi{where}: {_value_problem(m.group(2))}"
    for pattern, replacement in _MESSAGES:
        m = pattern.fullmatch(message)
        if m:
            return m.expand(replacement)
    return message


def _value_problem(problem: str) -> str:
    for pattern, replacement in _VALUE_PROBLEMS:
        m = pattern.fullmatch(problem)
        if m:
            return m.expand(replacement)
    return problem  # our own commands' reasons (typer.BadParameter) are Danish already


def _type_words(term: str) -> str:
    for english, words in _TYPE_WORDS.items():
        term = term.replace(english, words)
    return term


def install() -> None:
    """Make typer's usage, error and help lines Danish (idempotent)."""
    from typer import core as typer_core
    from typer._click import core as click_core
    from typer._click import exceptions, formatting
    from typer._click._compat import get_text_stderr
    from typer._click.utils import echo

    if getattr(typer_core, "_reportgen_danish", False):
        return
    typer_core._reportgen_danish = True
    typer_core._ = lambda text: _GETTEXT.get(text, text)

    write_usage = formatting.HelpFormatter.write_usage

    def danish_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, words in _USAGE_WORDS.items():
            args = args.replace(english, words)
        write_usage(self, prog, args, USAGE if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = danish_usage
    write_dl = formatting.HelpFormatter.write_dl

    def danish_dl(self: Any, rows: Any, *args: Any, **kwargs: Any) -> None:
        write_dl(self, [(_type_words(term), text) for term, text in rows], *args, **kwargs)

    formatting.HelpFormatter.write_dl = danish_dl

    get_help_option: Callable[..., Any] = click_core.Command.get_help_option

    def danish_help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    click_core.Command.get_help_option = danish_help_option

    def show_error(self: Any, file: IO[Any] | None = None) -> None:
        echo(f"{ERROR}{danish(self.format_message())}", file=file or get_text_stderr(),
             color=self.show_color)

    def show_usage_error(self: Any, file: IO[Any] | None = None) -> None:
        file = file or get_text_stderr()
        color = None
        if self.ctx is not None:
            color = self.ctx.color
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = f"Skriv '{self.ctx.command_path} {self.ctx.help_option_names[0]}' for at få hjælp.\n"
            echo(f"{self.ctx.get_usage()}\n{hint}", file=file, color=color)
        echo(f"{ERROR}{danish(self.format_message())}", file=file, color=color)

    exceptions.ClickException.show = show_error
    exceptions.UsageError.show = show_usage_error
