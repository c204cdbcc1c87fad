"""The kinds of partnership evidence, read once from ``schemas/evidence.yaml`` (rules as data; docs/evidence.md).

A partnership item belongs to exactly one kind: the first kind whose ``partnership_classes`` holds one of its
instance-of classes, else the catch-all kind::

    >>> from kg.model import evidence
    >>> [k.key for k in evidence.kinds()][:2]
    ['residence', 'commons_institution_page']
    >>> evidence.choose("residence, commons_category")
    ('residence', 'commons_category')
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kg.errors import InputError
from kg.i18n import _
from kg.model.schema import SAFE_LOADER, SCHEMA_DIR, SchemaError, model

STRENGTHS = ("dated", "undated")


@dataclass(frozen=True)
class Kind:
    """One named evidence rule."""

    key: str
    label: str
    short: str  # column head
    strength: str  # dated | undated
    partnership_classes: tuple[str, ...]  # class keys of schemas/model.yaml
    catch_all: bool
    import_name: str | None  # `glamkg import wikidata --evidence NAME`, or None
    proves: str
    does_not_prove: str
    brought_in_by: str = ""  # the command that writes it when it is not an evidence import

    def class_ids(self) -> tuple[str, ...]:
        return tuple(model().cls(c).id for c in self.partnership_classes)


@dataclass(frozen=True)
class AffiliateClass:
    model_class: str
    wikidata_class: str | None
    checked: str


@dataclass(frozen=True)
class Rules:
    kinds: tuple[Kind, ...]
    imports: dict[str, dict[str, Any]]
    affiliate_classes: tuple[AffiliateClass, ...]


def _load(path: Path) -> Rules:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    m = model()
    partnership_classes = set(m.kind("partnership").allowed_classes)
    kinds = []
    for key, k in raw["kinds"].items():
        for c in k["partnership_classes"]:
            if c not in partnership_classes:
                raise SchemaError(_("{file}: kind {key}: {found} is not a partnership class of schemas/model.yaml")
                                  .format(file=path, key=key, found=repr(c)))
        if k["strength"] not in STRENGTHS:
            raise SchemaError(_("{file}: kind {key}: strength must be one of {choices}, found {found}").format(
                file=path, key=key, choices=", ".join(STRENGTHS), found=repr(k["strength"])))
        kinds.append(
            Kind(
                key=str(key),
                label=str(k["label"]),
                short=str(k.get("short") or k["label"]),
                strength=str(k["strength"]),
                partnership_classes=tuple(k["partnership_classes"]),
                catch_all=bool(k.get("catch_all", False)),
                import_name=k.get("import"),
                brought_in_by=str(k.get("brought_in_by") or ""),
                proves=str(k["proves"]).strip(),
                does_not_prove=str(k["does_not_prove"]).strip(),
            )
        )
    if sum(k.catch_all for k in kinds) != 1:
        raise SchemaError(_("{file}: expected exactly one kind with catch_all: true").format(file=path))
    imports = {str(n): dict(v) for n, v in raw["imports"].items()}
    for k in kinds:
        if k.import_name is not None and k.import_name not in imports:
            raise SchemaError(_("{file}: kind {key}: import {found} is not under imports").format(
                file=path, key=k.key, found=repr(k.import_name)))
    affiliates = tuple(
        AffiliateClass(str(a["model_class"]), a.get("wikidata_class"), str(a["checked"]))
        for a in imports.get("affiliates", {}).get("classes", [])
    )
    for a in affiliates:
        if a.model_class not in m.kind("partner").allowed_classes:
            raise SchemaError(_("{file}: affiliates: {found} is not a partner class of schemas/model.yaml").format(
                file=path, found=repr(a.model_class)))
    return Rules(tuple(kinds), imports, affiliates)


@functools.cache
def rules(path: Path | None = None) -> Rules:
    return _load(path or SCHEMA_DIR / "evidence.yaml")


def kinds() -> tuple[Kind, ...]:
    return rules().kinds


def kind(key: str) -> Kind:
    for k in kinds():
        if k.key == key:
            return k
    raise KeyError(key)


def kind_keys() -> tuple[str, ...]:
    return tuple(k.key for k in kinds())


def import_names() -> tuple[str, ...]:
    return tuple(rules().imports)


def catch_all() -> Kind:
    return next(k for k in kinds() if k.catch_all)


def class_kinds() -> dict[str, str]:
    """Class id -> the kind it makes a partnership (the first kind that names the class wins)."""
    out: dict[str, str] = {}
    for k in kinds():
        for cid in k.class_ids():
            out.setdefault(cid, k.key)
    return out


def kind_of(class_ids: Iterable[str]) -> str:
    """The kind of a partnership whose instance-of classes are ``class_ids``."""
    by_class = class_kinds()
    found = {by_class[c] for c in class_ids if c in by_class}
    for k in kinds():
        if k.key in found:
            return k.key
    return catch_all().key


def _split(value: str | Sequence[str] | None) -> list[str]:
    items = [value] if isinstance(value, str) else list(value or [])
    return [p.strip().lower() for v in items for p in str(v).split(",") if p.strip()]


def choose(value: str | Sequence[str] | None, *, option: str = "--evidence") -> tuple[str, ...]:
    """Evidence kinds chosen by a user (``"residence,commons_category"``, a list, or ``all``/empty: every
    kind), validated, in the rules' order."""
    chosen = _split(value)
    if not chosen or chosen == ["all"]:
        return kind_keys()
    unknown = [c for c in chosen if c not in kind_keys()]
    if unknown:
        raise InputError(
            _("{option}: expected evidence kinds among {choices} or all (schemas/evidence.yaml), found {found}")
            .format(option=option, choices=", ".join(kind_keys()), found=", ".join(repr(u) for u in unknown))
        )
    return tuple(k for k in kind_keys() if k in chosen)


def choose_imports(value: str | Sequence[str] | None, *, option: str = "--evidence") -> tuple[str, ...]:
    """Evidence imports chosen by a user (``"residence,commons,affiliates"`` or ``all``), validated."""
    chosen = _split(value)
    if chosen == ["all"]:
        return import_names()
    unknown = [c for c in chosen if c not in import_names()]
    if unknown or not chosen:
        raise InputError(
            _("{option}: expected evidence to import among {choices} or all (schemas/evidence.yaml), found {found}")
            .format(option=option, choices=", ".join(import_names()),
                    found=", ".join(repr(u) for u in unknown) or _("nothing"))
        )
    return tuple(n for n in import_names() if n in chosen)


def describe(chosen: Sequence[str]) -> str:
    """``"Wikimedian in residence (dated), Commons category (undated)"``: the kinds an output counted."""
    return ", ".join(f"{kind(k).label} ({kind(k).strength})" for k in chosen) or "none"
