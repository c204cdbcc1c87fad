"""Workbooks as Excel and LibreOffice save them, written by the tests.

openpyxl writes a formula without its computed value (``<c r="D2"><f>...</f><v/></c>``): that is the shape of a
file a script wrote and no spreadsheet program opened. :func:`store_values` adds the values, as a spreadsheet
program does when it saves (``<v>`` with ``t="str"`` for text, ``t="e"`` for an error value), by editing the
worksheet XML of the saved file.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape


class Error(str):
    """An error value a formula computed (``#DIV/0!``)."""


def store_values(path: Path, values: dict[str, object], *, sheet: int = 1) -> None:
    """Give the formula cells ``values`` (cell ref -> value) their computed values in worksheet ``sheet``."""
    member = f"xl/worksheets/sheet{sheet}.xml"
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == member:
                text = data.decode("utf-8")
                for ref, value in values.items():
                    text = _with_value(text, ref, value)
                data = text.encode("utf-8")
            dst.writestr(info, data)
    shutil.move(tmp, path)


def _with_value(xml: str, ref: str, value: object) -> str:
    pattern = re.compile(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/></c>')
    m = pattern.search(xml)
    if m is None:
        raise AssertionError(f"no formula cell {ref} without a value in the worksheet XML")
    attrs = re.sub(r'\s*t="[^"]*"', "", m.group(1))
    if isinstance(value, Error):
        cell = f'<c r="{ref}"{attrs} t="e"><f>{m.group(2)}</f><v>{escape(value)}</v></c>'
    elif isinstance(value, str):
        cell = f'<c r="{ref}"{attrs} t="str"><f>{m.group(2)}</f><v>{escape(value)}</v></c>'
    else:
        cell = f'<c r="{ref}"{attrs}><f>{m.group(2)}</f><v>{value}</v></c>'
    return xml[: m.start()] + cell + xml[m.end() :]
