"""Linking a load to items that exist elsewhere: rows to a remote Wikibase, item cells by name.

**Rows** (:meth:`Linker.rows`): a row that :mod:`kg.load.reconcile` found nowhere in the store (a ``new``
match; with ``ask_local``, for a QuickStatements file, also a row matched to a local item of the store) is
asked of the remote service (:mod:`kg.load.remote`) with its label, the classes of its kind, its country and
its identifiers (ISIL, Commons category, website: ``schemas/reconcile.yaml``). The ONE strong
candidate (:func:`kg.load.remote.decide`) is linked (the match says ``wikidata 100``); no candidate at all
keeps the new local item (``new: not on Wikidata`` when the service is Wikidata's: only such items may be
created by ``--target quickstatements --create-new``); several candidates, or weak ones, are a question for
the review file and a problem at the row's label cell.

**Item cells by name** (:meth:`Linker.cells`): a cell of a column listed in ``by_name`` that holds no id
(``Rijksmuseum``, ``NL-AmRM``) is looked up, in order: the review file's answer; an identifier that one item
of the store has; the labels of the store's items and of this load's rows (of the kinds the column takes,
narrowed by the row's country when that leaves any); then the remote service, with the same rules as rows.
One item: the cell gets its id. Several: one problem at the cell listing them, and a question in the review
file. None: one problem at the cell.

The review file's answers (:mod:`kg.load.review`) come first everywhere, so each name is decided once.

A Wikibase with ids of its own is asked through :class:`kg.load.remote.Renumbered` (the id map): candidates and
answers are glamkg's ids where the map knows them; a link to the wiki's own item goes through
:meth:`kg.load.remote.Renumbered.adopt`, which records it in the map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from kg.i18n import _, ngettext
from kg.load.mapping import MappedRow, MappedValue
from kg.load.problems import Problem
from kg.load.reconcile import Index, Match, normalise_label
from kg.load.reconcile_settings import settings
from kg.load.remote import NOT_ON_WIKIDATA, Candidate, Question, Service, decide
from kg.load.review import NEW, Review
from kg.load.review import Question as ReviewQuestion
from kg.model import ids
from kg.model.schema import model
from kg.model.values import ItemRef
from kg.progress import SILENT, Progress

SHOWN = 5  # candidates named in a problem


@dataclass
class Linker:
    """Links rows and named cells of one load; collects problems and review questions."""

    index: Index
    service: Service | None = None
    review: Review = field(default_factory=Review)
    threshold: float = field(default_factory=lambda: settings().threshold)
    file: str = ""
    problems: list[Problem] = field(default_factory=list)
    asked: int = 0
    # also ask about rows matched to LOCAL items of the store (a QuickStatements file cannot use local ids;
    # the store keeps its own local items)
    ask_local: bool = False
    # remote look-ups show as a phase of their own (``asking <service>``, one unit per distinct question)
    progress: Progress = SILENT

    # -- helpers ------------------------------------------------------------------------------------------
    def _where(self) -> str:
        return self.service.name if self.service else _("the store")

    def _review_hint(self) -> str:
        p = self.review.path
        if p is None:
            return _("put the right Q-id in the cell, or run with --review FILE to decide in a review file")
        return _("mark one line (or `new`) in the pick column of {file} and run again with --review "
                 "{file}").format(file=p)

    def _new_how(self) -> str:
        return NOT_ON_WIKIDATA if self.service is not None and self.service.wikidata else "new"

    def _matched_how(self, c: Candidate) -> str:
        who = "wikidata" if self.service is not None and self.service.wikidata else "remote"
        return f"{who} {c.score:g}"

    def _adopt(self, item_id: str) -> str:
        """The id a row or cell is linked to (a service of a wiki with its own ids records its items in the map)."""
        return self.service.adopt(item_id) if self.service is not None else item_id

    def _ask(self, questions: list[Question]) -> list[list[Candidate]]:
        """The service's candidates per question; a question asked by several rows or cells is sent once."""
        if not questions or self.service is None:
            return [[] for _ in questions]
        unique = list(dict.fromkeys(questions))
        self.asked += len(unique)
        self.progress.phase(f"asking {self.service.name}", len(unique))
        answers = dict(zip(unique, self.service.ask(unique, self.progress.advance), strict=True))
        return [answers[q] for q in questions]

    def _undecided(self, row: int, column: str, text: str, countries: Sequence[str], cands: list[Candidate]) -> None:
        self.review.ask(ReviewQuestion(self.file, row, column, text, tuple(countries), cands))
        shown = "; ".join(c.text() for c in cands[:SHOWN]) + (
            _("; and {n} more").format(n=len(cands) - SHOWN) if len(cands) > SHOWN else ""
        )
        expected = (_("one item named {text!r} in {countries} ({where})") if countries
                    else _("one item named {text!r} ({where})"))
        self.problems.append(
            Problem(
                self.file,
                row,
                column,
                expected.format(text=text, countries=", ".join(countries), where=self._where()),
                ngettext("{n} candidate: {shown}", "{n} candidates: {shown}", len(cands)).format(
                    n=len(cands), shown=shown),
                self._review_hint(),
            )
        )

    # -- rows -----------------------------------------------------------------------------------------------
    def rows(self, kind: str, rows: Sequence[MappedRow], matches: list[Match]) -> list[Match]:
        """``matches`` with the rows that are new to the store linked where the review or the service says."""
        by_row = {r.number: r for r in rows}
        classes = settings().classes_of([kind])
        out: list[Match] = []
        waiting: list[tuple[int, MappedRow, str, Question]] = []
        for match in matches:
            r = by_row.get(match.row)
            lang = _language(r) if r is not None else None
            unknown = match.how == "new" or (self.ask_local and ids.is_local(match.id))
            if not unknown or r is None or lang is None:
                out.append(match)
                continue
            text, col = r.labels[lang], r.columns.get(f"label:{lang}", "label")
            countries = _countries(r)
            answer = self.review.answer(col, text, countries)
            if answer == NEW:
                out.append(replace(match, how=self._new_how()))
            elif answer:
                out.append(Match(match.row, self._adopt(answer), "review"))
            else:
                if self.service is not None:
                    idents = tuple(
                        (c.pid, str(c.value))
                        for c in r.claims
                        if c.pid in settings().identifiers and isinstance(c.value, str)
                    )
                    waiting.append((len(out), r, col, Question(text, classes, tuple(countries), idents, lang)))
                out.append(match)
        answers = self._ask([q for *_, q in waiting])
        for (i, r, col, q), cands in zip(waiting, answers, strict=True):
            best = decide(cands, self.threshold)
            if best is not None:
                out[i] = Match(r.number, self._adopt(best.id), self._matched_how(best))
            elif not cands:
                out[i] = replace(out[i], how=self._new_how())
            else:
                self._undecided(r.number, col, q.text, q.countries, cands)
        # an item linked for two rows, or for a row and another row's store match (the reconciler's own matches
        # are unique already): the second row is the problem
        first: dict[str, int] = {}
        kept = []
        for match in out:
            if match.id in first:
                r = by_row[match.row]
                col = next((c for k, c in r.columns.items() if k.startswith("label:")), "label")
                self.problems.append(
                    Problem(
                        self.file,
                        match.row,
                        col,
                        _("one row per item"),
                        _("the same item as row {row} ({id}, matched by {how})").format(
                            row=first[match.id], id=match.id, how=match.how),
                        _("merge the two rows, or pick another candidate in the review file"),
                    )
                )
                continue
            first.setdefault(match.id, match.row)
            kept.append(match)
        return kept

    # -- item cells by name -------------------------------------------------------------------------------
    def cells(self, kind: str, rows: Sequence[MappedRow], matches: Sequence[Match]) -> None:
        """Give every named cell of ``rows`` its item id (added to the row's claims) or a problem."""
        s = settings()
        ids_of_row = {mt.row: mt.id for mt in matches}
        load_labels: dict[str, set[str]] = {}
        for r in rows:
            if r.number in ids_of_row:
                for text in r.labels.values():
                    load_labels.setdefault(normalise_label(text), set()).add(ids_of_row[r.number])
        waiting: list[tuple[MappedRow, str, str, Question]] = []
        for r in rows:
            countries = _countries(r)
            for pid, text, col in r.names:
                kinds = s.by_name.get(pid, ())
                answer = self.review.answer(col, text, countries)
                if answer == NEW:
                    self.problems.append(
                        Problem(
                            self.file,
                            r.number,
                            col,
                            _("an existing item for a named cell"),
                            _("{text!r} answered `new`").format(text=text),
                            _("a cell cannot create an item: load it first (as a row of its kind), then name it"),
                        )
                    )
                    continue
                if answer:
                    r.claims.append(MappedValue(pid, ItemRef(self._adopt(answer)), col))
                    continue
                local = self._local(text, kinds, countries, load_labels if (not kinds or kind in kinds) else {})
                if len(local) == 1:
                    r.claims.append(MappedValue(pid, ItemRef(next(iter(local))), col))
                elif local:
                    cands = [Candidate(i, text, _("in the store or this load"), 100.0) for i in sorted(local)]
                    self._undecided(r.number, col, text, countries, cands)
                elif self.service is not None:
                    idents = ((model().prop("isil").id, text),) if s.isil_pattern.match(text) else ()
                    q = Question(text, s.classes_of(kinds), tuple(countries), idents)
                    waiting.append((r, col, pid, q))
                else:
                    self._not_found(r.number, col, text)
        answers = self._ask([q for *_, q in waiting])
        for (r, col, pid, q), cands in zip(waiting, answers, strict=True):
            best = decide(cands, self.threshold)
            if best is not None:
                r.claims.append(MappedValue(pid, ItemRef(self._adopt(best.id)), col))
            elif cands:
                self._undecided(r.number, col, q.text, q.countries, cands)
            else:
                self._not_found(r.number, col, q.text)

    def _not_found(self, row: int, col: str, text: str) -> None:
        where = (_("the store, this load or {service}").format(service=self.service.name) if self.service
                 else _("the store or this load"))
        hint = (_("write the item's Q-id, or load the item first") if self.service else
                _("write the item's Q-id, or load the item first, or run with --reconcile wikidata to look it up on "
                  "Wikidata"))
        self.problems.append(
            Problem(
                self.file,
                row,
                col,
                _("an item id like Q55, or the label or identifier of one item in {where}").format(where=where),
                repr(text),
                hint,
            )
        )

    def _local(
        self, text: str, kinds: Sequence[str], countries: Sequence[str], load_labels: dict[str, set[str]]
    ) -> set[str]:
        idx = self.index
        for p in model().properties.values():
            hits = idx.external.get((p.id, text.strip())) if p.datatype == "external-id" else None
            if hits:
                return set(hits)
        norm = normalise_label(text)
        classes = set(settings().classes_of(kinds))
        found = {i for i in idx.labels.get(norm, set()) if not classes or idx.classes.get(i, set()) & classes}
        found |= load_labels.get(norm, set())
        if countries and len(found) > 1:
            narrowed = {i for i in found if idx.countries.get(i, set()) & set(countries)}
            if narrowed:
                found = narrowed
        return found


def _language(r: MappedRow) -> str | None:
    """The language of the label a row is asked by: English when it has one, else its first."""
    if not r.labels:
        return None
    return "en" if r.labels.get("en") else next(iter(r.labels))


def _countries(r: MappedRow) -> list[str]:
    pid = model().prop("country").id
    return sorted({v.id for v in r.values(pid) if isinstance(v, ItemRef)})
