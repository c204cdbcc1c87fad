"""Values of the store's metadata graph (``glamkg:meta``): Python values <-> typed RDF literals.

Owns nothing else; used by :mod:`kg.store.store` for the write log and :meth:`~kg.store.Store.set_meta`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pyoxigraph as ox

from kg.errors import InputError
from kg.i18n import _

_XSD = "http://www.w3.org/2001/XMLSchema#"


def to_literal(value: Any) -> ox.Literal:
    """A metadata value as the literal the store keeps (text, integer, double, boolean, dateTime)."""
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(_XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(_XSD + "integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(_XSD + "double"))
    if isinstance(value, _dt.datetime):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(_XSD + "dateTime"))
    if isinstance(value, str):
        return ox.Literal(value)
    raise InputError(_("store metadata values are text, numbers, booleans or datetimes; found {found}").format(
        found=type(value).__name__))


def to_python(term: Any) -> Any:
    """What :func:`to_literal` stored, back as a Python value (IRIs as their text)."""
    if not isinstance(term, ox.Literal):
        return term.value
    dt = term.datatype.value
    if dt == _XSD + "boolean":
        return term.value == "true"
    if dt == _XSD + "integer":
        return int(term.value)
    if dt == _XSD + "double":
        return float(term.value)
    return term.value
