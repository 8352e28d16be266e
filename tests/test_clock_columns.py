"""The "when" columns: the app's clock for what the app writes, UTC for what SQL alone writes.

Every time is stored as naive UTC (core/platform/clock.py). A server installed in Vietnam runs its
database sessions in Asia/Ho_Chi_Minh, where ``now()`` is seven hours ahead of UTC: a default of
``now()`` made those rows read seven hours late next to every other time.
"""
from datetime import datetime, timedelta

from sqlalchemy import select, text

from core.accounts.models import Account, PasswordHistory
from core.platform import clock
from core.platform.extensions import db


def _account_id() -> int:
    return db.session.execute(select(Account.id).order_by(Account.id)).scalars().first()


def test_a_row_written_by_sql_alone_is_stamped_in_utc_whatever_the_sessions_time_zone(app, admin):
    with app.app_context():
        account_id = _account_id()
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL TIME ZONE 'Asia/Ho_Chi_Minh'"))  # a server set up in Vietnam
        connection.execute(text("INSERT INTO password_history (account_id, password_hash) VALUES (:a, 'x')"),
                           {"a": account_id})
        stamped = connection.execute(text("SELECT max(created_at) FROM password_history")).scalar()
        utc = connection.execute(select(clock.utc_now())).scalar()
        stamped = stamped if not isinstance(stamped, str) else datetime.fromisoformat(stamped)
        db.session.rollback()
    assert abs(stamped - utc) < timedelta(minutes=5), (stamped, utc)  # not 7 hours apart


def test_a_row_written_by_the_app_takes_the_apps_clock(app, admin, now):
    """The app's clock is the one every explicit time is written with (and a test's frozen one)."""
    with app.app_context():
        row = PasswordHistory(account_id=_account_id(), password_hash="x")
        db.session.add(row)
        db.session.flush()
        assert abs(row.created_at - clock.utcnow()) < timedelta(seconds=5)
        now.shift(timedelta(days=40))
        later = PasswordHistory(account_id=row.account_id, password_hash="y")
        db.session.add(later)
        db.session.flush()
        assert timedelta(days=39) < later.created_at - row.created_at < timedelta(days=41)
        db.session.rollback()
