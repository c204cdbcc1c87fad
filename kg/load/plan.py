"""A load plan: what a load would do, per item and per statement, before anything is written.

A :class:`Plan` is built by :mod:`kg.load` from the spreadsheet and the target's current content
(:meth:`kg.load.targets.base.Target.existing`), shown as a preview, optionally saved for review
(``--plan-out plan.yaml`` / ``plan.json``) and read back with :meth:`Plan.read`, and finally handed to
:meth:`kg.load.targets.base.Target.apply`.

Per item (:class:`PlanItem`) the action is ``create`` (no such entity in the target), ``update`` (some
statement or term changes) or ``unchanged``. Per statement (:class:`StatementChange`) it is ``add``,
``change`` (same property; ``old`` replaced by ``new``), ``remove`` or ``unchanged``; per term
(:class:`TermChange`, labels / descriptions / aliases) the same four.

Every item carries ``entity``: the COMPLETE entity JSON (Wikibase API shape, as :func:`kg.model.entities.to_json`
makes it) that the item should have after the write. A target that writes whole entities (the store,
``wbeditentity``) writes ``entity``; a target that writes edits (QuickStatements) uses ``statements`` and
``terms``. In a ``change``, ``old["id"] == new["id"]`` means the same statement was edited in place (for
example a reference was added); different ids mean the old statement is replaced by a new one.

    >>> old = None
    >>> new = {"id": "Q1000000000042", "labels": {"en": {"language": "en", "value": "Museum"}}, "claims": {}}
    >>> item = plan_item(new, old, kind="institution")
    >>> item.action, item.terms[0].action, item.label
    ('create', 'add', 'Museum')
"""

from __future__ import annotations

import contextlib
import json
import marshal
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import yaml

from kg import outfile
from kg.errors import InputError, read_text
from kg.i18n import _

ItemAction = Literal["create", "update", "unchanged"]
ChangeAction = Literal["add", "change", "remove", "unchanged"]
ITEM_ACTIONS: tuple[ItemAction, ...] = ("create", "update", "unchanged")
CHANGE_ACTIONS: tuple[ChangeAction, ...] = ("add", "change", "remove", "unchanged")

Json = dict[str, Any]


@dataclass
class StatementChange:
    """One statement of one item: ``old`` / ``new`` are statement JSON (API shape) or None."""

    action: ChangeAction
    prop: str
    old: Json | None = None
    new: Json | None = None

    @property
    def statement(self) -> Json:
        """The statement as it is after the write (or before it, for a removal)."""
        s = self.new if self.new is not None else self.old
        assert s is not None  # a change has at least one side
        return s

    def changed(self) -> list[str]:
        """For a ``change``: what differs between old and new, of ``value``, ``qualifiers``, ``rank`` and
        ``references`` (a statement whose only difference is a reference added or replaced: ``["references"]``);
        empty otherwise."""
        if self.action != "change" or self.old is None or self.new is None:
            return []
        o, n = _full_key(self.old), _full_key(self.new)
        parts = [("value", o[0][0] != n[0][0]), ("qualifiers", o[0][1] != n[0][1]), ("rank", o[1] != n[1]),
                 ("references", o[2] != n[2])]
        return [name for name, differs in parts if differs]

    def value_text(self) -> str:
        """Short display text of the value(s), ``old -> new`` for a change."""
        if self.action == "change" and self.old is not None and self.new is not None:
            a, b = snak_text(self.old["mainsnak"]), snak_text(self.new["mainsnak"])
            return a if a == b else f"{a} -> {b}"
        return snak_text(self.statement["mainsnak"])


@dataclass
class TermChange:
    """A label, description or alias in one language."""

    action: ChangeAction
    term: Literal["label", "description", "alias"]
    language: str
    old: str | None = None
    new: str | None = None


class PlanItem:
    """What happens to one entity.

    ``rows``: the spreadsheet rows (1-based, header = row 1) the item comes from.
    ``match``: how the row was reconciled: ``qid`` (id column), ``external-id:<key>`` (for example
    ``external-id:isil``), ``label`` (label + country), or ``new`` (no match: a new local item).

    A created item made by :func:`plan_item` keeps its entity packed (``marshal``, about a third of the
    memory of the JSON objects: a plan of 100,000 rows is held in memory until it is written) and gives
    ``entity``, ``statements`` and ``terms`` as new objects on every access, made from the packed entity.
    """

    __slots__ = (
        "_count", "_entity", "_make", "_packed", "_statements", "_terms",
        "action", "id", "kind", "label", "match", "rows",
    )

    def __init__(
        self,
        id: str,
        action: ItemAction,
        kind: str,
        label: str,
        entity: Json,
        rows: list[int] | None = None,
        match: str = "new",
        statements: list[StatementChange] | None = None,
        terms: list[TermChange] | None = None,
        *,
        packed: bool = False,
    ) -> None:
        self.id, self.action, self.kind, self.label, self.match = id, action, kind, label, match
        self.rows = list(rows or [])
        self._packed: bytes | None = None
        self._make: Callable[[], Json] | None = None
        self._count = 0
        self._entity: Json | None = entity
        self._statements = statements if statements is not None else []
        self._terms = terms if terms is not None else []
        if packed and statements is None and terms is None:
            with contextlib.suppress(ValueError):  # a value marshal cannot write: kept as it is
                self._packed, self._entity = marshal.dumps(entity), None

    @classmethod
    def deferred(
        cls, id: str, kind: str, label: str, make: Callable[[], Json], statements: int, rows: list[int], match: str
    ) -> PlanItem:
        """A created item whose entity JSON is made by ``make()`` only when asked for (a sheet's new rows: the store
        target writes them column by column, kg.rdf.columns, and never asks); ``statements``: how many it has."""
        item = cls(id, "create", kind, label, {}, rows, match)
        item._entity, item._make, item._count = None, make, statements
        return item

    @property
    def entity(self) -> Json:
        """The COMPLETE entity JSON the item should have after the write."""
        if self._make is not None:
            return self._make()
        if self._packed is not None:
            return dict(marshal.loads(self._packed))
        assert self._entity is not None
        return self._entity

    @property
    def statements(self) -> list[StatementChange]:
        """Per-statement changes (a packed created item: every statement an ``add``)."""
        if self._packed is not None or self._make is not None:
            return _adds(self.entity)
        return self._statements

    @property
    def terms(self) -> list[TermChange]:
        """Label, description and alias changes (a packed created item: every term an ``add``)."""
        if self._packed is not None or self._make is not None:
            return diff_terms(None, self.entity)
        return self._terms

    def statement_count(self) -> int:
        """``len(self.statements)``, without unpacking a packed entity more than once."""
        if self._make is not None:
            return self._count
        if self._packed is not None:
            return sum(len(sts) for sts in _statements(self.entity).values())
        return len(self._statements)

    def changes(self) -> list[StatementChange]:
        """The statement changes other than ``unchanged``."""
        return [s for s in self.statements if s.action != "unchanged"]

    def to_dict(self) -> Json:
        return {
            "id": self.id,
            "action": self.action,
            "kind": self.kind,
            "label": self.label,
            "entity": self.entity,
            "rows": list(self.rows),
            "match": self.match,
            "statements": [asdict(s) for s in self.statements],
            "terms": [asdict(t) for t in self.terms],
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PlanItem):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value (as the dataclass it was)

    def __repr__(self) -> str:
        return f"PlanItem(id={self.id!r}, action={self.action!r}, kind={self.kind!r}, label={self.label!r})"


@dataclass
class Plan:
    """Everything one load would do. ``source``: the file or URL loaded; ``target``: the target name."""

    items: list[PlanItem] = field(default_factory=list)
    source: str = ""
    kind: str = ""
    target: str = ""
    retrieved: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    #: the new rows of a sheet load as columns (kg.rdf.columns.NewItems) when every created item made from a row
    #: is deferred (:meth:`PlanItem.deferred`); not saved with the plan
    columns: Any = field(default=None, repr=False, compare=False)

    def counts(self) -> dict[str, int]:
        """Items per action, plus statement changes per action (keys ``statements_add`` ...)."""
        out: dict[str, int] = {a: 0 for a in ITEM_ACTIONS}
        for a in CHANGE_ACTIONS:
            out[f"statements_{a}"] = 0
        for it in self.items:
            out[it.action] += 1
            if it.action == "create":  # every statement of a new item is an addition
                out["statements_add"] += it.statement_count()
                continue
            for s in it.statements:
                out[f"statements_{s.action}"] += 1
        return out

    def to_write(self) -> list[PlanItem]:
        """The items a target has to write (create or update)."""
        return [it for it in self.items if it.action != "unchanged"]

    # -- serialisation -------------------------------------------------------------------------------

    def to_dict(self) -> Json:
        return {
            "glamkg_plan": 1,
            "items": [it.to_dict() for it in self.items],
            "source": self.source,
            "kind": self.kind,
            "target": self.target,
            "retrieved": self.retrieved,
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        if not isinstance(data, Mapping) or data.get("glamkg_plan") != 1:
            raise InputError(_("expected a glamkg plan (a mapping with glamkg_plan: 1), found something else"))
        items = []
        for n, raw in enumerate(data.get("items") or []):
            try:
                items.append(
                    PlanItem(
                        id=raw["id"],
                        action=raw["action"],
                        kind=raw.get("kind", ""),
                        label=raw.get("label", ""),
                        entity=raw["entity"],
                        rows=list(raw.get("rows") or []),
                        match=raw.get("match", "new"),
                        statements=[StatementChange(**s) for s in raw.get("statements") or []],
                        terms=[TermChange(**t) for t in raw.get("terms") or []],
                    )
                )
            except (KeyError, TypeError) as e:
                raise InputError(_("plan item {n}: expected id, action, entity ..., found a malformed item "
                                   "({error})").format(n=n, error=e)) from e
            if items[-1].action not in ITEM_ACTIONS:
                raise InputError(_("plan item {n}: expected action in {ITEM_ACTIONS}, found {action!r}").format(
                                     n=n, ITEM_ACTIONS=ITEM_ACTIONS, action=items[-1].action))
        return cls(
            items=items,
            source=data.get("source", ""),
            kind=data.get("kind", ""),
            target=data.get("target", ""),
            retrieved=data.get("retrieved", ""),
            meta=dict(data.get("meta") or {}),
        )

    def write(self, path: str | Path) -> Path:
        """Save as YAML (``.yaml``/``.yml``) or JSON (``.json``, standard output, a FIFO or device); another
        file name is an :class:`InputError` (:func:`check_path`)."""
        check_path(path)
        p = Path(path)
        if p.suffix.lower() in YAML_SUFFIXES:
            text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=120)
        else:
            text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        outfile.write_text(p, text, what=_("plan file"))
        return p

    @classmethod
    def read(cls, path: str | Path) -> Plan:
        p = Path(path)
        text = read_text(p, _("a plan file"))
        try:
            data = yaml.safe_load(text)  # JSON is YAML
        except yaml.YAMLError as e:
            raise InputError(_("{p}: expected a plan in YAML or JSON, found a parse error: {error}").format(
                                 p=p, error=e)) from e
        return cls.from_dict(data)


#: A plan file's formats, by its extension (docs/loading.md): YAML or JSON.
YAML_SUFFIXES = (".yaml", ".yml")
SUFFIXES = (*YAML_SUFFIXES, ".json")


def check_path(path: str | Path) -> None:
    """Raise :class:`InputError` unless ``path`` names a plan file by its extension (:data:`SUFFIXES`): another
    one would get JSON without saying so. Standard output (``-``), a FIFO or a device has no name to go by and
    gets JSON. The command line checks this before it reads the sheet."""
    if outfile.is_stdout(path) or outfile.is_stream(path):
        return
    if Path(path).suffix.lower() not in SUFFIXES:
        raise InputError(
            _("plan file {path}: expected a name ending in .yaml, .yml or .json (the plan is written as YAML or "
              "JSON), found {name}; fix: name it plan.yaml or plan.json").format(path=path, name=repr(Path(path).name))
        )


# -- comparing entities --------------------------------------------------------------------------------


def snak_text(snak: Mapping[str, Any]) -> str:
    """A short human-readable rendering of a snak's value."""
    if snak.get("snaktype") != "value":
        return f"<{snak.get('snaktype')}>"
    dv = snak["datavalue"]
    v = dv["value"]
    t = dv["type"]
    if t == "wikibase-entityid":
        return str(v.get("id") or f"Q{v['numeric-id']}")
    if t == "time":
        prec = int(v.get("precision", 11))
        s = str(v["time"]).lstrip("+")
        return s[:4] if prec <= 9 else s[:7] if prec == 10 else s[:10]
    if t == "quantity":
        amount = str(v["amount"]).lstrip("+")
        unit = str(v.get("unit", "1"))
        return amount if unit == "1" else f"{amount} {unit.rsplit('/', 1)[-1]}"
    if t == "globecoordinate":
        return f"{v['latitude']},{v['longitude']}"
    if t == "monolingualtext":
        return f"{v['text']}@{v['language']}"
    return str(v)


def _num(x: Any) -> Any:
    try:
        return Decimal(str(x)).normalize()
    except (InvalidOperation, ValueError):
        return x


def value_key(snak: Mapping[str, Any]) -> tuple[Any, ...]:
    """A comparable key for a snak: equal for the same value however it was written down."""
    prop = snak.get("property")
    if snak.get("snaktype") != "value":
        return (prop, snak.get("snaktype"))
    dv = snak["datavalue"]
    v = dv["value"]
    t = dv["type"]
    if t == "wikibase-entityid":
        return (prop, t, v.get("id") or f"Q{v['numeric-id']}")
    if t == "time":
        return (prop, t, v["time"], int(v.get("precision", 11)), v.get("calendarmodel", ""))
    if t == "quantity":
        return (prop, t, _num(v["amount"]), v.get("unit", "1"))
    if t == "globecoordinate":
        return (prop, t, round(float(v["latitude"]), 9), round(float(v["longitude"]), 9), v.get("globe", ""))
    if t == "monolingualtext":
        return (prop, t, v["text"], v["language"])
    return (prop, t, v)


def statement_key(st: Mapping[str, Any]) -> tuple[Any, ...]:
    """Main value + sorted qualifier values: two statements with equal keys say the same thing."""
    quals = sorted(
        (value_key(q) for qs in (st.get("qualifiers") or {}).values() for q in qs),
        key=repr,
    )
    return (value_key(st["mainsnak"]), tuple(quals))


def _full_key(st: Mapping[str, Any]) -> tuple[Any, ...]:
    refs = sorted(_reference_key(r) for r in st.get("references") or [])
    return (statement_key(st), st.get("rank", "normal"), tuple(refs))


def _reference_key(ref: Mapping[str, Any]) -> str:
    snaks = sorted((value_key(s) for ss in (ref.get("snaks") or {}).values() for s in ss), key=repr)
    return repr(snaks)


def _statements(entity: Mapping[str, Any] | None) -> dict[str, list[Json]]:
    if not entity:
        return {}
    claims = entity.get("claims") or entity.get("statements") or {}
    return {p: list(sts) for p, sts in claims.items()}


def _label(entity: Mapping[str, Any]) -> str:
    labels = entity.get("labels") or {}
    if "en" in labels:
        return str(labels["en"]["value"])
    for v in labels.values():
        return str(v["value"])
    return ""


def _adds(entity: Mapping[str, Any]) -> list[StatementChange]:
    return [StatementChange("add", p, None, st) for p, sts in _statements(entity).items() for st in sts]


def diff_statements(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[StatementChange]:
    """Per-statement changes from ``old`` to ``new`` (entity JSON).

    Statements are paired by statement id, then by value (:func:`statement_key`); a pair whose value,
    qualifiers, rank or references differ is a ``change``. Left-over removals and additions of the same
    property are paired, in order, into ``change``\\ s; the rest are ``add`` / ``remove``.
    """
    out: list[StatementChange] = []
    olds, news = _statements(old), _statements(new)
    for prop in sorted(set(olds) | set(news), key=_prop_sort):
        o_list, n_list = list(olds.get(prop, [])), list(news.get(prop, []))
        by_id = {s.get("id"): s for s in o_list if s.get("id")}
        left_new: list[Json] = []
        for n in n_list:
            o = by_id.pop(n.get("id"), None) if n.get("id") else None
            if o is None:
                left_new.append(n)
                continue
            o_list.remove(o)
            out.append(StatementChange("unchanged" if _full_key(o) == _full_key(n) else "change", prop, o, n))
        still_new: list[Json] = []
        for n in left_new:
            match = next((o for o in o_list if statement_key(o) == statement_key(n)), None)
            if match is None:
                still_new.append(n)
                continue
            o_list.remove(match)
            out.append(StatementChange("unchanged" if _full_key(match) == _full_key(n) else "change", prop, match, n))
        for o, n in zip(o_list, still_new, strict=False):
            out.append(StatementChange("change", prop, o, n))
        k = min(len(o_list), len(still_new))
        out.extend(StatementChange("remove", prop, o, None) for o in o_list[k:])
        out.extend(StatementChange("add", prop, None, n) for n in still_new[k:])
    return out


def _prop_sort(pid: str) -> tuple[int, str]:
    return (int(pid[1:]), pid) if pid[1:].isdigit() else (1 << 62, pid)


def diff_terms(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[TermChange]:
    """Label, description and alias changes from ``old`` to ``new`` (entity JSON)."""
    out: list[TermChange] = []
    old = old or {}
    for field_name, term in (("labels", "label"), ("descriptions", "description")):
        o, n = old.get(field_name) or {}, new.get(field_name) or {}
        for lang in sorted(set(o) | set(n)):
            ov = o[lang]["value"] if lang in o else None
            nv = n[lang]["value"] if lang in n else None
            action: ChangeAction = (
                "unchanged" if ov == nv else "add" if ov is None else "remove" if nv is None else "change"
            )
            out.append(TermChange(action, term, lang, ov, nv))  # type: ignore[arg-type]
    oa, na = old.get("aliases") or {}, new.get("aliases") or {}
    for lang in sorted(set(oa) | set(na)):
        ovals = [a["value"] for a in oa.get(lang, [])]
        nvals = [a["value"] for a in na.get(lang, [])]
        for v in nvals:
            out.append(TermChange("unchanged" if v in ovals else "add", "alias", lang, v if v in ovals else None, v))
        out.extend(TermChange("remove", "alias", lang, v, None) for v in ovals if v not in nvals)
    return out


def plan_item(
    new: Mapping[str, Any],
    old: Mapping[str, Any] | None,
    *,
    kind: str,
    rows: Iterable[int] = (),
    match: str = "new",
) -> PlanItem:
    """Compare the entity a load wants (``new``) with what the target has (``old``; None = absent)."""
    if old is None:  # everything is new: kept packed, statements and terms made when asked for
        return PlanItem(str(new["id"]), "create", kind, _label(new), dict(new), list(rows), match, packed=True)
    statements = diff_statements(old, new)
    terms = diff_terms(old, new)
    action: ItemAction
    if any(s.action != "unchanged" for s in statements) or any(t.action != "unchanged" for t in terms):
        action = "update"
    else:
        action = "unchanged"
    return PlanItem(
        id=str(new["id"]),
        action=action,
        kind=kind,
        label=_label(new),
        entity=dict(new),
        rows=list(rows),
        match=match,
        statements=statements,
        terms=terms,
    )
