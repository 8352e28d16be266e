"""Statements run straight on the driver, for the autosave's two (bench/autosave.py, issue 15).

SQLAlchemy's execution of a statement (the compiled-cache lookup, the execution context, the result's
metadata built from the cursor's description, one column object per column per call) cost as much CPU
as psycopg's own work for the statement, a third of an autosave. :func:`rows` compiles a Core or
``text()`` statement once for the session's dialect (parameters in the driver's style; no expanding
``IN``: write ``or_()``) and runs it on the session's DBAPI connection, inside the session's
transaction: same SQL, same transaction, same rows as plain tuples, without the machinery. Only for
statements that run on every keystroke; everything else goes through SQLAlchemy as usual.
"""
from __future__ import annotations

#: ``{(id, dialect): (statement, sql, fixed values)}``; the entry holds the statement, so its id is never
#: reused by another while the entry lives.
_COMPILED: dict[tuple[int, str], tuple[object, str, dict]] = {}


def _compiled(statement, dialect) -> tuple[str, dict]:
    key = (id(statement), dialect.name)
    found = _COMPILED.get(key)
    if found is None or found[0] is not statement:
        compiled = statement.compile(dialect=dialect)
        # The values fixed in the statement (an IN list); the caller gives the required ones.
        found = _COMPILED[key] = (statement, str(compiled), dict(compiled.construct_params(_check=False)))
    return found[1], found[2]


def rows(session, statement, params: dict) -> list[tuple]:
    """All rows of ``statement`` (built once at import: it is compiled once per process) with ``params``."""
    connection = session.connection()
    if connection.dialect.paramstyle != "pyformat":  # psycopg's; SQLite's are positional: the usual way
        return [tuple(row) for row in connection.execute(statement, params)]
    sql, fixed = _compiled(statement, connection.dialect)
    values = {**fixed, **params}
    cursor = connection.connection.driver_connection.cursor()
    if connection._has_events or connection.engine._has_events:
        # Whoever listens to the engine's statements (the tests' and benchmarks' counters, a tracer)
        # still sees these: the event SQLAlchemy fires before it hands a statement to the cursor.
        connection.dispatch.before_cursor_execute(connection, cursor, sql, values, None, False)
    try:
        cursor.execute(sql, values)
        return cursor.fetchall()  # both hot statements return rows (a SELECT, an INSERT … RETURNING)
    finally:
        cursor.close()
