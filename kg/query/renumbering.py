"""One query text for a Wikibase with its own numbering: Wikidata's ids in, the wiki's ids out, and back.

A query written with Wikidata's ids (``wdt:P31 wd:Q33506``) means nothing to a Wikibase whose ``instance of`` is
``P1`` and whose ``museum`` is ``Q3``. ``glamkg query run --endpoint URL --idmap MAP`` sends it through the id
map that ``glamkg wikibase bootstrap`` writes (:mod:`kg.model.idmap`): :class:`Renumbering` rewrites every
entity IRI and prefixed name of Wikidata's namespaces (``wd:``, ``wdt:``, ``p:``, ``ps:``, ``pq:``, ``pr:``,
``psv:``, ``pqv:``, ``prv:``, ``wdtn:``, ``psn:``, ``pqn:``, ``prn:``, ``wdno:``, and glamkg's local items) into the
wiki's own, in the wiki's namespaces (its concept base with ``entity/`` replaced by ``prop/direct/`` and so on, as
Wikibase builds them), and the answer's entity IRIs back into Wikidata's (glamkg's) ids, so the same rows come
back as from a store holding the data in Wikidata's ids. The rewrite works on tokens (strings, comments and
other IRIs are never touched); ``--explain`` shows the table of ids and the text sent. An id the map lacks is an
error naming it and its line, except in a ``VALUES`` block, where such an entry (a region's countries the wiki
has no item for) becomes an IRI that matches nothing, and ``--explain`` lists it. An entity of the wiki that
the map lacks (added there by someone else) stays the wiki's IRI in the answer.

    >>> from kg.model.idmap import IdMap
    >>> m = IdMap(entities={"P31": "P1", "Q33506": "Q3"}, concept_base="https://w.example/entity/")
    >>> Renumbering(m).query("SELECT ?m WHERE { ?m wdt:P31 wd:Q33506 }").text
    'SELECT ?m WHERE { ?m <https://w.example/prop/direct/P1> <https://w.example/entity/Q3> }'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.errors import InputError
from kg.model import ids
from kg.model.idmap import IdMap
from kg.query.sparql_text import Edit, Token, apply_edits, matching, tokenize
from kg.query.wdqs_syntax import STANDARD_PREFIXES

WIKIDATA_ROOT = "http://www.wikidata.org/"
#: namespaces whose local name is an entity id (the rest of Wikidata's: statements, values, references)
ID_PREFIXES = ("wd", "wdt", "p", "ps", "pq", "pr", "psv", "pqv", "prv", "wdtn", "psn", "pqn", "prn", "wdno")
_ID_RE = re.compile(r"^[PQL]\d+$")
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


@dataclass
class Translated:
    """A query as sent to the wiki: its text and the ids it rewrote (glamkg id -> wiki id, first line)."""

    text: str
    ids: dict[str, tuple[str, int]] = field(default_factory=dict)
    unmatched: dict[str, int] = field(default_factory=dict)  # VALUES entries the wiki has no entity for

    def explain(self) -> str:
        rows = [f"  {g:>16} -> {w:<10} (line {line})" for g, (w, line) in sorted(self.ids.items())]
        if self.unmatched:
            rows.append("  not on the wiki (these VALUES entries match nothing there): "
                        + ", ".join(sorted(self.unmatched)))
        return "\n".join(["ids translated through the id map (glamkg/Wikidata -> the wiki):", *rows,
                          "query sent:", self.text])


class Renumbering:
    """Wikidata's (glamkg's) ids <-> a Wikibase's own, for queries and their answers."""

    def __init__(self, idmap: IdMap, *, mint: Callable[[str], str] | None = None) -> None:
        if not idmap.concept_base.endswith("/entity/"):
            where = f"{idmap.path}: " if idmap.path else ""
            raise InputError(
                f"{where}expected the wiki's concept base (like https://example.wikibase.cloud/entity/) in the id "
                f"map, found {idmap.concept_base!r} (hint: `glamkg wikibase bootstrap` writes it)"
            )
        self.idmap = idmap
        self.mint = mint  # an item of the wiki the map lacks -> a new glamkg id (recorded in the map)
        self.root = idmap.concept_base[: -len("entity/")]
        wikidata = {k: v for k, v in STANDARD_PREFIXES.items() if v.startswith(WIKIDATA_ROOT)}
        # Wikidata namespace -> the wiki's, longest first (prop/direct-normalized/ before prop/)
        self.forward = {v: self.root + v[len(WIKIDATA_ROOT):] for v in wikidata.values()}
        self.id_namespaces = {wikidata[p] for p in ID_PREFIXES if p in wikidata}
        self.local_bases = {ids.local_concept_base(), "https://glamkg.invalid/entity/"}
        self.backward = {w: d for d, w in self.forward.items()}
        self._ordered = sorted(self.forward, key=len, reverse=True)
        self._ordered_back = sorted(self.backward, key=len, reverse=True)

    # -- the query --------------------------------------------------------------------------------------
    def _split(self, iri: str) -> tuple[str, str] | None:
        for base in self.local_bases:
            if iri.startswith(base):
                rest = iri[len(base):]
                return self.forward[WIKIDATA_ROOT + "entity/"], rest if _ID_RE.match(rest) else "\0" + rest
        for ns in self._ordered:
            if iri.startswith(ns):
                return self.forward[ns], iri[len(ns):] if ns in self.id_namespaces else "\0" + iri[len(ns):]
        return None

    def query(self, text: str) -> Translated:
        tokens = tokenize(text)
        declared: dict[str, str] = {}
        for i, t in enumerate(tokens[:-2]):
            if t.is_kw("PREFIX") and tokens[i + 1].kind == "pname" and tokens[i + 2].kind == "iri":
                declared[tokens[i + 1].text.rstrip(":")] = tokens[i + 2].text[1:-1]
        prefixes = {**STANDARD_PREFIXES, **declared}
        edits: list[Edit] = []
        out = Translated(text)
        missing: dict[str, int] = {}
        in_values = _values_tokens(tokens)
        for i, t in enumerate(tokens):
            if t.kind not in ("pname", "iri") or (i and tokens[i - 1].is_kw("PREFIX")) or (
                i > 1 and tokens[i - 2].is_kw("PREFIX")
            ):
                continue
            if t.kind == "iri":
                iri = t.text[1:-1]
            else:
                pre, local = t.text.split(":", 1)
                if pre not in prefixes:
                    continue
                iri = prefixes[pre] + local
            split = self._split(iri)
            if split is None:
                continue
            namespace, local = split
            if local.startswith("\0"):  # statements, values, references: the namespace only
                edits.append(Edit(t.start, t.end, f"<{namespace}{local[1:]}>"))
                continue
            if not _ID_RE.match(local):
                continue
            wiki_id = self.idmap.get(local)
            if wiki_id is None and i in in_values:
                # a value the wiki has no entity for (a region's countries, say) matches nothing there
                out.unmatched.setdefault(local, t.line)
                edits.append(Edit(t.start, t.end, f"<{UNMAPPED}{local}>"))
                continue
            if wiki_id is None:
                missing.setdefault(local, t.line)
                continue
            out.ids.setdefault(local, (wiki_id, t.line))
            edits.append(Edit(t.start, t.end, f"<{namespace}{wiki_id}>"))
        if missing:
            where = "; ".join(f"{i} (line {line})" for i, line in sorted(missing.items()))
            raise InputError(
                f"the query names ids the id map{' ' + str(self.idmap.path) if self.idmap.path else ''} lacks: "
                f"{where}; hint: run `glamkg wikibase bootstrap` (properties and classes) or load the items "
                "to that wiki first, or give the map of the wiki the endpoint serves (--idmap FILE)"
            )
        out.text = apply_edits(text, edits, keep_lines=False)
        return out

    # -- the answer -------------------------------------------------------------------------------------
    def iri_back(self, iri: str) -> str:
        """A wiki IRI -> the Wikidata (or glamkg-local) IRI of the same thing; other IRIs unchanged."""
        for ns in self._ordered_back:
            if iri.startswith(ns):
                local = iri[len(ns):]
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

    def results(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """SPARQL JSON results with the wiki's entity IRIs turned back into Wikidata's (glamkg's)."""
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
        return out
