"""A small store for the dashboard tests, written through the normal path (kg.model.entities records ->
kg.store), whose figures are worked out by hand below, independently of kg.dashboard.data and kg.gaps.

Countries: Netherlands (Q55) and Germany (Q183) in Europe, Namibia (Q1030) in Africa, Brazil (Q155) in the
Americas.

Institutions (6):            country  coordinates  ISIL  inception  website
  I1 Museum Amsterdam museum   NL       yes          yes   1800       yes
  I2 Library Utrecht  library  NL       yes          -     -          -
  I3 Archive Berlin   archives DE       yes          -     1950       yes
  I4 Museum Köln      museum   DE       -            -     -          -
  I5 Museum Windhoek  museum   NA       yes          yes   1958       -
  I6 Library Recife   library  BR       yes          -     -          yes
Partner organisations: O1 Wikimedia Nederland (chapter), O2 Wikimedia Namibia (user group).
Partnerships: P1 GLAM partnership, I1 + O1, 2019-2021; P2 edit-a-thon, I1 + I3 + O1, 2020-;
              P3 content donation, I5 + O2, 2022-2023.
Contributions: C1 (P1, media upload, 120, 2020), C2 (P2, article writing, 15, 2021),
               C3 (P3, Wikidata items, 300, 2022), C4 (P3, media upload, 5, 2023).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from kg.model import ids
from kg.model.entities import Claim, Record, to_json
from kg.model.schema import model
from kg.model.values import Coordinate, Quantity, Time

BASE = 7_000_000  # local ids kg.model.ids.local_id(BASE + k): far from demo and load ids


def qid(k: int) -> str:
    return ids.local_id(BASE + k)


I1, I2, I3, I4, I5, I6 = (qid(k) for k in range(1, 7))
O1, O2 = qid(11), qid(12)
P1, P2, P3 = qid(21), qid(22), qid(23)
C1, C2, C3, C4 = qid(31), qid(32), qid(33), qid(34)

NL, DE, NA, BR = "Q55", "Q183", "Q1030", "Q155"
# class ids from the model (some are local classes whose ids the model owns)
MUSEUM, LIBRARY, ARCHIVES = (model().cls(k).id for k in ("museum", "library", "archives"))
CHAPTER, USER_GROUP = (model().cls(k).id for k in ("wikimedia_chapter", "wikimedia_user_group"))
GLAM_PARTNERSHIP, EDIT_A_THON, CONTENT_DONATION = (
    model().cls(k).id for k in ("glam_partnership", "edit_a_thon", "content_donation")
)
MEDIA_UPLOAD, ARTICLE_WRITING, ITEM_CREATION = (
    model().cls(k).id for k in ("media_upload", "article_writing", "wikidata_item_creation")
)

# (id, label, class, country, (lat, lon) | None, ISIL | None, inception | None, website | None)
INSTITUTIONS = [
    (I1, "Museum Amsterdam", MUSEUM, NL, (52.36, 4.885), "NL-AmTST", "1800", "https://museum.example/a"),
    (I2, "Library Utrecht", LIBRARY, NL, (52.09, 5.12), None, None, None),
    (I3, "Archive Berlin", ARCHIVES, DE, (52.52, 13.40), None, "1950", "https://archive.example/b"),
    (I4, "Museum Köln", MUSEUM, DE, None, None, None, None),
    (I5, "Museum Windhoek", MUSEUM, NA, (-22.56, 17.08), "NA-WiTST", "1958", None),
    (I6, "Library Recife", LIBRARY, BR, (-8.05, -34.88), None, None, "https://library.example/r"),
]
PARTNERS = [(O1, "Wikimedia Nederland", CHAPTER, NL), (O2, "Wikimedia Namibia", USER_GROUP, NA)]
# (id, label, class, participants, start, end)
PARTNERSHIPS = [
    (P1, "Amsterdam GLAM partnership", GLAM_PARTNERSHIP, [I1, O1], "2019", "2021"),
    (P2, "Amsterdam-Berlin edit-a-thon", EDIT_A_THON, [I1, I3, O1], "2020", None),
    (P3, "Windhoek content donation", CONTENT_DONATION, [I5, O2], "2022", "2023"),
]
# (id, class, partnership, quantity, year)
CONTRIBUTIONS = [
    (C1, MEDIA_UPLOAD, P1, 120, "2020"),
    (C2, ARTICLE_WRITING, P2, 15, "2021"),
    (C3, ITEM_CREATION, P3, 300, "2022"),
    (C4, MEDIA_UPLOAD, P3, 5, "2023"),
]
LABEL = "dashboard test fixture"


def records() -> list[Record]:
    out = []
    for q, label, cls, country, coords, isil, inception, website in INSTITUTIONS:
        claims = [Claim("instance_of", cls), Claim("country", country)]
        if coords:
            claims.append(Claim("coordinates", Coordinate(*coords)))
        if isil:
            claims.append(Claim("isil", isil))
        if inception:
            claims.append(Claim("inception", Time(inception)))
        if website:
            claims.append(Claim("website", website))
        out.append(Record(q, "institution", labels={"en": label}, claims=claims))
    for q, label, cls, country in PARTNERS:
        out.append(Record(q, "partner", labels={"en": label},
                          claims=[Claim("instance_of", cls), Claim("country", country)]))
    for q, label, cls, participants, start, end in PARTNERSHIPS:
        claims = [Claim("instance_of", cls), *[Claim("participant", p) for p in participants],
                  Claim("start_time", Time(start))]
        if end:
            claims.append(Claim("end_time", Time(end)))
        out.append(Record(q, "partnership", labels={"en": label}, claims=claims))
    for q, cls, partnership, amount, year in CONTRIBUTIONS:
        out.append(Record(q, "contribution", labels={"en": f"contribution {q}"}, claims=[
            Claim("instance_of", cls), Claim("part_of", partnership), Claim("quantity", Quantity(amount)),
            Claim("point_in_time", Time(year)),
        ]))
    return out


def build_store(path: Path) -> Path:
    """Write the fixture into a new store at ``path``; labelled as synthetic test data."""
    from kg.store import Store

    with Store.open(path) as store:
        store.write_entities([to_json(r) for r in records()])
        store.set_meta("label", LABEL)
        store.set_meta("synthetic", True)
    return path


def stop(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """End a server process the tests started: terminate, then kill if it does not stop within 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
