"""The model in schemas/ is the single source of ids; these tests keep it coherent."""

import re
from pathlib import Path

from kg.model import ids
from kg.model.schema import DATATYPES, markdown, model


def test_every_property_is_well_formed():
    m = model()
    seen = {}
    for key, p in m.properties.items():
        assert ids.is_id(p.id, kinds="P"), key
        assert p.datatype in DATATYPES, key
        assert p.label and p.description, key
        assert set(p.kinds) <= set(m.kinds), key
        assert set(p.required) <= set(p.kinds), f"{key}: required for a kind that does not use it"
        assert p.id not in seen, f"{key} and {seen.get(p.id)} share {p.id}"
        seen[p.id] = key


def test_every_class_and_value_has_a_valid_item_id():
    m = model()
    for key, c in {**m.classes, **m.values}.items():
        assert ids.is_id(c.id, kinds="Q"), key
        local = ids.is_local(c.id)
        assert local == (c.checked == "local"), f"{key}: local ids and checked: local go together"


def test_kinds_name_their_class_property_and_classes():
    m = model()
    for kind in m.kinds.values():
        assert kind.class_property in m.properties
        assert kind.allowed_classes
        assert m.prop(kind.class_property).id == "P31"
        # every kind requires its class property
        assert kind.key in m.prop(kind.class_property).required


def test_unchecked_ids_are_listed_so_someone_can_check_them():
    """The schema must say which ids were not checked against a public source."""
    m = model()
    statuses = {p.checked for p in m.properties.values()} | {c.checked for c in m.classes.values()}
    statuses |= {c.checked for c in m.values.values()}
    assert statuses <= {"two-sources", "one-source", "unnamed-only", "unchecked", "local"}
    weak = [c for c in [*m.properties.values(), *m.classes.values(), *m.values.values()]
            if c.checked in ("unchecked", "unnamed-only")]
    unchecked = sorted(c.id for c in weak)
    assert unchecked, "the model has ids with unnamed sources only (Q16735822, ...): the doc must list them"
    doc = (Path(__file__).resolve().parents[1] / "docs" / "model.md").read_text(encoding="utf-8")
    section = doc.split("## Not yet checked", 1)[1]
    for pid in unchecked:
        assert re.search(rf"\b{pid}\b", section), f"{pid} is unchecked but docs/model.md does not list it"


def test_model_doc_is_generated_from_the_schema():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "model.md").read_text(encoding="utf-8")
    assert doc == markdown(), "docs/model.md is stale: run `python -m kg.model.schema > docs/model.md`"


def test_lookup_errors_name_the_known_keys():
    import pytest

    with pytest.raises(KeyError, match="country"):
        model().prop("countri")
    assert model().prop_by_id("P17").key == "country"
    assert model().prop_by_id("P999999") is None


def test_prefixes_are_data_and_export_prefixes_are_wdqs_ones() -> None:
    from kg.model import schema
    wdqs = schema.prefixes("wdqs")
    assert wdqs["wd"] == "http://www.wikidata.org/entity/" and wdqs["bd"] == "http://www.bigdata.com/rdf#"
    export = schema.prefixes("store_export")
    assert list(export)[:2] == ["wd", "wds"]
    assert all(wdqs[k] == v for k, v in export.items())
