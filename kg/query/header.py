"""The comment header of a query file: glamkg's own keys, and the magic comments of the WDQS user interface.

Two kinds of ``#`` lines can start a ``.rq`` file:

- **glamkg's saved-query header** (``# title:``, ``# description:``, ``# param:``, ``# view:``, parsed by
  :func:`kg.query.saved.parse`). A file is a saved query when its header has a key only glamkg uses:
  ``description``, ``param`` or ``view``; then the header must be complete and well formed.
- **WDQS magic comments** (``#title:``, ``#defaultView:Map``, ``#defaultEmbed:``, and any other ``#word:``
  line the WDQS user interface writes). They are comments: they never make a file invalid. ``title``
  becomes the result's title, ``defaultView`` the preferred view where glamkg has one (:data:`WDQS_VIEWS`).

    >>> h = wdqs_header("#title:Museums in Utrecht\\n#defaultView:Map\\nSELECT ?m WHERE { ?m ?p ?o }")
    >>> (h.title, h.view, h.default_view)
    ('Museums in Utrecht', 'map', 'Map')
    >>> is_saved_query("# title: x\\n# description: y\\n# view: table\\nSELECT * {}")
    True
    >>> is_saved_query("#title: x\\n#defaultView:BubbleChart\\nSELECT * {}")
    False
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: WDQS result views (the ``#defaultView:`` names of its user interface) -> glamkg's view; the others
#: (BubbleChart, ImageGrid, Graph, Timeline, ...) fall back to the table, with a note.
WDQS_VIEWS = {"table": "table", "map": "map", "barchart": "bar", "linechart": "line", "areachart": "line"}
GLAMKG_ONLY_KEYS = ("description", "param", "view")
_KEY_RE = re.compile(r"^#\s*([A-Za-z][A-Za-z0-9_-]*)\s*:\s*(.*)$")


@dataclass(frozen=True)
class WdqsHeader:
    """What the leading comment lines of a query say, read as WDQS magic comments."""

    title: str = ""
    default_view: str = ""  # as written (``Map``, ``BubbleChart``)
    view: str = "table"  # glamkg's view for it
    note: str = ""  # set when the written view has no glamkg equivalent


def _leading_comments(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        out.append(stripped)
    return out


def header_keys(text: str) -> list[str]:
    """The ``key`` of every leading ``#key: value`` comment line, lower case, in order."""
    return [m.group(1).lower() for line in _leading_comments(text) if (m := _KEY_RE.match(line))]


def is_saved_query(text: str) -> bool:
    """Whether the header uses a key only glamkg's saved queries use (then it must be a complete header)."""
    return any(k in GLAMKG_ONLY_KEYS for k in header_keys(text))


def wdqs_header(text: str) -> WdqsHeader:
    """Title and preferred view from WDQS magic comments (the first of each counts)."""
    title = view_name = ""
    for line in _leading_comments(text):
        m = _KEY_RE.match(line)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2).strip()
        if key == "title" and not title:
            title = value
        elif key == "defaultview" and not view_name:
            view_name = value.split()[0] if value else ""
    if not view_name:
        return WdqsHeader(title=title)
    view = WDQS_VIEWS.get(view_name.lower())
    if view is None:
        note = f"#defaultView:{view_name} has no glamkg equivalent; shown as a table"
        return WdqsHeader(title=title, default_view=view_name, view="table", note=note)
    return WdqsHeader(title=title, default_view=view_name, view=view)
