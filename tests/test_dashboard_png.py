"""Every chart of the dashboard downloads as a PNG with its metadata drawn in (issue 16: "exports lose the
synthetic label, the source, the filters and the date"), through Streamlit's AppTest on the hand-checked
fixture store (tests/dashboard_fixture.py).

The path a visitor takes: the page draws a chart and a "Chart image (PNG)" button whose data is a callable (nothing is
rendered until the click); Streamlit registers that callable with its media file manager and calls it on the
click. The tests record what the manager is given, call it as the click does, and record the spec the renderer
(vl-convert) is handed, so they check the bytes the visitor gets and the text drawn into them.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dashboard_fixture as fx
import pytest
import vl_convert
from streamlit.runtime.media_file_manager import MediaFileManager
from test_dashboard_charts import run_page

APP_DIR = Path(__file__).resolve().parents[1] / "dashboards"
TIMEOUT = 120
PAGES = ["overview", "map", "gaps", "trends", "partnerships", "partners", "quality"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.build_store(tmp_path_factory.mktemp("png") / "store")


@pytest.fixture()
def clicks(store_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Callable[[], Any]]:
    """file name -> the callable Streamlit would run when that download button is clicked."""
    monkeypatch.setenv("GLAMKG_STORE", str(store_path))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    registered: dict[str, Callable[[], Any]] = {}
    real = MediaFileManager.add_deferred

    def record(self: MediaFileManager, fn: Callable[[], Any], mimetype: str | None, coordinates: str,
               file_name: str | None = None, **kwargs: Any) -> str:
        assert file_name, "a download without a file name"
        registered[file_name] = fn
        return real(self, fn, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return registered


@pytest.fixture()
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every spec handed to the renderer (which still renders it)."""
    specs: list[dict[str, Any]] = []
    real = vl_convert.vegalite_to_png

    def record(spec: Any, *args: Any, **kwargs: Any) -> bytes:
        specs.append(spec if isinstance(spec, dict) else json.loads(spec))
        assert kwargs.get("allowed_base_urls") == [], "the renderer may fetch from the network"
        return bytes(real(spec, *args, **kwargs))

    monkeypatch.setattr(vl_convert, "vegalite_to_png", record)
    return specs


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE, data[:16]
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []


@pytest.mark.parametrize("page", PAGES)
def test_every_chart_downloads_as_a_png_with_its_metadata(clicks: dict[str, Callable[[], Any]],
                                                          rendered: list[dict[str, Any]], page: str) -> None:
    at = run_page(page, region="Europe", scheme="region")
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")]
    buttons = [b for b in at.get("download_button") if b.proto.label == "Chart image (PNG)"]
    assert charts, f"{page} draws no chart"
    assert len(buttons) == len(charts), (page, len(buttons), len(charts))
    pngs = [name for name in clicks if name.endswith(".png")]
    assert len(pngs) == len(charts), pngs
    assert not rendered, "a PNG was drawn before anyone clicked"
    for name in pngs:
        data = clicks[name]()  # what the click runs
        width, height = png_size(data)
        assert width >= 600 and height >= 200, (name, width, height)
        spec = rendered[-1]
        title = spec["title"]
        assert title["text"], name
        lines = strings(title["subtitle"])
        text = " | ".join(lines)
        assert "SYNTHETIC demo data, not real figures: dashboard test fixture" in lines, (name, lines)
        assert "source: glamkg store “store”" in text and "read 20" in text, (name, text)
        assert "filters: regions (UN M49 regions): Europe" in text, (name, text)
        assert any(line.startswith("image made 20") and "glamkg" in line for line in lines), (name, lines)
    assert len(rendered) == len(pngs)


def test_the_metadata_is_drawn_in_the_image(clicks: dict[str, Callable[[], Any]],
                                            rendered: list[dict[str, Any]]) -> None:
    """The title and subtitle lines are drawn (Vega lays them out as text marks), not dropped by the renderer."""
    run_page("gaps", region="Africa", scheme="region")
    name = next(n for n in clicks if n.endswith(".png"))
    clicks[name]()
    svg = vl_convert.vegalite_to_svg(rendered[-1], allowed_base_urls=[])
    drawn = set()
    for text in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S):  # one text mark; a line per tspan
        drawn |= {html.unescape(t) for t in re.findall(r"<tspan[^>]*>(.*?)</tspan>", text) or [text]}
    title = rendered[-1]["title"]
    assert title["text"] in drawn
    for line in title["subtitle"]:
        assert line in drawn, (line, sorted(drawn)[:20])
    assert any(line.startswith("SYNTHETIC demo data") for line in drawn)
    assert any(line.startswith("filters: regions (UN M49 regions): Africa") for line in drawn)


def test_a_png_of_the_world_map_is_offline_and_fast_to_register(clicks: dict[str, Callable[[], Any]],
                                                                rendered: list[dict[str, Any]]) -> None:
    """The maps carry their outlines inline: the image needs no URL (the renderer may fetch none)."""
    run_page("map")
    maps = [n for n in clicks if n.endswith(".png")]
    assert len(maps) == 2
    for name in maps:
        png_size(clicks[name]())
        spec = json.dumps(rendered[-1])
        assert '"url":' not in spec


def test_an_arabic_page_draws_its_png_in_arabic(clicks: dict[str, Callable[[], Any]],
                                                rendered: list[dict[str, Any]]) -> None:
    """The button and the image's own line come in the page's language; in Arabic the date is isolated left to
    right (else the bidi algorithm draws 2026-12-04 as 04-12-2026 inside the right-to-left line)."""
    at = run_page("gaps", lang="ar")
    labels = [b.proto.label for b in at.get("download_button")]
    assert sum("صورة الرسم البياني (PNG)" in label for label in labels) >= 2, labels
    name = next(n for n in clicks if n.endswith(".png"))
    png_size(clicks[name]())
    made = rendered[-1]["title"]["subtitle"][-1]
    assert "صورة أُنشئت في" in made and re.search("\u206620\\d\\d-\\d\\d-\\d\\dT[0-9:]+Z\u2069", made), made
