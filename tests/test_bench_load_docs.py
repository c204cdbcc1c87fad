"""benchmarks/bench_load.py writes its figures into docs/benchmarks.md itself: one section per size."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def bench() -> object:
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "benchmarks" / "bench_load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_size_has_a_section_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    b = bench()
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# B\n\n{b.BEGIN}\nold 100k\n{b.END}\n\n## Next\n", encoding="utf-8")  # type: ignore[attr-defined]
    monkeypatch.setattr(b, "DOCS", docs)
    b.write_docs("new 1M\n", 1_000_000)  # type: ignore[attr-defined]
    b.write_docs("newer 1M\n", 1_000_000)  # type: ignore[attr-defined]
    b.write_docs("new 100k\n", 100_000)  # type: ignore[attr-defined]
    text = docs.read_text(encoding="utf-8")
    assert "old 100k" not in text and "new 1M" not in text
    assert text.count("newer 1M") == 1 and text.count("new 100k") == 1
    assert text.index("new 100k") < text.index("**1,000,000 rows.**") < text.index("newer 1M") < text.index("## Next")


def test_the_timed_parts_of_a_load_add_up(tmp_path: Path) -> None:
    """The extra load whose parts are timed inside the process (bench_load.PHASES) runs glamkg's own CLI: each part
    was timed, the parts add up to the load's time after its imports (a load that fails raises)."""
    import os

    b = bench()
    src = tmp_path / "rows.csv"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    b.write_rows(src, 40)  # type: ignore[attr-defined]
    took = b.phases(src, tmp_path, env, None)  # type: ignore[attr-defined]  # too few rows to stream
    assert set(took) == {"stream", "prepare", "write", "closing", "compacted", "rest", "total"}
    assert took["prepare"] > 0 and took["write"] > 0 and took["stream"] == 0
    assert took["closing"] > 0 and took["rest"] >= 0 and took["compacted"] == 0  # a small write
    assert abs(sum(v for k, v in took.items() if k not in ("total", "compacted")) - took["total"]) < 1e-6
    b.write_rows(src, 2_500)  # type: ignore[attr-defined]  # streamed (kg.load.stream)
    took = b.phases(src, tmp_path, env, None)  # type: ignore[attr-defined]
    assert took["stream"] > 0 and took["prepare"] == took["write"] == 0
    assert took["compacted"] == 0  # 120,000 triples: too few to be compacted
    assert abs(sum(v for k, v in took.items() if k not in ("total", "compacted")) - took["total"]) < 1e-6
    assert not (tmp_path / "store-phases").exists()  # removed, with what glamkg keeps beside it
