"""The dashboard's logic: the tables it reads, the views it derives, the Streamlit pieces, the world map.

Owns: a few flat tables read once per store generation (:mod:`~kg.dashboard.data`), derived tables for the
pages (:mod:`~kg.dashboard.views`), "Partners to call" (:mod:`~kg.dashboard.partners`), the snapshot history
on the gap and trend pages (:mod:`~kg.dashboard.history`), shared Streamlit pieces (:mod:`~kg.dashboard.ui`),
the offline world map (:mod:`~kg.dashboard.worldmap`), charts as PNG images with their metadata
(:mod:`~kg.dashboard.image`) and starting the app (:mod:`~kg.dashboard.server`; the
server process, tables in memory before it answers: :mod:`~kg.dashboard.launch`). The
page scripts are the top-level ``dashboards/`` folder (shipped in the wheel as ``kg.dashboards``).

May import: every part below it, streamlit and altair. It is the only part that imports streamlit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg import lazy_face

if TYPE_CHECKING:
    from kg.dashboard.data import Filters, apply, load

__all__ = ["Filters", "apply", "load"]
__getattr__, __dir__ = lazy_face(__name__, {"kg.dashboard.data": __all__})
