"""kg.load.reconcile: id, external id, label + country (+ type); ambiguity reported; stable minted ids."""

from __future__ import annotations

import pytest

from kg.load.mapping import MappedRow, MappedValue
from kg.load.reconcile import Index, Reconciler, mint_id, normalise_label
from kg.model import ids
from kg.model.entities import Claim, Record, to_json
from kg.model.schema import model
from kg.model.values import ItemRef
from kg.store import Store, raw

M = model()
P31, P17, ISIL = M.prop("instance_of").id, M.prop("country").id, M.prop("isil").id
MUSEUM, LIBRARY = M.cls("museum").id, M.cls("library").id


def row(
    n: int,
    label: str | None = None,
    *,
    country: str | None = "Q55",
    cls: str | None = MUSEUM,
    isil: str | None = None,
    qid: str | None = None,
) -> MappedRow:
    r = MappedRow(n, id=qid, labels={"en": label} if label else {})
    r.columns = {"label:en": "label_en", "id": "id", ISIL: "isil"}
    if cls:
        r.claims.append(MappedValue(P31, ItemRef(cls), "instance_of"))
    if country:
        r.claims.append(MappedValue(P17, ItemRef(country), "country"))
    if isil:
        r.claims.append(MappedValue(ISIL, isil, "isil"))
    return r


@pytest.fixture
def store() -> Store:
    st = Store.memory()
    ents = [
        Record(
            "Q190804",
            "institution",
            labels={"en": "Rijksmuseum", "nl": "Rijksmuseum"},
            claims=[Claim("instance_of", MUSEUM), Claim("country", "Q55"), Claim("isil", "NL-AmRM")],
        ),
        Record(
            "Q1000000000501",
            "institution",
            labels={"en": "Stadsmuseum"},
            claims=[Claim("instance_of", MUSEUM), Claim("country", "Q55")],
        ),
        Record(
            "Q1000000000502",
            "institution",
            labels={"en": "Stadsmuseum"},
            claims=[Claim("instance_of", MUSEUM), Claim("country", "Q55")],
        ),
        Record(
            "Q1000000000503",
            "institution",
            labels={"en": "Musée d'Orsay"},
            claims=[Claim("instance_of", MUSEUM), Claim("country", "Q142")],
        ),
        Record(
            "Q1000000000504",
            "institution",
            labels={"en": "Musee d Orsay"},
            claims=[Claim("instance_of", LIBRARY), Claim("country", "Q142")],
        ),
        Record(
            "Q1000000000505",
            "institution",
            labels={"en": "Twin"},
            claims=[Claim("instance_of", MUSEUM), Claim("country", "Q55"), Claim("isil", "NL-Twin")],
        ),
        Record(
            "Q1000000000506",
            "institution",
            labels={"en": "Twin 2"},
            claims=[Claim("instance_of", MUSEUM), Claim("country", "Q55"), Claim("isil", "NL-Twin")],
        ),
    ]
    st.write_entities([to_json(r) for r in ents])
    return st


def test_normalise_label() -> None:
    assert normalise_label("  Musée d'Orsay! ") == "musee d orsay"
    assert normalise_label("RIJKS–MUSEUM") == "rijks museum"
    assert normalise_label("Straße") == "strasse"


def test_index_from_store(store: Store) -> None:
    idx = Index.from_store(raw(store))
    assert idx.external[(ISIL, "NL-AmRM")] == {"Q190804"}
    assert idx.labels["stadsmuseum"] == {"Q1000000000501", "Q1000000000502"}
    assert idx.countries["Q190804"] == {"Q55"}
    assert idx.classes["Q1000000000504"] == {LIBRARY}


def reconcile(store: Store, rows: list[MappedRow], kind: str = "institution") -> tuple[list, list]:
    rec = Reconciler(Index.from_store(raw(store)), kind, file="f.csv")
    matches = rec.reconcile(rows)
    return [(m.row, m.id, m.how) for m in matches], rec.problems


def test_rules_in_order(store: Store) -> None:
    matches, problems = reconcile(
        store,
        [
            row(2, "Something else", qid="Q190804"),  # id column wins
            row(3, "Not the name", isil="NL-AmRM", country=None),  # ISIL
            row(4, "rijksMUSEUM!"),  # normalised label + country
            row(5, "Musée d’Orsay", country="Q142"),  # accents and punctuation; the library has another class
        ],
    )
    assert matches == [(2, "Q190804", "qid"), (5, "Q1000000000503", "label")]
    assert [p.row for p in problems] == [3, 4]  # rows 3 and 4 are the Rijksmuseum again: duplicates


def test_matches_without_duplicates(store: Store) -> None:
    matches, problems = reconcile(store, [row(3, "Not the name", isil="NL-AmRM", country=None)])
    assert (matches, problems) == ([(3, "Q190804", "external-id:isil")], [])
    matches, problems = reconcile(store, [row(4, "rijksMUSEUM!")])
    assert (matches, problems) == ([(4, "Q190804", "label")], [])
    matches, problems = reconcile(store, [row(5, "Musée d’Orsay", country="Q142")])
    assert (matches, problems) == ([(5, "Q1000000000503", "label")], [])  # type narrows the two candidates


def test_two_rows_for_one_item_are_reported(store: Store) -> None:
    matches, problems = reconcile(store, [row(2, "Rijksmuseum"), row(7, "Other", isil="NL-AmRM")])
    assert matches == [(2, "Q190804", "label")]
    (p,) = problems
    assert p.row == 7 and "row 2" in p.found


def test_ambiguous_label_is_reported_not_guessed(store: Store) -> None:
    matches, problems = reconcile(store, [row(9, "Stadsmuseum")])
    assert matches == []
    (p,) = problems
    assert (p.row, p.column) == (9, "label_en")
    assert "Q1000000000501" in p.found and "Q1000000000502" in p.found
    assert "ambiguous" in p.hint


def test_ambiguous_external_id_and_conflicts(store: Store) -> None:
    _, problems = reconcile(store, [row(2, "X", isil="NL-Twin")])
    assert [(p.row, p.column) for p in problems] == [(2, "isil")]
    _, problems = reconcile(store, [row(3, "X", qid="Q1000000000501", isil="NL-AmRM")])
    (p,) = problems
    assert p.row == 3 and "Q190804" in p.found


def test_other_country_or_kind_is_a_new_item(store: Store) -> None:
    matches, problems = reconcile(store, [row(2, "Stadsmuseum", country="Q31")])
    assert problems == [] and matches[0][2] == "new"
    matches, problems = reconcile(
        store, [row(2, "Rijksmuseum", cls=M.cls("glam_partnership").id, country=None)], kind="partnership"
    )
    assert problems == [] and matches[0][2] == "new"


def test_minted_ids_are_stable_and_local(store: Store) -> None:
    rows = [row(2, "Nieuw Museum"), row(3, "Ander Museum", isil="NL-New")]
    first, _ = reconcile(store, rows)
    again, _ = reconcile(store, list(reversed(rows)))
    assert sorted(first) == sorted(again)
    for _, eid, how in first:
        assert how == "new" and ids.is_local(eid)
    # the same name twice in one sheet: one item, the second row reported
    matches, problems = reconcile(store, [row(2, "Nieuw Museum"), row(5, "nieuw museum")])
    assert len(matches) == 1 and [p.row for p in problems] == [5]


def test_mint_collision_rehashes() -> None:
    a = mint_id("k", set())
    b = mint_id("k", {a})
    assert a != b and ids.is_local(b)
    assert mint_id("k", {a}) == b


def test_ascii_labels_normalise_as_the_unicode_path_does() -> None:
    """ASCII labels take a table look-up instead of unicodedata: the same result. A trailing "é" sends the same text
    through the unicode path (NFKD: e + a combining accent, dropped), a trailing "e" through the ASCII one."""
    import random

    rnd = random.Random(7)
    texts = ["".join(chr(c) for c in range(128)), "  Musee d'Orsay! ", "A\tB\x7fC_D-E.F", "x"]
    texts += ["".join(chr(rnd.randrange(128)) for _ in range(rnd.randrange(1, 12))) for _ in range(3000)]
    for text in texts:
        assert normalise_label(text + "e") == normalise_label(text + "\u00e9"), repr(text)
    assert normalise_label("  Musée d'Orsay! ") == normalise_label("  Musee d'ORSAY! ") == "musee d orsay"
