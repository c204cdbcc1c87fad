"""schemas/model.yaml against ../shared/wikidata-ids.md (ids and labels checked in named public sources): every
Wikidata id of the model is listed there, with the model's English label, and the model's `checked` level is the
confidence that file gives; no model id is one the file knows to mean something else; local classes are the
concepts the file did not find (or found with one source only)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.model import ids
from kg.model.schema import model

IDS_FILE = Path(__file__).resolve().parents[1].parent / "shared" / "wikidata-ids.md"
pytestmark = pytest.mark.skipif(
    not IDS_FILE.exists(), reason=f"{IDS_FILE} is absent (the project's shared material sits beside the checkout)"
)
LEVELS = {"two": "two-sources", "one named source": "one-source", "unnamed": "unnamed-only"}


def listed() -> tuple[dict[str, tuple[str, str]], set[str]]:
    """id -> (English label, checked level) of sections 2 to 5; and the ids of section 7 (other meanings)."""
    found: dict[str, tuple[str, str]] = {}
    other: set[str] = set()
    section = ""
    for line in IDS_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:5]
        m = re.match(r"^\| ([PQ][1-9]\d*) \| ([^|]*) \|.*\| ([^|]*) \|$", line)
        if not m:
            continue
        if section.startswith("7"):
            other.add(m.group(1))
        elif section[0] in "2345":
            label = m.group(2).split(" (")[0].strip().strip('"')
            confidence = m.group(3).strip().lower()
            level = next((v for k, v in LEVELS.items() if confidence.startswith(k)), f"unknown: {confidence}")
            found[m.group(1)] = (label, level)
    return found, other


def entries() -> list[tuple[str, str, str, str]]:
    m = model()
    every = [*m.properties.values(), *m.classes.values(), *m.values.values()]
    return [(e.key, e.id, e.label, e.checked) for e in every]


def test_the_file_is_read() -> None:
    found, other = listed()
    assert len(found) > 50 and "P31" in found and "Q2668072" in other


@pytest.mark.parametrize("entry", entries(), ids=lambda e: f"{e[0]} {e[1]}")
def test_every_model_id_is_checked_in_the_shared_list(entry: tuple[str, str, str, str]) -> None:
    key, eid, label, checked = entry
    found, other = listed()
    assert eid not in other, f"{key}: {eid} means something else on Wikidata (section 7 of {IDS_FILE.name})"
    if ids.is_local(eid):
        assert checked == "local", key
        return
    assert eid in found, f"{key}: {eid} is not in {IDS_FILE.name}: check it in two public sources, or make it local"
    file_label, level = found[eid]
    assert label.casefold() == file_label.casefold(), f"{key}: label {label!r}, {IDS_FILE.name} says {file_label!r}"
    assert checked == level, f"{key}: checked: {checked}, {IDS_FILE.name} gives {level}"
