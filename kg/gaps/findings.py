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

ORDINALS = {2: "half", 3: "a third", 4: "a quarter", 5: "a fifth", 6: "a sixth", 7: "a seventh", 8: "an eighth",
            9: "a ninth", 10: "a tenth"}


def reading_pct(share: float) -> str:
    """A share (0-1) as a percentage rounded for reading: whole numbers from 10 %, one decimal below."""
    if share != share:
        return "–"
    pct = 100.0 * share
    if pct == 0:
        return "0 %"
    if pct >= 9.95:
        return f"{pct:.0f} %"
    return f"{pct:.1f} %" if pct >= 0.05 else "under 0.1 %"


def reading_number(x: float) -> str:
    """A rate rounded for reading: whole numbers from 10, one decimal from 1, two below."""
    if x != x:
        return "–"
    if x == 0:
        return "0"
    if abs(x) >= 9.95:
        return f"{x:,.0f}"
    return f"{x:.1f}" if abs(x) >= 0.995 else f"{x:.2f}"


def fraction_words(ratio: float) -> str:
    """How ``ratio`` (a smaller value over a larger one, 0-1) reads: "about the same as", "half of", "a
    quarter of", "1/12 of"."""
    if ratio >= 0.87:
        return "about the same as"
    if ratio >= 0.7:
        return "about three quarters of"
    if ratio >= 0.58:
        return "about two thirds of"
    n = max(2, round(1 / ratio))
    return f"{ORDINALS[n]} of" if n in ORDINALS else f"1/{n} of"


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


CAVEAT = " (few institutions: read with care)"


def coverage(table: pd.DataFrame) -> str:
    """The group with the lowest coverage against the one with the highest: "Africa: 5.1 % of institutions
    have a partnership, a quarter of Europe's 21 %." ``table``: a group table (``group``, ``institutions``,
    ``partnered_institutions``, ``small_numbers``; ``coverage`` or computed), names in ``group``."""
    rows, small = _readable(table)
    if rows.empty:
        return "No institution matches the filters."
    ranked = rows.sort_values(["coverage", "institutions"], ascending=[True, False], kind="stable")
    low, high = ranked.iloc[0], ranked.iloc[-1]
    caveat = CAVEAT if small else ""
    if len(rows) == 1:
        return (f"{low['group']}: {reading_pct(low['coverage'])} of its {int(low['institutions']):,} institutions "
                f"have a partnership{caveat}.")
    if high["coverage"] <= 0:
        return f"No institution in any of these {len(rows)} groups has a partnership{caveat}."
    head = f"{low['group']}: {reading_pct(low['coverage'])} of institutions have a partnership"
    if low["coverage"] <= 0:
        return f"{head}, against {reading_pct(high['coverage'])} in {high['group']}{caveat}."
    return (f"{head}, {fraction_words(low['coverage'] / high['coverage'])} {high['group']}'s "
            f"{reading_pct(high['coverage'])}{caveat}.")


def representation(table: pd.DataFrame, *, metric: str, rate: float, per: str, reference: str) -> str:
    """The group with the lowest representation index, with its rate against the reference's: "Africa has
    the lowest representation index 0.25 (under-represented): 1.2 partnerships per 100 institutions against
    4.8 in the whole world." ``rate``: the reference's ``metric`` per baseline unit; ``per``: the unit the
    sentence counts in ("100 institutions", "million inhabitants"), ``rate`` already scaled to it."""
    ri = f"ri_{metric}"
    rows, small = _readable(table[table[ri].notna()] if ri in table.columns else table.iloc[0:0])
    if rows.empty:
        return "No group has a representation index (no baseline figure)."
    low = rows.sort_values([ri, "institutions"], ascending=[True, False], kind="stable").iloc[0]
    value = float(low[ri])
    caveat = CAVEAT if small else ""
    head = (f"{low['group']} has the lowest representation index" if len(rows) > 1 else
            f"{low['group']} has a representation index of")
    if not math.isfinite(rate) or rate <= 0:
        return f"{head} {value:.2f} ({low['status']}){caveat}."
    return (f"{head} {value:.2f} ({low['status']}): "
            f"{reading_number(value * rate)} {metric} per {per} against {reading_number(rate)} in {reference}"
            f"{caveat}.")


def inequality(gini: float, *, metric: str, baseline: str) -> str:
    """The Gini value in words."""
    if gini != gini:
        return "Too few countries with a baseline figure to measure inequality."
    if gini < 0.2:
        words = "spread close to evenly"
    elif gini < 0.4:
        words = "spread somewhat unevenly"
    elif gini < 0.6:
        words = "concentrated in some countries"
    else:
        words = "concentrated in a few countries"
    return f"Gini {gini:.2f}: {metric} are {words} against {baseline} (0 = every country in line, 1 = all in one)."


def of_report(rep: Any, *, metric: str = "partnerships", reference: str = "all groups together") -> list[str]:
    """The findings of a :class:`kg.gaps.metrics.GapReport` (``glamkg gaps`` prints them under its table):
    coverage, the lowest representation index (against ``reference``, whose rates the report kept)."""
    per, scale = {"institutions": ("100 institutions", 100.0), "population": ("million inhabitants", 1e6)}.get(
        rep.baseline.name, (f"unit of {rep.baseline.name}", 1.0))
    out = [coverage(rep.table)]
    if metric in ("partnerships", "contributions"):
        rate = scale * rep.rates[1 if metric == "contributions" else 0]
        out.append(representation(rep.table, metric=metric, rate=rate, per=per, reference=reference))
    return out
