"""One-sentence findings computed from a gap table, for the sentence under each gap chart (dashboard) and
the reader of ``glamkg gaps``: the numbers rounded for reading, the groups named, small numbers said.

    >>> reading_pct(0.2083)
    '21 %'
    >>> reading_pct(0.0512)
    '5.1 %'
    >>> fraction_words(0.051 / 0.208)
    'a quarter of'
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from babel.numbers import format_decimal

from kg import i18n
from kg.i18n import N_, _

# TRANSLATORS: "{smaller} is half of {larger}'s": each reads in the sentence "X: 5 % ..., a quarter of Y's 20 %".
ORDINALS = {2: N_("half of"), 3: N_("a third of"), 4: N_("a quarter of"), 5: N_("a fifth of"), 6: N_("a sixth of"),
            7: N_("a seventh of"), 8: N_("an eighth of"), 9: N_("a ninth of"), 10: N_("a tenth of")}


def _num(x: float, pattern: str) -> str:
    """``x`` with a Babel ``pattern``, as the current language writes numbers."""
    return format_decimal(x, format=pattern, locale=i18n.current())


def reading_pct(share: float) -> str:
    """A share (0-1) as a percentage rounded for reading: whole numbers from 10 %, one decimal below."""
    if share != share:
        return "–"
    pct = 100.0 * share
    if pct == 0:
        return "0 %"
    if pct >= 9.95:
        return _num(pct, "0") + " %"
    return _num(pct, "0.0") + " %" if pct >= 0.05 else _("under {pct}").format(pct=_num(0.1, "0.0") + " %")


def reading_number(x: float) -> str:
    """A rate rounded for reading: whole numbers from 10, one decimal from 1, two below."""
    if x != x:
        return "–"
    if x == 0:
        return "0"
    if abs(x) >= 9.95:
        return _num(x, "#,##0")
    return _num(x, "0.0") if abs(x) >= 0.995 else _num(x, "0.00")


def fraction_words(ratio: float) -> str:
    """How ``ratio`` (a smaller value over a larger one, 0-1) reads: "about the same as", "half of", "a
    quarter of", "1/12 of"."""
    if ratio >= 0.87:
        return _("about the same as")
    if ratio >= 0.7:
        return _("about three quarters of")
    if ratio >= 0.58:
        return _("about two thirds of")
    n = max(2, round(1 / ratio))
    return _(ORDINALS[n]) if n in ORDINALS else _("1/{n} of").format(n=n)


def _readable(table: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Groups with institutions; those without small numbers when at least two are left (else all, and
    True: the sentence must say the numbers are small)."""
    rows = table[table["institutions"] > 0]
    if "coverage" not in rows.columns:
        rows = rows.assign(coverage=rows["partnered_institutions"] / rows["institutions"])
    solid = rows[~rows["small_numbers"].astype(bool)]
    if len(solid) >= 2:
        return solid, False
    return rows, bool(rows["small_numbers"].astype(bool).any())


CAVEAT = N_(" (few institutions: read with care)")


def coverage(table: pd.DataFrame) -> str:
    """The group with the lowest coverage against the one with the highest: "Africa: 5.1 % of institutions
    have a partnership, a quarter of Europe's 21 %." ``table``: a group table (``group``, ``institutions``,
    ``partnered_institutions``, ``small_numbers``; ``coverage`` or computed), names in ``group``."""
    rows, small = _readable(table)
    if rows.empty:
        return _("No institution matches the filters.")
    ranked = rows.sort_values(["coverage", "institutions"], ascending=[True, False], kind="stable")
    low, high = ranked.iloc[0], ranked.iloc[-1]
    caveat = _(CAVEAT) if small else ""
    if len(rows) == 1:
        n = int(low["institutions"])
        return i18n.ngettext("{group}: {pct} of its {n} institution has a partnership{caveat}.",
                             "{group}: {pct} of its {n} institutions have a partnership{caveat}.", n).format(
            group=low["group"], pct=reading_pct(low["coverage"]), n=_num(n, "#,##0"), caveat=caveat)
    if high["coverage"] <= 0:
        return i18n.ngettext("No institution in any of these {n} groups has a partnership{caveat}.",
                             "No institution in any of these {n} groups has a partnership{caveat}.",
                             len(rows)).format(n=len(rows), caveat=caveat)
    if low["coverage"] <= 0:
        return _("{group}: {pct} of institutions have a partnership, against {high_pct} in {high_group}{caveat}."
                 ).format(group=low["group"], pct=reading_pct(low["coverage"]), high_pct=reading_pct(high["coverage"]),
                          high_group=high["group"], caveat=caveat)
    return _("{group}: {pct} of institutions have a partnership, {fraction} {high_group}'s {high_pct}{caveat}."
             ).format(group=low["group"], pct=reading_pct(low["coverage"]),
                      fraction=fraction_words(low["coverage"] / high["coverage"]), high_group=high["group"],
                      high_pct=reading_pct(high["coverage"]), caveat=caveat)


def representation(table: pd.DataFrame, *, metric: str, rate: float, per: str, reference: str) -> str:
    """The group with the lowest representation index, with its rate against the reference's: "Africa has
    the lowest representation index 0.25 (under-represented): 1.2 partnerships per 100 institutions against
    4.8 in the whole world." ``rate``: the reference's ``metric`` per baseline unit; ``per``: the unit the
    sentence counts in ("100 institutions", "million inhabitants"), ``rate`` already scaled to it."""
    ri = f"ri_{metric}"
    rows, small = _readable(table[table[ri].notna()] if ri in table.columns else table.iloc[0:0])
    if rows.empty:
        return _("No group has a representation index (no baseline figure).")
    low = rows.sort_values([ri, "institutions"], ascending=[True, False], kind="stable").iloc[0]
    values = {"group": low["group"], "index": _num(float(low[ri]), "0.00"), "status": _(str(low["status"])),
              "caveat": _(CAVEAT) if small else "", "metric": _(metric), "per": per, "reference": reference}
    if not math.isfinite(rate) or rate <= 0:
        if len(rows) > 1:
            return _("{group} has the lowest representation index {index} ({status}){caveat}.").format(**values)
        return _("{group} has a representation index of {index} ({status}){caveat}.").format(**values)
    values.update(value=reading_number(float(low[ri]) * rate), rate=reading_number(rate))
    if len(rows) > 1:
        return _("{group} has the lowest representation index {index} ({status}): {value} {metric} per {per} "
                 "against {rate} in {reference}{caveat}.").format(**values)
    return _("{group} has a representation index of {index} ({status}): {value} {metric} per {per} against "
             "{rate} in {reference}{caveat}.").format(**values)


def inequality(gini: float, *, metric: str, baseline: str) -> str:
    """The Gini value in words."""
    if gini != gini:
        return _("Too few countries with a baseline figure to measure inequality.")
    if gini < 0.2:
        words = _("spread close to evenly")
    elif gini < 0.4:
        words = _("spread somewhat unevenly")
    elif gini < 0.6:
        words = _("concentrated in some countries")
    else:
        words = _("concentrated in a few countries")
    return _("Gini {gini}: {metric} are {words} against {baseline} (0 = every country in line, 1 = all in one)."
             ).format(gini=_num(gini, "0.00"), metric=_(metric), words=words, baseline=_(baseline))


ALL_GROUPS = N_("all groups together")


def named(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (a group table) with its ``group`` names in the language in use: region names through the
    catalogues, a country (a table by country: its ``name`` beside the ISO code) by CLDR's name (Babel)."""
    from kg.gaps.notes import country_names

    if "name" in table.columns:
        names = country_names(i18n.current())
        return table.assign(group=[names.get(str(g), _(str(n))) if n else g
                                   for g, n in zip(table["group"], table["name"].fillna(""), strict=True)])
    return table.assign(group=[_(g) if isinstance(g, str) and g else g for g in table["group"]])


def of_report(rep: Any, *, metric: str = "partnerships", reference: str = ALL_GROUPS) -> list[str]:
    """The findings of a :class:`kg.gaps.metrics.GapReport` (``glamkg gaps`` prints them under its table):
    coverage, the lowest representation index (against ``reference``, whose rates the report kept), groups
    named in the language in use."""
    per, scale = {"institutions": (_("100 institutions"), 100.0), "population": (_("million inhabitants"), 1e6)}.get(
        rep.baseline.name, (_("unit of {baseline}").format(baseline=rep.baseline.name), 1.0))
    table = named(rep.table)
    out = [coverage(table)]
    if metric in ("partnerships", "contributions"):
        rate = scale * rep.rates[1 if metric == "contributions" else 0]
        out.append(representation(table, metric=metric, rate=rate, per=per, reference=_(reference)))
    return out
