"""Where a result came from: the query text as it ran, its parameters, the endpoint (or the store and its
generation) and the time, kept with every result file and every dashboard download.

- ``glamkg query run ... -o FILE`` writes ``FILE.provenance.json`` beside the result (any format), and a
  Parquet file also carries it inside, as the schema metadata key :data:`PARQUET_KEY`;
- the dashboard's JSON download is ``{"provenance": {...}, "rows": [...]}``, its Parquet download carries the
  same metadata, and a "Provenance" download gives it for the CSV;
- a table computed from the dashboard's tables (or ``glamkg gaps -o FILE``) records the queries that read them
  (:class:`QueryLog`), the filters or options as parameters, and how it was computed (``note``).

    >>> p = Provenance(query="SELECT * {}", name="q", parameters={}, endpoint="local store")
    >>> sorted(p.to_dict())[:4]
    ['endpoint', 'generation', 'glamkg', 'name']
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a DataFrame is made: `glamkg query run` to CSV starts without it
    import pandas as pd


PARQUET_KEY = b"glamkg.provenance"
SIDECAR_SUFFIX = ".provenance.json"


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Provenance:
    """One result's provenance (``rows`` is filled in when the result is known)."""

    query: str
    name: str
    parameters: dict[str, str]
    endpoint: str  # the SPARQL endpoint's URL, or "local store"
    ran_at: str = field(default_factory=now)
    store: str | None = None  # the store's path, for the local store
    generation: str | None = None  # the store's generation when the query ran
    rows: int | None = None
    glamkg: str = ""
    note: str | None = None  # how a table was computed from the queries' answers (dashboard tables, gaps)
    # the store's derived table that gave the answer (kg.query.derived): table, generation, built_at
    derived: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if not self.glamkg:
            from kg import __version__

            self.glamkg = __version__

    def from_derived(self, source: dict[str, str]) -> None:
        """The answer came from a derived table of the store (:mod:`kg.query.derived`), not from the engine."""
        self.derived = dict(source)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"


class QueryLog:
    """A store or endpoint that keeps the text of every query sent through it, for the provenance of what is
    computed from the answers (``QueryLog(store).query(text)`` asks ``store.query(text)``); every other
    attribute is the wrapped object's."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.queries: list[str] = []

    def query(self, sparql: str, *args: Any, **kwargs: Any) -> Any:
        self.queries.append(sparql)
        return self.graph.query(sparql, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name == "graph":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.graph, name)


def sidecar(path: Path) -> Path:
    """``answer.csv`` -> ``answer.csv.provenance.json``."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def parquet_bytes(df: pd.DataFrame, provenance: Provenance) -> bytes:
    """``df`` as Parquet, with the provenance in the schema metadata (:data:`PARQUET_KEY`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[PARQUET_KEY] = provenance.to_json().encode("utf-8")
    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buf)
    return buf.getvalue()


def read_parquet_provenance(data: bytes | Path) -> dict[str, Any] | None:
    """The provenance a Parquet file carries, or None."""
    import pyarrow.parquet as pq

    source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    meta = pq.read_schema(source).metadata or {}
    raw = meta.get(PARQUET_KEY)
    return json.loads(raw) if raw else None


def json_document(df: pd.DataFrame, provenance: Provenance) -> str:
    """``{"provenance": {...}, "rows": [...]}``: a JSON download that says where it came from."""
    rows = json.loads(df.to_json(orient="records", date_format="iso", force_ascii=False))
    return json.dumps({"provenance": provenance.to_dict(), "rows": rows}, ensure_ascii=False, indent=1) + "\n"
