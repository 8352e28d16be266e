"""What the benchmarks share: a unit row as ``core.hierarchy.units.import_units`` reads it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    kind: str
    parent_code: str | None = None
