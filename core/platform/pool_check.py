"""Dead pooled connections are replaced before use, for the price of a poll(2), not a round trip.

After a restart or failover of PostgreSQL, or ``pg_terminate_backend``, the connections a worker keeps
in its pool are dead, and the next request must open a fresh one instead of failing
(tests/test_failures.py). SQLAlchemy's ``pool_pre_ping`` does it by sending a query on every checkout:
one more round trip for every request, about an eighth of a worker's time in the autosave benchmark
(bench/autosave.py, py-spy), where each request is a few short statements.

A terminated backend sends its FATAL message and closes the socket, so an idle connection waiting in the
pool that has anything to read (the message, or the end of the stream) is dead. The ``checkout`` listener
polls the socket without waiting and, if so, raises :class:`~sqlalchemy.exc.DisconnectionError`: the
pool throws that connection away and hands out a fresh one, as ``pool_pre_ping`` would. A link that dies
without a word (a cable pulled, no reset) is not seen; a ping would hang on it until the TCP timeout
anyway. An operator who wants both sets ``SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}``.
"""
from __future__ import annotations

import select

from sqlalchemy import event, exc


def dead(dbapi_connection) -> bool:
    """Whether an idle DBAPI connection was closed by the server (or by us)."""
    if getattr(dbapi_connection, "closed", False):
        return True
    try:
        fd = dbapi_connection.fileno()
    except Exception:  # noqa: BLE001 (a closed psycopg connection raises OperationalError here)
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def _check(dbapi_connection, record, proxy) -> None:
    if dead(dbapi_connection):
        raise exc.DisconnectionError("the database closed this pooled connection")


def install(engine) -> None:
    """Check each checkout of ``engine``'s pool (PostgreSQL; SQLite has no server to lose)."""
    if engine.dialect.name == "postgresql" and not event.contains(engine, "checkout", _check):
        event.listen(engine, "checkout", _check)
