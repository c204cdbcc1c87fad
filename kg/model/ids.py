"""Entity ids and entity IRIs: parsed and validated here, and nowhere else.

Wikibase ids are ``Q<n>`` (items), ``P<n>`` (properties) and ``L<n>`` (lexemes), n a positive integer
without leading zeros. glamkg mints ids for local-only items as Q-ids at or above
``schemas/model.yaml: local_id_min``; they live under the local concept base, all other ids under
Wikidata's.

    >>> parse_id("Q42")
    EntityId(letter='Q', number=42)
    >>> entity_iri("Q42")
    'http://www.wikidata.org/entity/Q42'
    >>> id_from_iri("http://www.wikidata.org/entity/P31")
    'P31'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg import config
from kg.errors import InputError
from kg.i18n import _
from kg.model.schema import model

_ID_RE = re.compile(r"^([QPL])([1-9][0-9]*)$")
_ANY_ID_RE = re.compile(r"([QPL])([1-9][0-9]*)$")

ENTITY_TYPES = {"Q": "item", "P": "property", "L": "lexeme"}
LETTERS = {v: k for k, v in ENTITY_TYPES.items()}


class InvalidId(ValueError):
    """An entity id or IRI that is not of the expected form."""


@dataclass(frozen=True, order=True)
class EntityId:
    letter: str
    number: int

    def __str__(self) -> str:
        return f"{self.letter}{self.number}"

    @property
    def entity_type(self) -> str:
        return ENTITY_TYPES[self.letter]


def parse_id(value: str, *, kinds: str = "QPL") -> EntityId:
    """Parse ``Q42`` / ``P31`` / ``L7``; ``kinds`` limits the letters accepted."""
    if not isinstance(value, str):
        raise InvalidId(_("expected an entity id like Q42, found {value} ({type})").format(
            value=repr(value), type=type(value).__name__))
    m = _ID_RE.match(value.strip())
    if not m or m.group(1) not in kinds:
        wanted = _(" or ").join(f"{k}<number>" for k in kinds)
        if value.strip()[:1].lower() in "qpl" and value.strip()[1:].isdigit():
            raise InvalidId(_("expected an entity id {wanted}, found {value} (ids are upper case and have no leading "
                              "zeros)").format(wanted=wanted, value=repr(value)))
        raise InvalidId(_("expected an entity id {wanted}, found {value}").format(wanted=wanted, value=repr(value)))
    return EntityId(m.group(1), int(m.group(2)))


def is_id(value: object, *, kinds: str = "QPL") -> bool:
    if not isinstance(value, str):
        return False
    m = _ID_RE.match(value)
    return bool(m and m.group(1) in kinds)


def item_id(value: str) -> str:
    """Validated item id (``Q...``) as a string."""
    return str(parse_id(value, kinds="Q"))


def property_id(value: str) -> str:
    """Validated property id (``P...``) as a string."""
    return str(parse_id(value, kinds="P"))


def from_numeric(entity_type: str, numeric_id: int) -> str:
    """Id from the storage-JSON shape ``{"entity-type": "item", "numeric-id": 42}``."""
    letter = LETTERS.get(entity_type)
    if letter is None:
        raise InvalidId(_("expected entity-type item, property or lexeme, found {found}").format(
            found=repr(entity_type)))
    if not isinstance(numeric_id, int) or isinstance(numeric_id, bool) or numeric_id < 1:
        raise InvalidId(_("expected a positive integer numeric-id, found {found}").format(found=repr(numeric_id)))
    return f"{letter}{numeric_id}"


def local_id_min() -> int:
    return model().local_id_min


def is_local(value: str) -> bool:
    """True for ids in glamkg's local id space (items that are not on Wikidata)."""
    eid = parse_id(value)
    return eid.letter == "Q" and eid.number >= local_id_min()


def local_id(n: int) -> str:
    """The n-th local item id (n >= 0)."""
    if n < 0:
        raise InvalidId(_("expected a non-negative local id offset, found {found}").format(found=n))
    return f"Q{local_id_min() + n}"


def wikidata_concept_base() -> str:
    return model().namespaces["wikidata_concept_base"]


_BASE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+/$")


def local_concept_base() -> str:
    """The local concept base: ``$GLAMKG_CONCEPT_BASE`` or the model's (checked: it is written into queries)."""
    base = config.setting("concept_base") or model().namespaces["local_concept_base"]
    if base not in _GOOD_BASES and not _BASE.match(base):
        raise InputError(
            _("GLAMKG_CONCEPT_BASE: expected an http(s) IRI ending in '/' with no spaces, quotes or <>, found {found}")
            .format(found=repr(base))
        )
    if len(_GOOD_BASES) < 16:
        _GOOD_BASES.add(base)
    return base


#: Concept bases already checked (the setting is read on every call: tests and users may change it)
_GOOD_BASES: set[str] = set()


def concept_base_for(value: str) -> str:
    return local_concept_base() if is_local(value) else wikidata_concept_base()


def entity_iri(value: str) -> str:
    """The concept IRI of an entity id: Wikidata's, or the local base for local ids."""
    eid = parse_id(value)  # parsed once (is_local would parse it again: a load asks this for every row)
    local = eid.letter == "Q" and eid.number >= local_id_min()
    return (local_concept_base() if local else wikidata_concept_base()) + f"{eid.letter}{eid.number}"


def id_from_iri(iri: str) -> str:
    """The id at the end of a Wikidata or local entity IRI."""
    for base in (wikidata_concept_base(), local_concept_base(), "https://www.wikidata.org/entity/"):
        if iri.startswith(base):
            rest = iri[len(base) :]
            if _ID_RE.match(rest):
                return rest
    raise InvalidId(
        _("expected an entity IRI like {wikidata}Q42 or {local}Q..., found {found}").format(
            wikidata=wikidata_concept_base(), local=local_concept_base(), found=repr(iri))
    )


def try_id_from_iri(iri: str) -> str | None:
    """Like :func:`id_from_iri` but returns None for other IRIs (no exception)."""
    try:
        return id_from_iri(iri)
    except InvalidId:
        return None


def shorten(iri: str) -> str:
    """Entity IRI -> id; any other IRI is returned unchanged."""
    return try_id_from_iri(iri) or iri
