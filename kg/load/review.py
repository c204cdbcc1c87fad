"""The review file: the reconciliation questions a load could not decide, and the volunteer's answers.

A CSV file (UTF-8 with a byte-order mark, so Excel opens it right), one line per candidate::

    file,row,column,text,country,candidate,label,description,score,pick
    musea.csv,12,naam,Stadsmuseum,Q55,Q2104151,Stadsmuseum Zwolle,museum in Zwolle,80,
    musea.csv,12,naam,Stadsmuseum,Q55,Q1000521,Stadsmuseum,museum in Tiel,80,x
    musea.csv,12,naam,Stadsmuseum,Q55,new,,(none of these: a new item),,

A question is the lines with the same ``column``, ``text`` and ``country``. The volunteer marks ONE line of
each question in ``pick`` (any mark: ``x``, ``yes``, ``1``), or adds a line with the right id in
``candidate`` and marks that; ``new`` says "none of these". The next run (``--review FILE``) applies every
answer wherever the same name appears in that column (so each name is decided once), writes back the
questions still open and keeps the answered ones. ``file`` and ``row`` say where the name was seen first.
Without ``--review`` the file is ``<sheet name>.review.csv`` next to the sheet (:func:`default_path`).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg import outfile
from kg.errors import InputError, read_text
from kg.i18n import _
from kg.load.reconcile import normalise_label
from kg.load.remote import Candidate
from kg.model import ids

COLUMNS = ("file", "row", "column", "text", "country", "candidate", "label", "description", "score", "pick")
NEW = "new"
Key = tuple[str, str, str]


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def default_path(sheet: str | Path) -> tuple[Path, str | None]:
    """Where the review file of a load of ``sheet`` lives when ``--review`` is not given, and a note when it
    is not the usual place: ``<sheet name>.review.csv`` next to the sheet (the volunteer finds the two side by
    side, whatever folder the command ran in); in the current folder when the sheet's folder is not writable
    (a shared or read-only folder)."""
    p = Path(sheet)
    beside = p.with_name(p.stem + ".review.csv")
    if _writable(p.parent):
        return beside, None
    here = Path.cwd() / beside.name
    return here, _("{folder} (the folder of {name}) is not writable, so the review file is {here}").format(
        folder=p.parent, name=p.name, here=here)


def key(column: str, text: str, countries: Sequence[str] = ()) -> Key:
    return (column.strip(), normalise_label(text), ",".join(sorted(countries)))


@dataclass
class Question:
    file: str
    row: int
    column: str
    text: str
    countries: tuple[str, ...]
    candidates: list[Candidate]

    @property
    def key(self) -> Key:
        return key(self.column, self.text, self.countries)


@dataclass
class Review:
    """Answers read from a review file, and the questions of this run (written back by :meth:`write`)."""

    path: Path | None = None
    answers: dict[Key, str] = field(default_factory=dict)  # id or "new"
    lines: list[dict[str, str]] = field(default_factory=list)  # answered lines, kept as they were
    questions: dict[Key, Question] = field(default_factory=dict)

    @classmethod
    def read(cls, path: str | Path) -> Review:
        """The answers in ``path`` (a file that does not exist yet has none: this run writes it)."""
        p = Path(path)
        review = cls(p)
        if not p.exists():
            return review
        text = read_text(p, _("a review file (CSV)"))
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        missing = [c for c in ("column", "text", "candidate", "pick") if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                _("{p}: expected a review file with the columns {COLUMNS}, found {columns} (missing {missing})").format(
                    p=p, COLUMNS=", ".join(COLUMNS), columns=", ".join(reader.fieldnames or []) or _("no header"),
                    missing=", ".join(missing))
            )
        picks: dict[Key, tuple[int, str]] = {}
        groups: dict[Key, list[dict[str, str]]] = {}
        for n, raw in enumerate(reader, start=2):
            line = {c: (raw.get(c) or "").strip() for c in COLUMNS}
            k = key(line["column"], line["text"], [c for c in line["country"].split(",") if c])
            groups.setdefault(k, []).append(line)
            if not line["pick"]:
                continue
            cand = line["candidate"]
            if cand.lower() != NEW and not ids.is_id(cand, kinds="Q"):
                raise InputError(
                    _("{p}: line {n}, column 'candidate': expected an item id like Q190804 or `new` on a picked "
                      "line, found {cand!r}").format(p=p, n=n, cand=cand)
                )
            if k in picks and picks[k][1] != cand:
                raise InputError(
                    _("{p}: line {n}: expected one pick for {text!r} in column {column!r}, found two (line {first}: "
                      "{first_pick}, line {n}: {cand}); hint: keep one mark in `pick`").format(
                        p=p, n=n, text=line['text'], column=line['column'], first=picks[k][0], first_pick=picks[k][1],
                        cand=cand)
                )
            picks[k] = (n, NEW if cand.lower() == NEW else cand)
        for k, (_line, cand) in picks.items():
            review.answers[k] = cand
            review.lines.extend(groups[k])
        return review

    def answer(self, column: str, text: str, countries: Sequence[str] = ()) -> str | None:
        """The volunteer's answer (an id or ``new``) for this name in this column, or None."""
        return self.answers.get(key(column, text, countries))

    def ask(self, q: Question) -> None:
        self.questions.setdefault(q.key, q)

    def write(self, path: str | Path | None = None) -> Path | None:
        """Write the answered lines and this run's open questions; nothing when there is neither."""
        p = Path(path) if path is not None else self.path
        if p is None or not (self.lines or self.questions):
            return None
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for line in self.lines:
            w.writerow(line)
        for q in self.questions.values():
            if q.key in self.answers:
                continue
            base = {
                "file": q.file,
                "row": str(q.row),
                "column": q.column,
                "text": q.text,
                "country": ",".join(q.countries),
            }
            for c in q.candidates:
                w.writerow(
                    {
                        **base,
                        "candidate": c.id,
                        "label": c.label,
                        "description": c.description,
                        "score": f"{c.score:g}",
                        "pick": "",
                    }
                )
            w.writerow(
                {**base, "candidate": NEW, "label": "", "description": _("(none of these)"), "score": "", "pick": ""}
            )
        outfile.write_text(p, "\ufeff" + buf.getvalue(), what=_("review file"))
        return p
