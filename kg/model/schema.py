"""The glamkg data model, read once from ``schemas/model.yaml``.

Everything that needs a property id, a datatype, a class or a label asks this module::

    >>> from kg.model.schema import model
    >>> model().prop("country").id
    'P17'
    >>> model().prop_by_id("P625").datatype
    'globe-coordinate'
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kg.config import resource_dir
from kg.i18n import _

SCHEMA_DIR = resource_dir("schemas")
# libyaml's parser where PyYAML has it (its wheels do): the same documents, about ten times faster to read,
# which every command pays at start-up (the model, the prefixes)
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The Wikibase datatypes glamkg can convert to RDF (kg.rdf) and validate.
DATATYPES = frozenset(
    {
        "wikibase-item",
        "wikibase-property",
        "wikibase-lexeme",
        "wikibase-form",
        "wikibase-sense",
        "string",
        "external-id",
        "url",
        "commonsMedia",
        "geo-shape",
        "tabular-data",
        "monolingualtext",
        "time",
        "quantity",
        "globe-coordinate",
        "math",
        "musical-notation",
        "entity-schema",
    }
)


class SchemaError(ValueError):
    """The schema file itself is wrong (a bug in schemas/, not in user input)."""


@dataclass(frozen=True)
class Property:
    key: str
    id: str
    datatype: str
    label: str
    description: str
    kinds: tuple[str, ...]
    required: tuple[str, ...]
    checked: str
    unknowable: tuple[str, ...] = ()  # kinds for which a required value may be "unknown value" (somevalue)
    minimum: str | None = None  # properties outside the model: the smallest amount allowed (counts)


@dataclass(frozen=True)
class ItemClass:
    key: str
    id: str
    label: str
    checked: str


@dataclass(frozen=True)
class ItemKind:
    key: str
    label: str
    description: str
    class_property: str
    allowed_classes: tuple[str, ...]


@dataclass(frozen=True)
class Model:
    properties: dict[str, Property]
    classes: dict[str, ItemClass]
    values: dict[str, ItemClass]
    kinds: dict[str, ItemKind]
    namespaces: dict[str, str]
    local_id_min: int
    by_id: dict[str, Property]
    known: dict[str, Property] = field(default_factory=dict)  # outside the model: schemas/properties.yaml

    def known_prop(self, pid: str) -> Property | None:
        """A property of the model or of ``schemas/properties.yaml``, by id (None: glamkg does not know it)."""
        return self.by_id.get(pid) or self.known.get(pid)

    def prop(self, key: str) -> Property:
        try:
            return self.properties[key]
        except KeyError:
            raise KeyError(f"unknown property key {key!r}; known: {', '.join(sorted(self.properties))}") from None

    def prop_by_id(self, pid: str) -> Property | None:
        return self.by_id.get(pid)

    def cls(self, key: str) -> ItemClass:
        try:
            return self.classes[key]
        except KeyError:
            raise KeyError(f"unknown class key {key!r}; known: {', '.join(sorted(self.classes))}") from None

    def value(self, key: str) -> ItemClass:
        return self.values[key]

    def kind(self, key: str) -> ItemKind:
        try:
            return self.kinds[key]
        except KeyError:
            raise KeyError(f"unknown item kind {key!r}; known: {', '.join(sorted(self.kinds))}") from None

    def props_for_kind(self, kind: str) -> list[Property]:
        return [p for p in self.properties.values() if kind in p.kinds]

    def datatypes(self) -> dict[str, str]:
        """Property id -> datatype, for every property in the model."""
        return {p.id: p.datatype for p in self.properties.values()}


def _item_class(key: str, raw: dict[str, object]) -> ItemClass:
    return ItemClass(key, str(raw["id"]), str(raw["label"]), str(raw.get("checked", "unchecked")))


def _load(path: Path) -> Model:
    raw: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    props = {}
    for key, p in raw["properties"].items():
        if p["datatype"] not in DATATYPES:
            raise SchemaError(_("{file}: property {key}: unknown datatype {found}").format(
                file=path, key=key, found=repr(p["datatype"])))
        props[key] = Property(
            key=key,
            id=p["id"],
            datatype=p["datatype"],
            label=p["label"],
            description=p.get("description", ""),
            kinds=tuple(p.get("kinds", [])),
            required=tuple(p.get("required", [])),
            checked=str(p.get("checked", "unchecked")),
            unknowable=tuple(p.get("unknowable", [])),
        )
        if set(props[key].unknowable) - set(props[key].required):
            raise SchemaError(_("{file}: property {key}: unknowable kinds must be among its required kinds").format(
                file=path, key=key))
    classes = {k: _item_class(k, c) for k, c in raw["classes"].items()}
    values = {k: _item_class(k, c) for k, c in raw["values"].items()}
    kinds = {}
    for key, k in raw["item_kinds"].items():
        for c in k["allowed_classes"]:
            if c not in classes:
                raise SchemaError(_("{file}: item kind {key}: unknown class {found}").format(
                    file=path, key=key, found=repr(c)))
        kinds[key] = ItemKind(
            key=key,
            label=k["label"],
            description=k["description"],
            class_property=k["class_property"],
            allowed_classes=tuple(k["allowed_classes"]),
        )
    return Model(
        properties=props,
        classes=classes,
        values=values,
        kinds=kinds,
        namespaces=dict(raw["namespaces"]),
        local_id_min=int(raw["local_id_min"]),
        by_id={p.id: p for p in props.values()},
        known=_known(path.parent / "properties.yaml", {p.id for p in props.values()}),
    )


def _known(path: Path, in_model: set[str]) -> dict[str, Property]:
    """``schemas/properties.yaml``: properties outside the model that mappings may name, by id."""
    if not path.is_file():
        return {}
    raw: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    out = {}
    for pid, p in (raw.get("properties") or {}).items():
        if p["datatype"] not in DATATYPES or pid in in_model:
            raise SchemaError(_("{file}: property {key}: unknown datatype or already in model.yaml").format(
                file=path, key=pid))
        minimum = p.get("minimum")
        out[str(pid)] = Property(
            key=str(pid),
            id=str(pid),
            datatype=p["datatype"],
            label=str(p["label"]),
            description="",
            kinds=(),
            required=(),
            checked=str(p.get("checked", "unchecked")),
            minimum=None if minimum is None else str(minimum),
        )
    return out


@functools.cache
def model(path: Path | None = None) -> Model:
    """The model, loaded once per process."""
    return _load(path or SCHEMA_DIR / "model.yaml")


@functools.cache
def prefixes(which: str = "wdqs") -> dict[str, str]:
    """Namespace prefixes from ``schemas/prefixes.yaml``: ``"wdqs"`` (every prefix Wikidata's query service
    declares), ``"store_export"`` (those written into Turtle exports, in that order), or ``"xpath_functions"``
    (XPath function -> SPARQL built-in, for Blazegraph's ``fn:``)."""
    raw = yaml.load((SCHEMA_DIR / "prefixes.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    wdqs = {str(k): str(v) for k, v in raw["wdqs"].items()}
    if which == "wdqs":
        return wdqs
    if which == "xpath_functions":  # not prefixes: XPath function name -> SPARQL built-in
        return {str(k): str(v) for k, v in raw[which].items()}
    return {k: wdqs[k] for k in raw[which]}


def markdown(m: Model | None = None) -> str:
    """``docs/model.md``, generated from the schema (``python -m kg.model.schema > docs/model.md``)."""
    m = m or model()
    out = [
        "# The data model",
        "",
        "Generated from `schemas/model.yaml` by `python -m kg.model.schema > docs/model.md`; a test keeps it in step.",
        "",
        "`checked`, from `../shared/wikidata-ids.md` (its sources named there): `two-sources` = two or more",
        "independent named sources agree on the id and its English label; `one-source` = one named source;",
        "`unnamed-only` = only copies of public code whose repository could not be named (**check on wikidata.org**",
        "before an edit to Wikidata); `local` = a class that exists only in glamkg (Wikidata's not found with",
        "evidence). `unchecked` (none today) = from the authors' knowledge, not yet checked.",
        "",
        "## Item kinds",
        "",
        "| kind | label | classes (P31) | required properties |",
        "|---|---|---|---|",
    ]
    for k in m.kinds.values():
        req = ", ".join(
            f"`{p.key}` ({p.id}{', or unknown' if k.key in p.unknowable else ''})"
            for p in m.properties.values()
            if k.key in p.required
        )
        classes = ", ".join(f"`{c}`" for c in k.allowed_classes)
        out.append(f"| `{k.key}` | {k.label} | {classes} | {req} |")
    out += ["", "## Properties", "", "| key | id | datatype | label | kinds | checked |", "|---|---|---|---|---|---|"]
    for p in m.properties.values():
        out.append(
            f"| `{p.key}` | {p.id} | {p.datatype} | {p.label} | {', '.join(p.kinds) or '(reference/query)'} "
            f"| {p.checked} |"
        )
    out += ["", "## Classes and values", "", "| key | id | label | checked |", "|---|---|---|---|"]
    for c in [*m.classes.values(), *m.values.values()]:
        out.append(f"| `{c.key}` | {c.id} | {c.label} | {c.checked} |")
    out += [
        "",
        '"or unknown": a sheet may write `unknown` for it ("unknown value", somevalue): `unknowable` in the model.',
        "",
        "## Properties outside the model that mappings may name",
        "",
        "From `schemas/properties.yaml` (any other property id in a mapping is refused: its datatype is unknown).",
        "",
        "| id | datatype | label | minimum | checked |",
        "|---|---|---|---|---|",
    ]
    for p in m.known.values():
        minimum = p.minimum if p.minimum is not None else ""
        out.append(f"| {p.id} | {p.datatype} | {p.label} | {minimum} | {p.checked} |")
    weak = ("unchecked", "unnamed-only")
    unchecked = [p.id for p in m.properties.values() if p.checked in weak]
    unchecked += [c.id for c in [*m.classes.values(), *m.values.values()] if c.checked in weak]
    out += ["", "## Not yet checked on wikidata.org (unnamed sources only)", "", ", ".join(unchecked), ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown(), end="")
