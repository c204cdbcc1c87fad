"""What a remote target would refuse, found in the plan before anything is written.

The embedded store holds any value the model allows; a Wikibase (and Wikidata, through QuickStatements)
refuses some of them at write time: a URL whose scheme is not in the wiki's ``urlSchemes`` (so the
``file:<sheet name>`` reference URL of a sheet loaded without ``reference.url``), strings, URLs and terms
longer than its limits, and a new label that another item already has with the same description in the same
language. Met while writing, each of these skipped an item after placeholder items had been created; here
each is a located :class:`kg.load.problems.Problem` of the plan, so nothing is written.

The limits are data: ``schemas/targets.yaml`` (Wikibase's own defaults).

    >>> limits = Limits.for_target("wikibase")
    >>> limits.url_problem("file:musea.csv")
    ('a URL scheme this Wikibase accepts (bzr, cvs, ftp, git, http, https, irc, ircs, mailto, ssh, svn)', "'file'")
    >>> limits.url_problem("https://example.org/a.csv") is None
    True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import yaml

from kg.i18n import N_, _
from kg.load.plan import Plan, PlanItem
from kg.load.problems import Problem
from kg.model.schema import SCHEMA_DIR

Json = dict[str, Any]
TARGETS_YAML = SCHEMA_DIR / "targets.yaml"
REFERENCE_HINT = N_(
    "give the source's address: --reference-url https://... or `reference: {{url: https://...}}` in {mapping} "
    "(the store keeps file: references; a Wikibase and Wikidata do not)"
)


@dataclass(frozen=True)
class Limits:
    """One target's value constraints (``schemas/targets.yaml``)."""

    target: str
    url_schemes: tuple[str, ...]
    max_length: Mapping[str, int]

    @classmethod
    def for_target(cls, target: str) -> Limits:
        raw = _targets()[target]
        return cls(target, tuple(raw["url_schemes"]), dict(raw["max_length"]))

    def url_problem(self, url: str) -> tuple[str, str] | None:
        """Why the target refuses ``url``: (what it expected, what it found), or None."""
        scheme = urlsplit(url).scheme.lower() if ":" in url else ""
        if scheme not in self.url_schemes:
            return (
                _("a URL scheme this {target} accepts ({schemes})").format(
                    target=self._name(), schemes=", ".join(self.url_schemes)),
                repr(scheme or url[:40]),
            )
        return self.length_problem("url", url)

    def length_problem(self, kind: str, text: str) -> tuple[str, str] | None:
        limit = self.max_length.get(kind)
        if limit is not None and len(text) > limit:
            return _("at most {limit} characters (this {target}'s limit)").format(
                limit=limit, target=self._name()), str(len(text))
        return None

    def _name(self) -> str:
        return "Wikibase" if self.target == "wikibase" else self.target


@cache
def _targets() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(TARGETS_YAML.read_text(encoding="utf-8"))
    return raw


# -- walking a plan ------------------------------------------------------------------------------------------


def _snaks(statement: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(where, snak) of a statement: ``main``, ``qualifier``, ``reference``."""
    yield "main", statement.get("mainsnak") or {}
    for snaks in (statement.get("qualifiers") or {}).values():
        for s in snaks:
            yield "qualifier", s
    for ref in statement.get("references") or []:
        for snaks in (ref.get("snaks") or {}).values():
            for s in snaks:
                yield "reference", s


def _value_problem(limits: Limits, snak: Mapping[str, Any]) -> tuple[str, str] | None:
    if snak.get("snaktype") != "value":
        return None
    dv = snak.get("datavalue") or {}
    value = dv.get("value")
    datatype = snak.get("datatype")
    if datatype == "url" and isinstance(value, str):
        return limits.url_problem(value)
    if dv.get("type") == "string" and isinstance(value, str):
        return limits.length_problem("string", value)
    if dv.get("type") == "monolingualtext" and isinstance(value, Mapping):
        return limits.length_problem("monolingualtext", str(value.get("text", "")))
    return None


def _written_statements(item: PlanItem) -> Iterator[tuple[str, Json]]:
    for change in item.changes():
        if change.new is not None:
            yield change.prop, change.new


def value_problems(plan: Plan, limits: Limits, *, file: str, columns: Mapping[str, str]) -> list[Problem]:
    """Every value the plan would write that the target refuses; ``columns``: property id -> sheet column.

    A refused reference (the same on every row) is one problem for the whole file, not one per row."""
    problems: list[Problem] = []
    refused_refs: dict[str, tuple[str, str]] = {}
    for item in plan.to_write():
        row = item.rows[0] if item.rows else None
        for prop, st in _written_statements(item):
            for where, snak in _snaks(st):
                why = _value_problem(limits, snak)
                if why is None:
                    continue
                value = str((snak.get("datavalue") or {}).get("value"))
                if where == "reference":
                    refused_refs.setdefault(value, why)
                    continue
                expected, found = why
                problems.append(
                    Problem(file, row, columns.get(str(snak.get("property") or prop)), expected,
                            _("{found} in {value!r}").format(found=found, value=value[:80]),
                            _("fix the cell; {target} would refuse the edit").format(target=limits.target))
                )
        for term in item.terms:
            if term.action in ("add", "change") and term.new:
                why = limits.length_problem("term", term.new)
                if why is not None:
                    expected, found = why
                    problems.append(Problem(file, row, None, _("a {term}@{language} of {expected}").format(
                        term=term.term, language=term.language, expected=expected), found))
    for url, why in refused_refs.items():
        expected, found = why
        problems.append(
            Problem(file, None, None, _("a source reference URL with {expected}").format(
                                          expected=expected), _("{found} in {value!r}").format(found=found, value=url),
                    _(REFERENCE_HINT).format(mapping=_mapping_named(plan)))
        )
    return problems


def _mapping_named(plan: Plan) -> str:
    """The user's mapping file the plan was made with (its ``meta``), or "a mapping file" when none was given."""
    named = str(plan.meta.get("mapping") or "")
    return named if named not in ("", "template", "mapping") else _("a mapping file")


def _after(item: PlanItem, field: str) -> dict[str, str]:
    return {lang: str(v.get("value", "")) for lang, v in (item.entity.get(field) or {}).items() if v.get("value")}


def term_pairs(item: PlanItem) -> dict[str, tuple[str, str]]:
    """Language -> (label, description) the item has after the write, for languages with both."""
    labels, descriptions = _after(item, "labels"), _after(item, "descriptions")
    return {lang: (labels[lang], descriptions[lang]) for lang in labels if lang in descriptions}


def touches_terms(item: PlanItem) -> bool:
    """Whether the write sets a label or description (the only edits a label+description conflict can stop)."""
    return item.action == "create" or any(
        t.term in ("label", "description") and t.action in ("add", "change") for t in item.terms
    )


def duplicate_terms(plan: Plan, *, file: str) -> list[Problem]:
    """Items of the same plan that would share a label and a description in one language."""
    seen: dict[tuple[str, str, str], PlanItem] = {}
    problems: list[Problem] = []
    for item in plan.to_write():
        if not touches_terms(item):
            continue
        for lang, (label, desc) in sorted(term_pairs(item).items()):
            first = seen.setdefault((lang, label, desc), item)
            if first is not item:
                problems.append(
                    Problem(
                        file,
                        item.rows[0] if item.rows else None,
                        None,
                        _("a label and description in {lang!r} that no other item has").format(lang=lang),
                        _("{label!r} / {desc!r}, as on row {value}").format(
                            label=label, desc=desc, value=first.rows[0] if first.rows else '?'),
                        _("a Wikibase refuses two items with the same label and description: make the descriptions "
                          "differ (for example add the city), or merge the rows"),
                    )
                )
    return problems
