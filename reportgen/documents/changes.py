"""Bilag 1's section "Ændringer siden sidste opdatering", built from a diff of two updates."""
from __future__ import annotations

from ..document import Block, Cell, Heading, Paragraph, Table
from ..inputs.model import Barometer
from ..narrate import danish as da
from ..narrate.diff import Diff, area_signal, grouped_changes
from . import common

HEADING = "Ændringer siden sidste opdatering"
ANCHOR = "aendringer"


def changes_blocks(barometer: Barometer, diff: Diff) -> tuple[Block, ...]:
    """Heading, a few sentences and a table of colour changes (the table only when something changed)."""
    since = f"opdateringen i {_update_name(barometer, diff.from_update)}"
    paragraphs = [
        area_sentence(barometer, diff, since),
        indicator_sentence(barometer, diff),
        *_carried_sentences(barometer, diff),
        *_target_sentences(barometer, diff),
    ]
    blocks: list[Block] = [Heading(HEADING, 1, ANCHOR), *(Paragraph.of(p) for p in paragraphs if p)]
    if diff.changes:
        blocks.append(_change_table(barometer, diff))
    return tuple(blocks)


def _update_name(barometer: Barometer, update_id: str) -> str:
    return da.month_year(barometer.update(update_id).date)


def _shift(before: str, after: str) -> str:
    return f"fra {da.signal_word(before)} til {da.signal_word(after)}"


def area_sentence(barometer: Barometer, diff: Diff, since: str) -> str:
    n, total = len(diff.area_changes), len(barometer.areas)
    if n == 0:
        return f"Siden {since} har ingen af indsatsområderne skiftet farve."
    if n == 1:
        c = diff.area_changes[0]
        rest = total - 1
        tail = (f"; de øvrige {da.number_word(rest, neuter=True)} indsatsområder har samme farve som dengang"
                if rest > 1 else "; det andet indsatsområde har samme farve som dengang" if rest == 1 else "")
        return f"Siden {since} er {c.name} gået {_shift(c.before, c.after)}{tail}."
    moves = da.join_list([f"{c.name} {_shift(c.before, c.after)}" for c in diff.area_changes])
    return f"Siden {since} har {da.number_word(n, neuter=True)} indsatsområder skiftet farve: {moves}."


def indicator_sentence(barometer: Barometer, diff: Diff) -> str:
    changed = diff.indicator_changes
    mains = sum(c.main for c in changed)
    fresh = len({f.indicator for f in diff.new_figures})
    total = len(barometer.indicators)
    if fresh and fresh == total:
        figures = "Der er nye tal for " + ("barometrets indikator" if total == 1
                                          else f"alle barometrets {da.number_word(total)} indikatorer")
    elif fresh:
        figures = (f"Der er nye tal for {da.number_word(fresh)} af barometrets "
                   f"{da.number_word(total)} indikatorer")
    else:
        figures = "Der er ingen nye tal for barometrets indikatorer"
    if not changed:
        return f"{figures}, og ingen indikatorer har skiftet farve."
    counted = f"{da.number_word(len(changed))} {'indikator' if len(changed) == 1 else 'indikatorer'}"
    if mains == len(changed):  # not "to indikatorer har skiftet farve, heraf to hovedindikatorer"
        every = {1: "en hovedindikator", 2: "begge hovedindikatorer"}.get(mains, "alle hovedindikatorer")
        return f"{figures}, og {counted} har skiftet farve, {every}."
    if mains:
        main_text = f"{da.number_word(mains)} {'hovedindikator' if mains == 1 else 'hovedindikatorer'}"
        return f"{figures}, og {counted} har skiftet farve, heraf {main_text}."
    return f"{figures}, og {counted} har skiftet farve, ingen af dem hovedindikatorer."


def _carried_sentences(barometer: Barometer, diff: Diff) -> list[str]:
    """One sentence per update the colours are carried from, in updates.csv order."""
    groups: dict[str | None, list] = {}
    for c in diff.carried_areas:
        groups.setdefault(c.carried_from, []).append(c)
    order = {u.id: u.index for u in barometer.updates}
    sentences = []
    for origin in sorted(groups, key=lambda u: -1 if u is None else order[u]):
        areas = groups[origin]
        names = da.join_list([c.name for c in areas])
        if len(areas) > 1:
            whose = "områdernes hovedindikatorer"
        elif sum(i.main for i in barometer.indicators_of_area(areas[0].area)) == 1:
            whose = "områdets hovedindikator"
        else:
            whose = "områdets hovedindikatorer"
        if origin is None:
            sentences.append(f"{names} kan endnu ikke vurderes, fordi der ikke er tal for {whose}.")
        else:
            when = _update_name(barometer, origin)
            sentences.append(f"Farven for {names} er overført fra opdateringen i {when}, "
                             f"fordi der ikke er nye tal for {whose}.")
    return sentences


def _target_sentences(barometer: Barometer, diff: Diff) -> list[str]:
    sentences = []
    for t in diff.targets_out_of_reach:
        ind = barometer.indicator(t.indicator)
        word = "hovedindikatoren" if ind.main else "indikatoren"
        when = f" i {da.period(t.target_period)}" if t.target_period else ""
        sentences.append(
            f"For {word} »{t.name}« går udviklingen ikke længere hurtigt nok til at nå målet "
            f"{f'»{ind.target_text}«' if ind.target_text else 'på ' + common.level_text(ind, t.target_value)}"
            f"{when}; der mangler {da.change_amount(t.remaining, ind.unit, ind.decimals, ind.unit_text)}.")
    return sentences


def _change_table(barometer: Barometer, diff: Diff) -> Table:
    before, after = _update_name(barometer, diff.from_update), _update_name(barometer, diff.to_update)
    rows = []
    for area_id, own, changes in grouped_changes(barometer, diff):
        name = Cell(barometer.area(area_id).name, bold=True)
        if own is None:
            same = area_signal(diff, area_id) or "grey"
            rows.append((name, common.signal_cell(same), common.signal_cell(same)))
        else:
            rows.append((name, common.signal_cell(own.before),
                         common.signal_cell(own.after, carried=own.carried_over)))
        for c in changes:
            label = f"{'Hovedindikator: ' if c.main else ''}{c.name}"
            rows.append((Cell(label), common.signal_cell(c.before),
                         common.signal_cell(c.after, carried=c.carried_over)))
    return Table(
        header=("Indsatsområde / indikator", da.capitalize(before), da.capitalize(after)),
        rows=tuple(rows),
        caption=f"Signalfarver, der har ændret sig fra {before} til {after}",
        widths=(60, 20, 20),
    )
