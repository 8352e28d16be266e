"""Row counts and checksums per table, the same on the live database and on a restored copy.

For every table of the database's default schema, in name order:

* columns are taken in **name order** (so a different physical order does not matter);
* rows come from ``SELECT <columns> FROM <table> ORDER BY <primary key columns, in key order>``
  (all columns, in name order, for a table without a primary key), as the driver returns them;
* each value becomes JSON: NULL → ``null``; booleans, integers, floats, strings and JSON documents
  (dicts, lists: keys sorted) as themselves; ``Decimal`` as the string of its ``str()`` (so
  ``1.500000`` keeps its scale); dates and times as ISO 8601 strings; bytes as ``"\\x"`` and hex;
  anything else as the string of its ``str()``;
* a row is the JSON array of its values (UTF-8, no spaces, non-ASCII kept) and a newline;
* the table's checksum is the SHA-256 of its rows in that order, and ``rows`` their number.

The ordering of text keys follows the database's collation, which a restore on the same server
(or SQLite) reproduces. Checksums compare a database with its own backup on the same engine;
a PostgreSQL and a SQLite copy of the same data do not give the same values.
"""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json

from sqlalchemy import inspect, text


def _default(value):
    """Values JSON has no type for; everything else (None, bool, int, float, str, dict, list) is native."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    return str(value)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=_default)


def row_bytes(row) -> bytes:
    return (_ENCODER.encode(tuple(row)) + "\n").encode()


def table_digests(connection) -> dict[str, dict]:
    """``{table: {"rows": n, "sha256": hex}}`` for every table, as defined above."""
    inspector = inspect(connection)
    quote = connection.dialect.identifier_preparer.quote
    found = {}
    for table in sorted(inspector.get_table_names()):
        columns = sorted(c["name"] for c in inspector.get_columns(table))
        order = inspector.get_pk_constraint(table).get("constrained_columns") or columns
        sql = (f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)} "
               f"ORDER BY {', '.join(map(quote, order))}")
        digest, count = hashlib.sha256(), 0
        for row in connection.execution_options(yield_per=5000).execute(text(sql)):
            digest.update(row_bytes(row))
            count += 1
        found[table] = {"rows": count, "sha256": digest.hexdigest()}
    return found


def first_difference(expected: dict[str, dict], actual: dict[str, dict]) -> str | None:
    """The first table, in name order, whose presence, row count or checksum differs; None when equal."""
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if got is None:
            return f"table {table} is missing from the restored database"
        if want is None:
            return f"table {table} is in the restored database but not in the manifest"
        if want["rows"] != got["rows"]:
            return f"table {table}: {got['rows']} rows restored, the manifest says {want['rows']}"
        if want["sha256"] != got["sha256"]:
            return f"table {table}: checksum {got['sha256']} restored, the manifest says {want['sha256']}"
    return None
