"""QuickStatements v1 target: exact lines for a fixture plan; never a local id; local items reported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.load.plan import Plan, PlanItem, StatementChange, TermChange, plan_item
from kg.load.targets.base import Target
from kg.load.targets.quickstatements import QuickStatementsTarget, Unrepresentable, render, value_text
from kg.model.entities import Claim, Record, to_json
from kg.model.schema import model
from kg.model.values import Coordinate, Quantity, Time

REF = [("reference_url", "https://example.org/glam.csv"), ("retrieved", "2026-11-24")]
LOCAL = "Q1000000000042"


def _statement(prop: str, value: object, **kw: object) -> dict:
    """One statement of a throwaway record, as kg.model.entities makes it."""
    record = Record("Q190804", "institution", claims=[Claim(prop, value, **kw)])  # type: ignore[arg-type]
    claims = to_json(record)["claims"]
    return next(iter(claims.values()))[0]


def _monolingual(text: str, lang: str) -> dict:
    # P1448 (official name) is not in the model: build the snak by hand, as the API returns it.
    return {
        "mainsnak": {
            "snaktype": "value",
            "property": "P1448",
            "datatype": "monolingualtext",
            "datavalue": {"type": "monolingualtext", "value": {"text": text, "language": lang}},
        },
        "type": "statement",
        "rank": "normal",
        "id": "Q190804$mono",
    }


def fixture_plan() -> Plan:
    old_site = _statement("website", "http://old.example.org/")
    old_site["id"] = "Q190804$old-site"
    new_site = _statement("website", "https://www.rijksmuseum.nl/", references=[REF])
    commons = _statement("commons_category", "Rijksmuseum Amsterdam")
    preferred = _statement("country", "Q29999", rank="preferred")
    museum = PlanItem(
        id="Q190804",
        action="update",
        kind="institution",
        label="Rijksmuseum",
        entity={"id": "Q190804"},
        rows=[2],
        match="qid",
        terms=[
            TermChange("add", "label", "en", None, "Rijksmuseum"),
            TermChange("change", "description", "en", "museum", "national museum of the Netherlands"),
            TermChange("add", "alias", "en", None, "Rijks"),
            TermChange("unchanged", "label", "nl", "Rijksmuseum", "Rijksmuseum"),
            TermChange("remove", "label", "de", "Rijksmuseum", None),
        ],
        statements=[
            StatementChange("add", "P17", None, _statement("country", "Q55", references=[REF])),
            StatementChange(
                "add",
                "P571",
                None,
                _statement("inception", Time("1800-05"), qualifiers=[("point_in_time", Time("1798"))]),
            ),
            StatementChange("add", "P625", None, _statement("coordinates", Coordinate(52.36, 4.885))),
            StatementChange("add", "P1114", None, _statement("quantity", Quantity("425007"))),
            StatementChange("add", "P1082", None, _statement("population", Quantity("6.09", "Q11573", "6.08", "6.10"))),
            StatementChange("add", "P1448", None, _monolingual("Rijksmuseum Amsterdam", "nl")),
            StatementChange("change", "P856", old_site, new_site),
            StatementChange("remove", "P373", commons, None),
            StatementChange("add", "P710", None, _statement("participant", LOCAL)),
            StatementChange("add", "P17", None, preferred),
            StatementChange(
                "unchanged", "P31", _statement("instance_of", "Q33506"), _statement("instance_of", "Q33506")
            ),
            StatementChange("add", "P576", None, _statement("dissolved", Time("1582-10-04", calendar="julian"))),
        ],
    )
    user_group = model().cls("wikimedia_user_group").id  # a local-only class (Q1000000000013)
    local = plan_item(
        to_json(Record(LOCAL, "partner", labels={"en": "Wiki Club"}, claims=[Claim("instance_of", user_group)])),
        None,
        kind="partner",
        rows=[3],
    )
    same = to_json(Record("Q42", "partner", labels={"en": "Same"}))
    unchanged = plan_item(same, same, kind="partner", rows=[4])
    return Plan(items=[museum, local, unchanged], source="glam.csv", kind="institution", target="quickstatements")


EXPECTED = [
    'Q190804\tLen\t"Rijksmuseum"',
    'Q190804\tDen\t"national museum of the Netherlands"',
    'Q190804\tAen\t"Rijks"',
    'Q190804\tP17\tQ55\tS854\t"https://example.org/glam.csv"\tS813\t+2026-11-24T00:00:00Z/11',
    "Q190804\tP571\t+1800-05-00T00:00:00Z/10\tP585\t+1798-00-00T00:00:00Z/9",
    "Q190804\tP625\t@52.36/4.885",
    "Q190804\tP1114\t425007",
    "Q190804\tP1082\t6.09~0.01U11573",
    'Q190804\tP1448\tnl:"Rijksmuseum Amsterdam"',
    '-Q190804\tP856\t"http://old.example.org/"',
    'Q190804\tP856\t"https://www.rijksmuseum.nl/"\tS854\t"https://example.org/glam.csv"\tS813\t+2026-11-24T00:00:00Z/11',
    '-Q190804\tP373\t"Rijksmuseum Amsterdam"',
    "Q190804\tP576\t+1582-10-04T00:00:00Z/11/J",
]


def test_exact_lines_for_the_fixture_plan(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()  # a missing folder is refused, as for every output (tests/test_outputs.py)
    target = QuickStatementsTarget(tmp_path / "out" / "edits.qs")
    assert isinstance(target, Target)
    seen: list[int] = []
    report = target.apply(fixture_plan(), progress=seen.append)
    text = (tmp_path / "out" / "edits.qs").read_text(encoding="utf-8")
    assert text.splitlines() == EXPECTED
    assert text.endswith("\n") and "\r" not in text
    assert report.output == str(tmp_path / "out" / "edits.qs")
    assert report.updated == ["Q190804"] and report.created == []
    assert report.unchanged == ["Q42"]
    assert sum(seen) == 3
    assert report.details["commands"] == len(EXPECTED)


def test_local_items_and_unwritable_edits_are_reported_not_dropped() -> None:
    _lines, report = render(fixture_plan())
    assert [i for i, _ in report.skipped] == [LOCAL]
    assert "local-only" in report.skipped[0][1] and "Wiki Club" in report.skipped[0][1]
    left = dict(report.details["skipped_edits"])
    assert "local-only item" in left["Q190804 P710 (add)"]
    assert "rank 'preferred'" in left["Q190804 P17 (add)"]
    assert "removing the label" in left["Q190804 label de"]


def test_no_line_ever_names_a_local_id() -> None:
    lines, _ = render(fixture_plan())
    for line in lines:
        for token in re.findall(r"Q\d+", line):
            assert int(token[1:]) < 10**12, line
    assert not any("CREATE" in line or "LAST" in line for line in lines)


@pytest.mark.parametrize(
    ("snak_value", "expected"),
    [
        ({"type": "string", "value": 'say "hi"'}, '"say "hi""'),
        ({"type": "quantity", "value": {"amount": "-12.50", "unit": "1"}}, "-12.50"),
        ({"type": "quantity", "value": {"amount": "+3", "unit": "http://www.wikidata.org/entity/Q11573"}}, "3U11573"),
        (
            {"type": "globecoordinate", "value": {"latitude": -33.8688, "longitude": 151.2093, "precision": 0.0001}},
            "@-33.8688/151.2093",
        ),
        (
            {
                "type": "time",
                "value": {
                    "time": "+2021-00-00T00:00:00Z",
                    "precision": 9,
                    "calendarmodel": "http://www.wikidata.org/entity/Q1985727",
                },
            },
            "+2021-00-00T00:00:00Z/9",
        ),
    ],
)
def test_value_syntax(snak_value: dict, expected: str) -> None:
    assert value_text({"snaktype": "value", "property": "P1", "datavalue": snak_value}) == expected


def test_somevalue_and_novalue() -> None:
    assert value_text({"snaktype": "somevalue", "property": "P1"}) == "somevalue"
    assert value_text({"snaktype": "novalue", "property": "P1"}) == "novalue"


@pytest.mark.parametrize(
    ("datavalue", "reason"),
    [
        ({"type": "string", "value": "a\tb"}, "TAB"),
        ({"type": "string", "value": " padded"}, "spaces"),
        (
            {"type": "quantity", "value": {"amount": "10", "upperBound": "12", "lowerBound": "9", "unit": "1"}},
            "asymmetric",
        ),
        (
            {"type": "quantity", "value": {"amount": "10", "unit": "https://glamkg.invalid/entity/Q1000000000001"}},
            "not a Wikidata item",
        ),
        (
            {
                "type": "globecoordinate",
                "value": {"latitude": 1, "longitude": 2, "globe": "http://www.wikidata.org/entity/Q405"},
            },
            "not Earth",
        ),
        ({"type": "wikibase-entityid", "value": {"entity-type": "item", "id": LOCAL}}, "local-only"),
    ],
)
def test_unrepresentable_values_say_why(datavalue: dict, reason: str) -> None:
    with pytest.raises(Unrepresentable, match=reason):
        value_text({"snaktype": "value", "property": "P1", "datavalue": datavalue})


def test_existing_asks_the_reader_only_for_wikidata_ids(tmp_path: Path) -> None:
    asked: list[list[str]] = []

    def reader(wanted: list[str]) -> dict:
        asked.append(list(wanted))
        return {"Q42": {"id": "Q42", "claims": {}}}

    target = QuickStatementsTarget(tmp_path / "x.qs", reader=reader)
    out = target.existing(["Q42", LOCAL, "Q7"])
    assert asked == [["Q42", "Q7"]]
    assert out == {"Q42": {"id": "Q42", "claims": {}}, LOCAL: None, "Q7": None}
    assert QuickStatementsTarget(tmp_path / "y.qs").existing(["Q42"]) == {"Q42": None}


def test_wikidata_reader_reads_through_the_api_client(monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.load.targets import quickstatements, wikibase_api

    calls: list[tuple[str, list[str]]] = []

    def fake_get(self: wikibase_api.WikibaseApi, wanted: list[str], **kw: object) -> dict:
        calls.append((self.api_url, list(wanted)))
        return {i: None for i in wanted}

    monkeypatch.setattr(wikibase_api.WikibaseApi, "get_entities", fake_get)
    reader = quickstatements.wikidata_reader()
    target = QuickStatementsTarget("unused.qs", reader=reader)
    assert target.existing(["Q42", LOCAL]) == {"Q42": None, LOCAL: None}
    assert calls == [("https://www.wikidata.org/w/api.php", ["Q42"])]


def test_unread_wikidata_item_keeps_its_label_but_gets_statements() -> None:
    entity = to_json(
        Record(
            "Q190804",
            "institution",
            labels={"en": "Rijksmuseum"},
            aliases={"en": ["Rijks"]},
            claims=[Claim("country", "Q55")],
        )
    )
    plan = Plan(items=[plan_item(entity, None, kind="institution")])  # no reader: planned as "create"
    lines, report = render(plan)
    assert lines == ['Q190804\tAen\t"Rijks"', "Q190804\tP17\tQ55"]
    assert report.updated == ["Q190804"]
    assert "not overwritten" in dict(report.details["kept_terms"])["Q190804 label en"]
    assert report.details["skipped_edits"] == [] and report.skipped == []  # kept on purpose: nothing incomplete


def test_create_new_writes_create_last_only_for_items_wikidata_does_not_have() -> None:
    from kg.load.remote import NOT_ON_WIKIDATA

    def entity(eid: str, label: str, participant: str | None = None) -> dict:
        claims = [Claim("country", "Q55")] + ([Claim("participant", participant)] if participant else [])
        return to_json(Record(eid, "partnership", labels={"en": label}, claims=claims))

    checked = plan_item(entity(LOCAL, "Heemkundekring", "Q190804"), None, kind="partnership", match=NOT_ON_WIKIDATA)
    refers = plan_item(entity("Q1000000000043", "Refers", LOCAL), None, kind="partnership", match=NOT_ON_WIKIDATA)
    unchecked = plan_item(entity("Q1000000000044", "Never asked"), None, kind="partnership", match="new")
    plan = Plan(items=[checked, refers, unchecked])
    lines, report = render(plan, create_new=True)
    assert lines == [
        "CREATE",
        'LAST\tLen\t"Heemkundekring"',
        "LAST\tP17\tQ55",
        "LAST\tP710\tQ190804",
        "CREATE",
        'LAST\tLen\t"Refers"',
        "LAST\tP17\tQ55",
    ]
    assert report.created == [LOCAL, "Q1000000000043"]
    assert "not reconciled against Wikidata" in dict(report.skipped)["Q1000000000044"]
    assert "local-only item" in dict(report.details["skipped_edits"])["new item 'Refers' P710"]
    # without the flag nothing is created, and the way out is named
    lines, report = render(plan)
    assert lines == [] and report.created == []
    assert "run with --create-new" in dict(report.skipped)[LOCAL]
