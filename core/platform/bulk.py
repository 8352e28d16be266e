"""Many rows into one table in one statement.

SQLAlchemy's executemany sends each row through the driver (psycopg's
pipeline: one Bind/Execute per row, and Python work per row and column;
array parameters are no better, psycopg dumps them element by element in
Python). For the hundreds of cells of a report save, PostgreSQL takes them
much faster as one JSON document: ``INSERT … SELECT FROM
json_to_recordset(:rows)`` — one parameter serialised by the C json encoder,
and the same SQL text every time (prepared once per connection). Other
databases (SQLite, embedded) keep executemany, which for them is a loop in C.
"""
from __future__ import annotations

import json

from sqlalchemy import Table, insert, text


def insert_rows(session, table: Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``; the caller owns the transaction.

    Values go through JSON on PostgreSQL: numbers (Decimal too) and datetimes as their text, which
    the column types read back exactly.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql" or len(rows) < 2:
        session.execute(insert(table), rows)
        return
    prep = dialect.identifier_preparer
    columns = list(rows[0])
    names = ", ".join(prep.quote(name) for name in columns)
    record = ", ".join(f"{prep.quote(name)} {table.c[name].type.compile(dialect=dialect)}" for name in columns)
    statement = text(f"INSERT INTO {prep.format_table(table)} ({names}) "
                     f"SELECT {names} FROM json_to_recordset(CAST(:rows AS json)) AS r({record})")
    session.execute(statement, {"rows": json.dumps(rows, default=str, ensure_ascii=False)})
