"""QuickStatements v1 file: the plan's edits to items that exist on Wikidata, for a human to review and run.

The file is UTF-8, one command per line, fields separated by a TAB (the "V1" command syntax of
https://www.wikidata.org/wiki/Help:QuickStatements):

    Q190804	Len	"Rijksmuseum"                         label (Den description, Aen alias)
    Q190804	P17	Q55	P580	+2021-05-00T00:00:00Z/10	S854	"https://example.org/a.csv"
    -Q190804	P856	"http://old.example.org/"            remove the statement with this value

Values by datatype: items ``Q55``; strings, external ids, URLs and Commons file names in double quotes;
times ``+2021-05-00T00:00:00Z/10`` (precision 9 year, 10 month, 11 day; ``/J`` for the Julian calendar);
coordinates ``@52.36/4.885``; quantities ``425007``, ``6.09~0.01``, ``12U11573`` (unit item number after
``U``); monolingual text ``en:"text"``; ``somevalue`` / ``novalue``. Qualifiers follow the value as
``P<n>  value`` pairs, a reference as ``S<n>  value`` pairs; a statement with several references is
written once per reference (QuickStatements adds a reference to a statement that already has the value).

New items (``CREATE`` then ``LAST  Len  "..."`` lines) are written only with ``create_new=True``
(``--create-new``) and only for items whose row was reconciled against Wikidata and found nowhere there (the
plan's match is ``new: not on Wikidata``, :mod:`kg.load.linking`): so no duplicate of a Wikidata item can be
created by accident. Every other local-only item (:func:`kg.model.ids.is_local`) is listed in
``WriteReport.skipped`` with the reason; single edits QuickStatements v1 cannot express (a value that is a local item, a
string with a TAB or newline or surrounding spaces, asymmetric quantity bounds, a rank other than normal,
removing a label or description) are listed in ``WriteReport.details["skipped_edits"]`` with the reason.
Labels and descriptions of existing Wikidata items whose current terms were not read are kept as Wikidata
has them (``WriteReport.details["kept_terms"]``): not written on purpose, so not an incomplete run. The plan
says so too (:meth:`QuickStatementsTarget.plan_item`): such an item is an ``update`` (its aliases and statements
are additions, its labels and descriptions no change), or ``unchanged`` when they are all the row gives, as the
run then reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kg import outfile
from kg.errors import EntityError, InputError
from kg.i18n import N_, _
from kg.load.plan import Plan, PlanItem, StatementChange, TermChange, plan_item
from kg.load.problems import Problem
from kg.load.remote import NOT_ON_WIKIDATA
from kg.load.targets.base import ProgressFn, WriteReport, report_unchanged
from kg.load.targets.constraints import Limits, value_problems
from kg.model import ids
from kg.model.languages import is_language_code
from kg.model.schema import model

Json = dict[str, Any]

_TERM_CODES = {"label": "L", "description": "D", "alias": "A"}
LAST = "LAST"  # the subject of the lines after CREATE: the item just created


class Unrepresentable(ValueError):
    """An edit that QuickStatements v1 cannot express; the message says why."""


# -- values -------------------------------------------------------------------------------------------------


def _number(value: Any) -> str:
    """A plain decimal number without exponent and without a leading ``+``."""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise Unrepresentable(_("expected a number, found {value!r}").format(value=value)) from None
    text = format(d, "f")
    return text[1:] if text.startswith("+") else text


def _quoted(text: Any) -> str:
    s = str(text)
    if any(ch in s for ch in "\t\n\r"):
        raise Unrepresentable(_("the string {s!r} contains a TAB or line break, which QuickStatements cannot "
                                "carry").format(
                                  s=s))
    if s != s.strip():
        raise Unrepresentable(_("the string {s!r} has leading or trailing spaces, which QuickStatements "
                                "removes").format(
                                  s=s))
    if not s:
        raise Unrepresentable(_("an empty string cannot be written with QuickStatements"))
    return f'"{s}"'


def _entity(value: Mapping[str, Any]) -> str:
    eid = value.get("id")
    if not eid:
        letter = ids.LETTERS.get(str(value.get("entity-type", "item")), "Q")
        eid = f"{letter}{value['numeric-id']}"
    eid = str(ids.parse_id(str(eid)))
    if ids.is_local(eid):
        raise Unrepresentable(_("the value {eid} is a local-only item, which does not exist on Wikidata").format(
                                  eid=eid))
    return eid


def _iri_item(iri: str, what: str) -> str:
    eid = ids.try_id_from_iri(iri)
    if eid is None or not iri.startswith(ids.wikidata_concept_base()):
        raise Unrepresentable(_("the {what} {iri!r} is not a Wikidata item").format(what=_(what), iri=iri))
    return eid


def _time(value: Mapping[str, Any]) -> str:
    t = str(value["time"])
    if not t.startswith(("+", "-")):
        t = "+" + t
    precision = int(value.get("precision", 11))
    out = f"{t}/{precision}"
    calendar = str(value.get("calendarmodel") or "")
    julian = ids.entity_iri(model().value("julian").id)
    gregorian = ids.entity_iri(model().value("gregorian").id)
    if calendar == julian:
        out += "/J"
    elif calendar and calendar != gregorian:
        raise Unrepresentable(_("the calendar model {calendar!r} is neither Gregorian nor Julian").format(
                                  calendar=calendar))
    if int(value.get("timezone", 0) or 0) != 0:
        raise Unrepresentable(_("a time with a timezone offset cannot be written with QuickStatements"))
    return out


def _coordinate(value: Mapping[str, Any]) -> str:
    globe = str(value.get("globe") or ids.entity_iri(model().value("earth").id))
    if globe != ids.entity_iri(model().value("earth").id):
        raise Unrepresentable(
            _("the globe {globe!r} is not Earth; QuickStatements writes Earth coordinates only").format(globe=globe))
    return f"@{_number(value['latitude'])}/{_number(value['longitude'])}"


def _quantity(value: Mapping[str, Any]) -> str:
    amount = Decimal(str(value["amount"]))
    out = _number(value["amount"])
    upper, lower = value.get("upperBound"), value.get("lowerBound")
    if upper is not None or lower is not None:
        if upper is None or lower is None:
            raise Unrepresentable(_("a quantity with only one bound cannot be written with QuickStatements"))
        up, low = Decimal(str(upper)) - amount, amount - Decimal(str(lower))
        if up != low:
            raise Unrepresentable(
                _("the quantity {out} has asymmetric bounds [{lower}, {upper}]; QuickStatements writes only "
                  "amount~tolerance").format(out=out, lower=_number(lower), upper=_number(upper))
            )
        out += f"~{_number(up)}"
    unit = str(value.get("unit", "1"))
    if unit != "1":
        out += "U" + str(ids.parse_id(_iri_item(unit, N_("unit"))).number)
    return out


def value_text(snak: Mapping[str, Any]) -> str:
    """The QuickStatements v1 text of a snak's value (``Q55``, ``"text"``, ``+2021-00-00T00:00:00Z/9`` ...).

    Raises :class:`Unrepresentable` for values QuickStatements v1 cannot express.
    """
    snaktype = snak.get("snaktype", "value")
    if snaktype in ("somevalue", "novalue"):
        return str(snaktype)
    dv = snak.get("datavalue")
    if not isinstance(dv, Mapping):
        raise Unrepresentable(_("expected a datavalue in the snak of {snak}, found none").format(
                                  snak=snak.get('property')))
    kind, value = dv.get("type"), dv.get("value")
    datatype = snak.get("datatype")
    if kind == "wikibase-entityid" and isinstance(value, Mapping):
        return _entity(value)
    if kind == "string":
        return _quoted(value)
    if kind == "time" and isinstance(value, Mapping):
        return _time(value)
    if kind == "globecoordinate" and isinstance(value, Mapping):
        return _coordinate(value)
    if kind == "quantity" and isinstance(value, Mapping):
        return _quantity(value)
    if kind == "monolingualtext" and isinstance(value, Mapping):
        lang = str(value["language"])
        if not is_language_code(lang):
            raise Unrepresentable(_("the language code {lang!r} is not of the form en / pt-br").format(lang=lang))
        return f"{lang}:{_quoted(value['text'])}"
    raise Unrepresentable(
        _("the value type {kind!r} (datatype {datatype!r}) is not supported by QuickStatements v1").format(
            kind=kind, datatype=datatype))


def _pairs(snaks: Mapping[str, Sequence[Mapping[str, Any]]], order: Sequence[str] | None, prefix: str) -> list[str]:
    """``[P580, +2021.../9, ...]`` for qualifiers (prefix ``P``) or ``[S854, "url", ...]`` for a reference."""
    out: list[str] = []
    props = list(order or []) + sorted(p for p in snaks if p not in (order or []))
    for pid in props:
        for snak in snaks.get(pid, []):
            pid_checked = ids.property_id(str(snak.get("property") or pid))
            out += [prefix + pid_checked[1:], value_text(snak)]
    return out


def statement_lines(subject: str, statement: Mapping[str, Any], *, remove: bool = False) -> list[str]:
    """The command lines that add (or, with ``remove``, delete) one statement on ``subject``.

    An addition with several references gives one line per reference; without references, one line.
    """
    if subject != LAST:
        subject = ids.item_id(subject)
        if ids.is_local(subject):
            raise Unrepresentable(_("{subject} is a local-only item, which does not exist on Wikidata").format(
                                      subject=subject))
    main = statement["mainsnak"]
    pid = ids.property_id(str(main["property"]))
    head = [("-" if remove else "") + subject, pid, value_text(main)]
    if remove:
        return ["\t".join(head)]
    if statement.get("rank", "normal") != "normal":
        raise Unrepresentable(_("rank {statement!r}: QuickStatements v1 writes normal-rank statements only").format(
                                  statement=statement['rank']))
    quals = _pairs(statement.get("qualifiers") or {}, statement.get("qualifiers-order"), "P")
    refs = statement.get("references") or []
    if not refs:
        return ["\t".join(head + quals)]
    return ["\t".join(head + quals + _pairs(r.get("snaks") or {}, r.get("snaks-order"), "S")) for r in refs]


def term_lines(subject: str, change: TermChange) -> list[str]:
    """``Q1  Len  "text"`` for an added or changed label/description, an added alias."""
    if change.action == "unchanged":
        return []
    if change.action == "remove" or change.new is None:
        raise Unrepresentable(_("removing the {term} {old!r} ({language}) is not supported here").format(
                                  term=change.term, old=change.old, language=change.language))
    if not is_language_code(change.language):
        raise Unrepresentable(_("the language code {language!r} is not of the form en / pt-br").format(
                                  language=change.language))
    return [f"{subject}\t{_TERM_CODES[change.term]}{change.language}\t{_quoted(change.new)}"]


def _statement_change_lines(subject: str, change: StatementChange) -> list[str]:
    if change.action == "add" and change.new is not None:
        return statement_lines(subject, change.new)
    if change.action == "remove" and change.old is not None:
        return statement_lines(subject, change.old, remove=True)
    if change.action == "change" and change.old is not None and change.new is not None:
        same_statement = change.old.get("id") and change.old.get("id") == change.new.get("id")
        same_value = value_text(change.old["mainsnak"]) == value_text(change.new["mainsnak"])
        if same_statement and same_value:
            # Edited in place (a qualifier or reference added): QuickStatements merges a line with the same
            # value into the existing statement.
            return statement_lines(subject, change.new)
        return statement_lines(subject, change.old, remove=True) + statement_lines(subject, change.new)
    return []


KEPT_TERM = N_(
    "kept as Wikidata has it: its current {term} was not read, and a linked item's {term} is not overwritten"
)


def item_lines(
    item: PlanItem, kept: list[tuple[str, str]] | None = None
) -> tuple[list[str], list[tuple[str, str]]]:
    """The lines for one plan item and the edits that had to be left out, as ``(what, reason)``.

    ``kept``: where the labels and descriptions of an existing Wikidata item planned as ``create`` (its current
    terms were not read) go, as ``(what, reason)``. They are not written on purpose (``Len`` would overwrite the
    label Wikidata has, which the volunteer linked the row to), so they are not "left out": a run whose only
    differences are such terms is complete."""
    lines: list[str] = []
    left_out: list[tuple[str, str]] = []
    subject = item.id
    for term in item.terms:
        if item.action == "create" and term.term in ("label", "description") and term.action != "unchanged":
            # aliases are only added and statements not duplicated by QuickStatements; `Len` would replace Wikidata's
            (kept if kept is not None else left_out).append(
                (f"{subject} {term.term} {term.language}", _(KEPT_TERM).format(term=term.term))
            )
            continue
        try:
            lines += term_lines(subject, term)
        except Unrepresentable as e:
            left_out.append((f"{subject} {term.term} {term.language}", str(e)))
    for change in item.statements:
        if change.action == "unchanged":
            continue
        try:
            lines += _statement_change_lines(subject, change)
        except Unrepresentable as e:
            left_out.append((f"{subject} {change.prop} ({change.action})", str(e)))
        except (KeyError, TypeError, ValueError) as e:
            raise EntityError(_("malformed statement in the plan ({error})").format(
                                  error=e), entity=subject, prop=change.prop) from e
    return lines, left_out


def _check_no_local_ids(lines: Sequence[str]) -> None:
    """Guard: no field of any line may name a local-only id (that would edit an unrelated Wikidata item)."""
    for n, line in enumerate(lines, 1):
        for field in line.split("\t"):
            token = field.lstrip("-")
            if ids.is_id(token, kinds="Q") and ids.is_local(token):
                raise AssertionError(f"line {n} names the local-only id {token}: {line!r}")


def create_lines(item: PlanItem) -> tuple[list[str], list[tuple[str, str]]]:
    """``CREATE`` and the ``LAST`` lines of a new item's terms and statements; the edits left out."""
    lines = ["CREATE"]
    left_out: list[tuple[str, str]] = []
    for term in item.terms:
        try:
            lines += term_lines(LAST, term)
        except Unrepresentable as e:
            left_out.append((_("new item {label!r} {term} {language}").format(
                label=item.label, term=term.term, language=term.language), str(e)))
    for change in item.statements:
        if change.action != "add" or change.new is None:
            continue
        try:
            lines += statement_lines(LAST, change.new)
        except Unrepresentable as e:
            left_out.append((_("new item {label!r} {prop}").format(label=item.label, prop=change.prop), str(e)))
    return lines, left_out


def _local_reason(item: PlanItem, create_new: bool) -> str:
    what = _("local-only item ({label}, rows {rows})").format(label=item.label or _("no label"), rows=item.rows)
    if item.match == NOT_ON_WIKIDATA:
        return _("{what}: Wikidata's reconciliation found no such item; run with --create-new to create it").format(
            what=what)
    if create_new:
        return _(
            "{what}: not created, because it was not reconciled against Wikidata (matched: {match}); "
            "run with --reconcile wikidata first, so that no duplicate is created"
        ).format(what=what, match=item.match)
    return _(
        "{what}: it is not on Wikidata and QuickStatements here only edits existing Wikidata items; run with "
        "--reconcile wikidata to link it, or load it into the store or a Wikibase"
    ).format(what=what)


def render(
    plan: Plan, *, create_new: bool = False, kept: Sequence[tuple[str, str]] = ()
) -> tuple[list[str], WriteReport]:
    """All lines for ``plan`` and the report (without writing a file). ``create_new``: CREATE the items that
    Wikidata's reconciliation did not find (see the module docstring). ``kept``: terms already planned as kept
    (:meth:`QuickStatementsTarget.plan_item`), reported with the ones found here."""
    report = WriteReport(target="quickstatements")
    report_unchanged(plan, report)
    lines: list[str] = []
    skipped_edits: list[tuple[str, str]] = []
    kept_terms: list[tuple[str, str]] = list(kept)
    for item in plan.to_write():
        if not ids.is_id(item.id, kinds="Q"):
            raise InputError(_("plan item {id!r}: expected an item id like Q42").format(id=item.id))
        if ids.is_local(item.id):
            if create_new and item.match == NOT_ON_WIKIDATA and item.action == "create":
                item_cmds, left_out = create_lines(item)
                lines += item_cmds
                skipped_edits += left_out
                report.created.append(item.id)
                continue
            report.skipped.append((item.id, _local_reason(item, create_new)))
            continue
        n_kept = len(kept_terms)
        item_cmds, left_out = item_lines(item, kept_terms)
        skipped_edits += left_out
        if item_cmds:
            lines += item_cmds
            report.updated.append(item.id)
        elif not left_out and len(kept_terms) > n_kept:
            report.unchanged.append(item.id)  # its only differences are terms Wikidata keeps: nothing to do
        else:
            report.skipped.append((item.id, _("none of its edits can be written with QuickStatements v1")))
    _check_no_local_ids(lines)
    report.details["skipped_edits"] = skipped_edits
    report.details["kept_terms"] = kept_terms
    report.details["commands"] = len(lines)
    return lines, report


def wikidata_reader(**api_options: Any) -> Callable[[Sequence[str]], dict[str, Json | None]]:
    """A ``reader`` for :class:`QuickStatementsTarget`: current entities from Wikidata's API (read-only).

    Reads go through :class:`kg.load.targets.wikibase_api.WikibaseApi` (so :mod:`kg.http`: User-Agent, timeouts,
    ``maxlag``, ``Retry-After``); nothing is ever written this way. The API URL is derived from
    ``schemas/model.yaml: namespaces.wikidata_data_base``.
    """
    from urllib.parse import urlsplit

    from kg.load.targets.wikibase_api import WikibaseApi

    parts = urlsplit(model().namespaces["wikidata_data_base"])
    api = WikibaseApi(f"{parts.scheme}://{parts.netloc}/w/api.php", **api_options)
    return api.get_entities


class QuickStatementsTarget:
    """Writes a plan as a QuickStatements v1 file (``--target quickstatements``).

    ``reader``: optional function ``ids -> {id: entity JSON | None}`` giving the current Wikidata content
    (for example :meth:`kg.load.targets.wikibase_api.WikibaseApi.get_entities` on Wikidata's API, read-only), so
    that the plan only holds real changes. Without it every Wikidata item is planned as if it had no
    statements; QuickStatements itself does not duplicate a statement that already has the value.
    """

    name = "quickstatements"

    def __init__(self, path: str | Path, *, reader: Any = None, create_new: bool = False) -> None:
        self.path = Path(path)
        self.reader = reader
        self.create_new = create_new
        #: (what, reason) of the labels and descriptions :meth:`plan_item` planned as kept
        self.kept: list[tuple[str, str]] = []

    def plan_item(self, new: Mapping[str, Any], old: Mapping[str, Any] | None, **options: Any) -> PlanItem:
        """:func:`kg.load.plan.plan_item`, but a Wikidata item this target did not read (no ``reader``) is planned
        as the run writes it: an edit of that item (``update``; ``unchanged`` when nothing but its labels and
        descriptions would differ), never a ``create``. Its labels and descriptions are kept as Wikidata has them
        (listed in :attr:`kept`), its aliases and statements are additions (QuickStatements adds a statement only
        where the item lacks the value)."""
        eid = str(new["id"])
        if old is not None or self.reader is not None or ids.is_local(eid):
            return plan_item(new, old, **options)
        for what in ("labels", "descriptions"):
            for lang in new.get(what) or {}:
                term = what[:-1]
                self.kept.append((f"{eid} {term} {lang}", _(KEPT_TERM).format(term=term)))
        unread = {"type": new.get("type", "item"), "id": eid, "labels": new.get("labels") or {},
                  "descriptions": new.get("descriptions") or {}, "aliases": {}, "claims": {}}
        return plan_item(new, unread, **options)

    def existing(self, ids_: Sequence[str]) -> dict[str, dict[str, Any] | None]:
        out: dict[str, dict[str, Any] | None] = {i: None for i in ids_}
        wanted = [i for i in ids_ if not ids.is_local(i)]
        if self.reader is not None and wanted:
            found = self.reader(wanted)
            for i in wanted:
                out[i] = found.get(i)
        return out

    def check(self, plan: Plan, *, file: str, columns: Mapping[str, str]) -> list[Problem]:
        """Values Wikidata would refuse (its URL schemes and length limits are Wikibase's defaults), found in
        the plan: the ``file:`` reference URL of a sheet loaded without ``reference.url`` is one of them."""
        return value_problems(plan, Limits.for_target("wikibase"), file=file, columns=columns)

    def apply(self, plan: Plan, *, progress: ProgressFn | None = None) -> WriteReport:
        """Write the file; with no command to write, write none (``report.output`` stays None): an empty file
        would look like a finished batch."""
        lines, report = render(plan, create_new=self.create_new, kept=self.kept)
        self.kept = []  # said once: a later plan (another sheet of a workbook) has its own
        if lines:
            outfile.write_text(self.path, "".join(line + "\n" for line in lines), what=_("QuickStatements file"))
            report.output = str(self.path)
        if progress:
            progress(len(plan.items))
        return report
