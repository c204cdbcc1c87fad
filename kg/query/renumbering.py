"""One query text for a Wikibase with its own numbering: Wikidata's ids in, the wiki's ids out, and back.

A query written with Wikidata's ids (``wdt:P31 wd:Q33506``) means nothing to a Wikibase whose ``instance of`` is
``P1`` and whose ``museum`` is ``Q3``. ``glamkg query run --endpoint URL --idmap MAP`` sends it through the id
map that ``glamkg wikibase bootstrap`` writes (:mod:`kg.model.idmap`): :class:`Renumbering` rewrites every id
in Wikidata's namespaces (``wd:``, ``wdt:``, ``p:``, ``ps:``, ``pq:``, ``pr:``, ``psv:``, ``pqv:``, ``prv:``,
``wdtn:``, ``psn:``, ``pqn:``, ``prn:``, ``wdno:``, and glamkg's local items) into the wiki's own, and points
those prefixes at the wiki's namespaces (its concept base with ``entity/`` replaced by ``prop/direct/`` and so
on, as Wikibase builds them): a ``PREFIX`` that names a Wikidata namespace is rewritten, one the query uses
without declaring it (WDQS declares them) is added on the first line. The answer's entity IRIs are turned
back into Wikidata's (glamkg's) ids, so the same rows come back as from a store holding the data in
Wikidata's ids.

The rewrite works on tokens: strings, comments and IRIs of other namespaces are never touched. ``--explain``
shows the table of ids and the text sent. An id the map lacks is an error naming it and its line, except in a
``VALUES`` block, where such an entry (a region's countries the wiki has no item for) becomes an IRI that
matches nothing, and ``--explain`` lists it. The few Wikidata items every Wikibase writes as they are
(:data:`WIKIBASE_CONSTANTS`: the unit "1", Earth, the two calendars) stay Wikidata's IRIs, even where bootstrap
made items of them on the wiki: a coordinate there still names Wikidata's Earth. An entity of the wiki that the
map lacks (added there by someone else) stays the wiki's IRI in the answer.

With ``reorder`` (``glamkg query run``), a top-level ``ORDER BY`` with ``LIMIT``/``OFFSET`` is applied to the
answer once its ids are Wikidata's again (:class:`Reorder`): the saved queries order by the item's number, which
on the wiki is the wiki's number, so a limit there would keep other rows. The wiki then sends every row.

    >>> from kg.model.idmap import IdMap
    >>> m = IdMap(entities={"P31": "P1", "Q33506": "Q3"}, concept_base="https://w.example/entity/")
    >>> sent = Renumbering(m).query("SELECT ?m WHERE { ?m wdt:P31 wd:Q33506 }").text
    >>> print(sent.replace("> ", ">\\n"))
    PREFIX wd: <https://w.example/entity/>
    PREFIX wdt: <https://w.example/prop/direct/>
    SELECT ?m WHERE { ?m wdt:P1 wd:Q3 }
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.errors import InputError
from kg.i18n import _
from kg.model import ids
from kg.model.idmap import IdMap
from kg.query.sparql_text import Edit, Token, apply_edits, matching, same_order_limits, tokenize
from kg.query.wdqs_syntax import STANDARD_PREFIXES, QueryShape

WIKIDATA_ROOT = "http://www.wikidata.org/"
WIKIDATA_DATA = "https://www.wikidata.org/wiki/Special:EntityData/"
#: namespaces whose local name is an entity id (the rest of Wikidata's: statements, values, references)
ID_PREFIXES = ("wd", "wdt", "p", "ps", "pq", "pr", "psv", "pqv", "prv", "wdtn", "psn", "pqn", "prn", "wdno")
#: Wikidata items that Wikibase writes as Wikidata's IRIs on every wiki: the unit "1" (RdfVocabulary::ONE_ENTITY),
#: and the globe and calendar IRIs that values carry as they are (Earth, proleptic Gregorian and Julian)
WIKIBASE_CONSTANTS = ("Q199", "Q2", "Q1985727", "Q1985786")
_ID_RE = re.compile(r"^[PQL]\d+$")
_CONCEPT_BASE = re.compile(r"^https?://[^\s<>\"{}|^`\\]+/entity/$")
UNMAPPED = "urn:glamkg:not-on-the-wiki:"


def _values_tokens(tokens: Sequence[Token]) -> set[int]:
    """Indexes of the tokens inside the data blocks of ``VALUES``."""
    inside: set[int] = set()
    for i, t in enumerate(tokens):
        if not t.is_kw("VALUES"):
            continue
        j = i + 1
        while j < len(tokens) and tokens[j].text != "{":
            j += 1
        if j < len(tokens):
            close = matching(tokens, j)
            if close > j:
                inside.update(range(j + 1, close))
    return inside


def _declarations(tokens: Sequence[Token]) -> dict[int, str]:
    """Token index of each ``PREFIX`` declaration's IRI -> the prefix it declares."""
    out: dict[int, str] = {}
    for i, t in enumerate(tokens[:-2]):
        if t.is_kw("PREFIX") and tokens[i + 1].kind == "pname" and tokens[i + 2].kind == "iri":
            out[i + 2] = tokens[i + 1].text[:-1] if tokens[i + 1].text.endswith(":") else tokens[i + 1].text
    return out


_AGGREGATES = ("COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT")
_ROW = "__glamkg_row"


@dataclass
class Reorder:
    """The top-level ``ORDER BY`` and ``LIMIT``/``OFFSET`` of a query, applied again to its answer once the ids
    are Wikidata's: an order by the ids (by their text or their number, as the saved queries do) is another
    order on the wiki, so a limit there would keep other rows than on the store."""

    order: str  # the ORDER BY clause, as the query has it (Wikidata's ids)
    prologue: str  # PREFIX declarations it may use
    limit: int | None
    offset: int | None

    def clause(self) -> str:
        return " ".join(
            [
                self.order,
                *([f"LIMIT {self.limit}"] if self.limit is not None else []),
                *([f"OFFSET {self.offset}"] if self.offset else []),
            ]
        )

    def apply(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """The rows of ``doc`` in this order, limited; evaluated by Oxigraph over the rows alone."""
        out = dict(doc)
        names = [str(v) for v in doc["head"].get("vars", [])]
        rows = list(doc["results"].get("bindings", []))
        try:
            values = [[_term(r.get(v)) for v in names] for r in rows]
        except ValueError:  # a blank node cannot stand in VALUES: keep the wiki's order
            start = self.offset or 0
            kept = rows[start : None if self.limit is None else start + self.limit]
        else:
            data = " ".join(f"({n} {' '.join(vs)})" for n, vs in enumerate(values))
            heads = " ".join(f"?{v}" for v in (_ROW, *names))
            q = f"{self.prologue}\nSELECT ?{_ROW} WHERE {{ VALUES ({heads}) {{ {data} }} }}\n{self.clause()}"
            kept = [rows[int(s[_ROW].value)] for s in ox.Store().query(q)]  # type: ignore[union-attr]
        out["results"] = {**doc["results"], "bindings": kept}
        return out


def _term(binding: Mapping[str, Any] | None) -> str:
    """A SPARQL JSON result term as SPARQL text (pyoxigraph writes it, escaped); UNDEF when unbound."""
    if binding is None:
        return "UNDEF"
    kind, value = binding.get("type"), str(binding.get("value", ""))
    if kind == "uri":
        return str(ox.NamedNode(value))
    if kind in ("literal", "typed-literal"):
        if binding.get("xml:lang"):
            return str(ox.Literal(value, language=str(binding["xml:lang"])))
        if binding.get("datatype"):
            return str(ox.Literal(value, datatype=ox.NamedNode(str(binding["datatype"]))))
        return str(ox.Literal(value))
    raise ValueError(f"a {kind} term")


def _reorder(tokens: Sequence[Token], text: str, declared: Mapping[str, str]) -> tuple[Reorder | None, list[Edit]]:
    """The query's top-level ORDER BY with a LIMIT or OFFSET, to apply again to the answer (and the edits that
    take LIMIT and OFFSET out of the text sent); None when there is none, or when it cannot be evaluated over
    the answer's rows alone (aggregates, patterns, variables the query does not project)."""
    depth, order_at, limit_at, offset_at, values_at = 0, -1, -1, -1, -1
    for i, t in enumerate(tokens):
        if t.kind == "punct" and t.text in "{}":
            depth += 1 if t.text == "{" else -1
        elif depth == 0 and i + 1 < len(tokens):
            nxt = tokens[i + 1]
            if t.is_kw("ORDER") and nxt.is_kw("BY"):
                order_at = i
            elif t.is_kw("LIMIT") and nxt.kind == "number":
                limit_at = i
            elif t.is_kw("OFFSET") and nxt.kind == "number":
                offset_at = i
            elif t.is_kw("VALUES") and order_at >= 0:
                values_at = i
    if order_at < 0 or (limit_at < 0 and offset_at < 0):
        return None, []
    end = min(i for i in (limit_at, offset_at, values_at, len(tokens)) if i > order_at)
    order = tokens[order_at + 2 : end]
    shape = QueryShape(tokens)
    star = shape.select >= 0 and any(t.text == "*" for t in tokens[shape.select + 1 : shape.select + 3])
    projected = set(shape.projection) | {name for _, name in shape.aliases}
    if (
        shape.select < 0
        or not order
        or any(t.is_kw(*_AGGREGATES, "EXISTS") or t.text == "{" for t in order)
        or (not star and any(t.kind == "var" and t.varname not in projected for t in order))
    ):
        return None, []
    prologue = " ".join(f"PREFIX {p}: <{iri}>" for p, iri in {**STANDARD_PREFIXES, **declared}.items())
    number = {i: int(tokens[i + 1].text) for i in (limit_at, offset_at) if i >= 0}
    reorder = Reorder(
        order=text[tokens[order_at].start : tokens[end - 1].end],
        prologue=prologue,
        limit=number.get(limit_at),
        offset=number.get(offset_at),
    )
    # a sub-select ordered the same way with its own LIMIT (labels fetched after the limit) is lifted too
    edits = [Edit(tokens[i].start, tokens[i + 1].end, "") for i in (*number, *same_order_limits(tokens))]
    return reorder, edits


@dataclass
class Translated:
    """A query as sent to the wiki: its text and the ids it rewrote (glamkg id -> wiki id, first line)."""

    text: str
    ids: dict[str, tuple[str, int]] = field(default_factory=dict)
    unmatched: dict[str, int] = field(default_factory=dict)  # VALUES entries the wiki has no entity for
    kept: dict[str, int] = field(default_factory=dict)  # Wikibase's constants, left as Wikidata's IRIs
    prefixes: dict[str, str] = field(default_factory=dict)  # prefix -> the wiki's namespace it now names
    reorder: Reorder | None = None  # ORDER BY + LIMIT applied again to the answer, in Wikidata's ids

    def explain(self) -> str:
        line_n = _("line {line}")
        rows = [f"  {g:>16} -> {w:<10} ({line_n.format(line=line)})" for g, (w, line) in sorted(self.ids.items())]
        if self.kept:
            rows.append("  " + _("kept as Wikidata's IRIs (every Wikibase writes them so): {ids}").format(
                ids=", ".join(sorted(self.kept))))
        if self.unmatched:
            rows.append("  " + _("not on the wiki (these VALUES entries match nothing there): {ids}").format(
                ids=", ".join(sorted(self.unmatched))))
        if self.reorder:
            rows.append("  " + _("applied to the answer once its ids are Wikidata's again: {clause}").format(
                clause=self.reorder.clause()))
        if self.prefixes:
            rows.append(_("prefixes pointed at the wiki:"))
            rows += [f"  {p}: <{ns}>" for p, ns in sorted(self.prefixes.items())]
        return "\n".join(
            [_("ids translated through the id map (glamkg/Wikidata -> the wiki):"), *rows, _("query sent:"), self.text]
        )


def check_concept_base(base: str, where: str | None = "") -> str:
    """A wiki's concept base as it goes into query text: an http(s) IRI ending in ``/entity/``. ``where`` starts
    the error (``--concept-base: ``); None: an id map without a file."""
    if not _CONCEPT_BASE.match(base or ""):
        raise InputError((_("id map") + ": " if where is None else where) + _(
            "expected the wiki's concept base, an IRI like https://example.wikibase.cloud/entity/, found {found} "
            "(hint: `glamkg wikibase bootstrap` writes it into the id map; or give --concept-base)").format(
                found=repr(base))
        )
    return base


class Renumbering:
    """Wikidata's (glamkg's) ids <-> a Wikibase's own, for queries and their answers."""

    def __init__(self, idmap: IdMap, *, mint: Callable[[str], str] | None = None) -> None:
        check_concept_base(idmap.concept_base, f"{idmap.path}: " if idmap.path else None)
        self.idmap = idmap
        self.mint = mint  # an item of the wiki the map lacks -> a new glamkg id (recorded in the map)
        self.root = idmap.concept_base[: -len("entity/")]
        wikidata = {k: v for k, v in STANDARD_PREFIXES.items() if v.startswith(WIKIDATA_ROOT)}
        # Wikidata namespace -> the wiki's, longest first (prop/direct-normalized/ before prop/)
        self.forward = {v: self.root + v[len(WIKIDATA_ROOT) :] for v in wikidata.values()}
        self.forward[WIKIDATA_DATA] = self.root + "wiki/Special:EntityData/"
        self.id_namespaces = {wikidata[p] for p in ID_PREFIXES if p in wikidata} | {WIKIDATA_DATA}
        self.entity_ns = WIKIDATA_ROOT + "entity/"
        self.local_bases = {ids.local_concept_base(), "https://glamkg.invalid/entity/"}
        self.backward = {w: d for d, w in self.forward.items()}
        self._ordered = sorted(self.forward, key=len, reverse=True)
        self._ordered_back = sorted(self.backward, key=len, reverse=True)

    # -- the query --------------------------------------------------------------------------------------
    def _split(self, iri: str) -> tuple[str, str] | None:
        """An IRI in Wikidata's (or glamkg's local) namespaces -> (Wikidata namespace, local name); None for
        other IRIs."""
        for base in self.local_bases:
            if iri.startswith(base):
                return self.entity_ns, iri[len(base) :]
        for ns in self._ordered:
            if iri.startswith(ns):
                return ns, iri[len(ns) :]
        return None

    def _namespace(self, iri: str) -> str | None:
        """The Wikidata namespace a declared prefix IRI is exactly (glamkg's local base counts as ``wd:``)."""
        if iri in self.local_bases:
            return self.entity_ns
        return iri if iri in self.forward else None

    def query(self, text: str, *, reorder: bool = False) -> Translated:
        """``text`` in the wiki's ids. ``reorder``: a top-level ORDER BY with LIMIT/OFFSET is applied to the
        answer instead (:meth:`results` with this :class:`Translated`), once its ids are Wikidata's again."""
        tokens = tokenize(text)
        declarations = _declarations(tokens)
        declared = {pre: tokens[i].text[1:-1] for i, pre in declarations.items()}
        prefixes = {**STANDARD_PREFIXES, **declared}
        # prefixes that name a Wikidata namespace point at the wiki's; their ids stay prefixed names
        wiki_prefixes = {pre: ns for pre, iri in prefixes.items() if (ns := self._namespace(iri)) is not None}
        edits: list[Edit] = []
        out = Translated(text)
        missing: dict[str, int] = {}
        in_values = _values_tokens(tokens)
        used: set[str] = set()
        for i, t in enumerate(tokens):
            if i in declarations:
                pre = declarations[i]
                if pre in wiki_prefixes:
                    out.prefixes[pre] = self.forward[wiki_prefixes[pre]]
                    edits.append(Edit(t.start, t.end, f"<{out.prefixes[pre]}>"))
                continue
            if t.kind not in ("pname", "iri") or (i and tokens[i - 1].is_kw("PREFIX")):
                continue
            pre, local = t.text.split(":", 1) if t.kind == "pname" else ("", "")
            if t.kind == "pname" and pre not in declared and pre in STANDARD_PREFIXES:
                used.add(pre)
            if t.kind == "pname" and pre in wiki_prefixes:
                split: tuple[str, str] | None = (wiki_prefixes[pre], local)
            elif t.kind == "pname":
                split = self._split(prefixes[pre] + local) if pre in prefixes else None
            else:
                split = self._split(t.text[1:-1])
            if split is None:
                continue
            namespace, local = split
            as_pname = t.kind == "pname" and pre in wiki_prefixes
            is_id = namespace in self.id_namespaces and _ID_RE.match(local) is not None
            if not is_id:  # statements, values, references, a bare prefix: the namespace only
                if not as_pname:
                    edits.append(Edit(t.start, t.end, f"<{self.forward[namespace]}{local}>"))
                continue
            wiki_id = self.idmap.get(local)
            if local in WIKIBASE_CONSTANTS and namespace == self.entity_ns:
                out.kept.setdefault(local, t.line)
                if as_pname:
                    edits.append(Edit(t.start, t.end, f"<{self.entity_ns}{local}>"))
                continue
            if wiki_id is None and i in in_values:
                # a value the wiki has no entity for (a region's countries, say) matches nothing there
                out.unmatched.setdefault(local, t.line)
                edits.append(Edit(t.start, t.end, f"<{UNMAPPED}{local}>"))
                continue
            if wiki_id is None:
                missing.setdefault(local, t.line)
                continue
            out.ids.setdefault(local, (wiki_id, t.line))
            replacement = f"{pre}:{wiki_id}" if as_pname else f"<{self.forward[namespace]}{wiki_id}>"
            edits.append(Edit(t.start, t.end, replacement))
        if missing:
            line_n = _("line {line}")
            where = "; ".join(f"{i} ({line_n.format(line=line)})" for i, line in sorted(missing.items()))
            hint = _("hint: run `glamkg wikibase bootstrap` (properties and classes) or load the items to that wiki "
                     "first, or give the map of the wiki the endpoint serves (--idmap FILE)")
            if self.idmap.path:
                text = _("the query names ids the id map {path} lacks: {ids}; {hint}").format(
                    path=self.idmap.path, ids=where, hint=hint)
            else:
                text = _("the query names ids the id map lacks: {ids}; {hint}").format(ids=where, hint=hint)
            raise InputError(text)
        if reorder:
            out.reorder, dropped = _reorder(tokens, text, declared)
            edits += dropped
        # WDQS declares its prefixes; other engines need them, and on the wiki Wikidata's must name the wiki's
        # namespaces. On the first line, so that the endpoint's line numbers are the query's.
        added = {pre: STANDARD_PREFIXES[pre] for pre in sorted(used)}
        for pre in added.keys() & wiki_prefixes.keys():
            added[pre] = out.prefixes[pre] = self.forward[wiki_prefixes[pre]]
        head = "".join(f"PREFIX {pre}: <{iri}> " for pre, iri in added.items())
        out.text = head + apply_edits(text, edits, keep_lines=True)
        return out

    # -- the answer -------------------------------------------------------------------------------------
    def iri_back(self, iri: str) -> str:
        """A wiki IRI -> the Wikidata (or glamkg-local) IRI of the same thing; other IRIs unchanged."""
        for ns in self._ordered_back:
            if iri.startswith(ns):
                local = iri[len(ns) :]
                wikidata_ns = self.backward[ns]
                if wikidata_ns not in self.id_namespaces:
                    return wikidata_ns + local
                glamkg_id = self.idmap.back(local) if _ID_RE.match(local) else None
                if glamkg_id is None and self.mint is not None and local.startswith("Q") and _ID_RE.match(local):
                    glamkg_id = self.mint(local)
                    self.idmap.set(glamkg_id, local)
                if glamkg_id is None:
                    return iri  # an entity of the wiki that glamkg does not know: its own IRI
                if wikidata_ns == WIKIDATA_ROOT + "entity/":
                    return ids.entity_iri(glamkg_id)
                return wikidata_ns + glamkg_id
        return iri

    def results(self, doc: Mapping[str, Any], sent: Translated | None = None) -> dict[str, Any]:
        """SPARQL JSON results with the wiki's entity IRIs turned back into Wikidata's (glamkg's); then the
        query's ORDER BY and LIMIT when ``sent`` (what :meth:`query` made of it) has them to apply."""
        out = dict(doc)
        if "results" not in doc:
            return out
        bindings = []
        for b in doc["results"].get("bindings", []):
            row = {}
            for var, term in b.items():
                if term.get("type") == "uri":
                    term = {**term, "value": self.iri_back(str(term["value"]))}
                elif term.get("datatype"):
                    term = {**term, "datatype": self.iri_back(str(term["datatype"]))}
                row[var] = term
            bindings.append(row)
        out["results"] = {**doc["results"], "bindings": bindings}
        return sent.reorder.apply(out) if sent is not None and sent.reorder is not None else out
