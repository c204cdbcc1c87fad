"""A chart as a PNG image that carries its metadata: the chart's title, then under it the dataset's label
(synthetic or not), the source, the filters and the date, and the time the image was made, drawn into the
pixels, so a picture pasted into a report still says what it shows.

Rendered on the server from the same Vega-Lite spec the page draws, with ``vl-convert-python`` (the Vega
team's converter: Vega and Vega-Lite bundled in a Rust wheel, no browser, no Node.js). Rendering is offline:
the specs hold their data inline (the world outlines too, :mod:`kg.dashboard.worldmap`), and the renderer is
told to fetch nothing (``allowed_base_urls=[]``), so a spec that named a URL would fail rather than reach out.
The page registers :func:`png` as the download button's data *callable*, so nothing is rendered until a
visitor clicks (a page with five charts costs no more to draw).
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Sequence
from typing import Any

from kg.i18n import _

log = logging.getLogger(__name__)

WIDTH = 900  # the image's plot width when the page's chart fits its container ("container" means nothing here)
SCALE = 2.0  # pixels per CSS pixel: sharp on a printed page and a high-density screen
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ImageError(RuntimeError):
    """The chart could not be drawn as an image (the renderer is missing or refused the spec)."""


def _fixed_width(node: Any, width: int) -> None:
    """Replace every ``"width": "container"`` (the page's full width) by ``width`` pixels, in place."""
    if isinstance(node, dict):
        if node.get("width") == "container":
            node["width"] = width
        for v in node.values():
            _fixed_width(v, width)
    elif isinstance(node, list):
        for v in node:
            _fixed_width(v, width)


def export_spec(spec: dict[str, Any], lines: Sequence[str], *, title: str, made: str,
                width: int = WIDTH) -> dict[str, Any]:
    """What the renderer draws: a copy of the page's (stamped) ``spec`` at a fixed ``width``, on white, whose
    title keeps its text (``title`` when the chart has none at its top) and has ``lines`` (label, source,
    filters, date: :func:`kg.dashboard.ui.chart_lines`) and ``made`` (when the image was made) as subtitle."""
    out = copy.deepcopy(spec)
    _fixed_width(out, width)
    if "width" not in out and not any(k in out for k in ("hconcat", "vconcat", "concat", "facet", "repeat")):
        out["width"] = width  # the page stretches it to its column (``width="stretch"``)
    given = out.get("title")
    text = (given.get("text") if isinstance(given, dict) else given) or title
    base = given if isinstance(given, dict) else {}
    out["title"] = {**base, "text": text, "subtitle": [*lines, made]}
    out.setdefault("background", "white")
    out.setdefault("padding", 12)
    return out


def png(spec: dict[str, Any], *, scale: float = SCALE) -> bytes:
    """``spec`` drawn as PNG bytes, with nothing fetched from anywhere."""
    try:
        import vl_convert
    except ImportError as e:  # a dependency of glamkg: only a broken install lacks it
        raise ImageError(_("cannot draw the chart as an image: vl-convert-python is not installed ({error}); "
                           "reinstall glamkg (pip install glamkg)").format(error=e)) from e
    try:
        data: bytes = vl_convert.vegalite_to_png(json.loads(json.dumps(spec, default=str)), scale=scale,
                                                 allowed_base_urls=[])
    except Exception as e:  # vl-convert raises ValueError with Vega's message
        title = spec.get("title", {})
        raise ImageError(_("cannot draw the chart {title} as an image: {error}").format(
            title=repr(title.get("text") if isinstance(title, dict) else title), error=e)) from e
    log.debug("chart drawn as a %d-byte PNG", len(data))
    return data


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels of PNG ``data``, read from its header; ValueError when it is not a PNG."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError(f"not a PNG image: it starts with {data[:16]!r}")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
