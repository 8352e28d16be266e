"""In-app notifications of the signed-in unit: deadline reminders and late notices (F7).

The home page shows the unread count and the latest few; this screen lists
them all and marks them read. Scoped like every unit table: a unit sees its
own and its subtree's notifications, nobody else's.
"""
from __future__ import annotations

from flask import redirect, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from core.platform import clock, labels
from core.platform.extensions import db
from core.reporting.models import Notification
from core.hierarchy.scope import ScopedInterface, condition, current_account

def unread(limit: int = 5) -> tuple[int, list[Notification]]:
    """The unread count and the newest few for the caller's own unit (two small indexed queries)."""
    account = current_account()
    if account is None or account.unit_id is None:
        return 0, []
    mine = (Notification.unit_id == account.unit_id) & Notification.read_at.is_(None)
    count = db.session.execute(select(func.count()).select_from(Notification).where(mine)).scalar_one()
    latest = db.session.execute(select(Notification).where(mine).order_by(Notification.id.desc())
                                .limit(limit)).scalars().all()
    return count, latest


class NotificationsView(ModelView):
    datamodel = ScopedInterface(Notification)
    route_base = "/notifications"
    base_permissions = ["can_list", "can_read"]
    include_route_methods = {"list", "read_all"}
    base_order = ("id", "desc")
    list_title = _l("Notifications")
    show_title = _l("Notification")
    list_columns = ["created_at", "kind", "message", "unit", "read_at"]
    search_columns = ["kind", "message", "created_at"]
    label_columns = {"created_at": _l("Time"), "kind": _l("Notification type"), "message": _l("Message"),
                     "unit": _l("Unit"), "read_at": _l("Read at"), "emailed_at": _l("E-mailed at"),
                     "report": _l("Report")}
    formatters_columns = {"kind": labels.notification, "created_at": labels.local_time, "read_at": labels.local_time,
                          "emailed_at": labels.local_time}
    page_size = 50

    @expose("/read", methods=["POST"])
    @has_access
    @permission_name("read")
    def read_all(self):
        """Mark every notification of the caller's scope as read (CSRF-checked POST)."""
        db.session.execute(update(Notification).where(
            condition(Notification, current_account()), Notification.read_at.is_(None),
        ).values(read_at=clock.utcnow()).execution_options(synchronize_session=False))
        db.session.commit()
        return redirect(url_for(".list"))
