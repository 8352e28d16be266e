"""FAB's own security screens, tamed: read only, or redirected to ours.

FAB's user, role and group screens write accounts and grants directly,
past the rules of :mod:`core.accounts.lifecycle` (scope, personal roles, no deleting
an account with a trail) and past :mod:`core.hierarchy.roles` (roles are data). They
stay for reading; every change goes through the Accounts screen.
"""
from __future__ import annotations

from flask import g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.views import AuthDBView as FabAuthDBView
from flask_appbuilder.security.views import (ResetMyPasswordView, ResetPasswordView, RoleModelView,
                                             UserDBModelView, UserGroupModelView, UserInfoEditView)

from flask_babel import gettext as _
from flask_login import current_user

from core.platform import labels
from core.platform.extensions import csrf


def role_titles(roles) -> str:
    """Roles by their Vietnamese titles (:mod:`core.hierarchy.roles`), "—" for none."""
    from core.hierarchy.roles import BY_NAME

    names = [str(BY_NAME[r.name].title) if r.name in BY_NAME else r.name for r in roles or ()]
    return ", ".join(names) or "—"


def names_or_dash(items) -> str:
    return ", ".join(str(item) for item in items or ()) or "—"


class ReadOnlyUserView(UserDBModelView):
    """FAB's user screen, read only: accounts are added, changed and removed on the Accounts screen
    (:mod:`core.accounts.views.accounts`), whose service keeps the rules and the audit trail. FAB's permission
    names are kept, so existing grants still apply. Values read as words: "Có"/"Không", role titles,
    times in Vietnam time, "—" for nothing."""

    class_permission_name = "UserDBModelView"
    list_columns = ["username", "first_name", "last_name", "email", "active", "roles", "last_login"]
    #: Roles and groups are not offered as filters: FAB would list them by their code names (Reporter, Viewer).
    search_columns = ["username", "first_name", "last_name", "email", "active"]
    formatters_columns = {"active": labels.yes_no, "roles": role_titles, "groups": names_or_dash,
                          "last_login": labels.local_time, "created_on": labels.local_time,
                          "changed_on": labels.local_time, "created_by": labels.blank, "changed_by": labels.blank,
                          "login_count": labels.blank, "fail_login_count": labels.blank,
                          "last_name": labels.blank}
    include_route_methods = {"list", "show", "userinfo"}
    base_permissions = ["can_list", "can_show", "can_userinfo"]
    # FAB's actions (edit my info, reset my / someone's password) would write past the service.
    userinfoedit = resetmypassword = resetpasswords = None

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        widgets = self._show(pk)
        return self.render_template(self.show_template, pk=pk, title=self.show_title, widgets=widgets,
                                    related_views=self._related_views)

    @expose("/userinfo/")
    @has_access
    def userinfo(self):
        """The caller's own account, read only (the password is changed on "Change password")."""
        item = self.datamodel.get(g.user.id, self._base_filters)
        widgets = self._get_show_widget(g.user.id, item, show_fieldsets=self.user_show_fieldsets)
        self.update_redirect()
        return self.render_template(self.show_template, title=self.user_info_title, widgets=widgets,
                                    appbuilder=self.appbuilder)


class ReadOnlyRoleView(RoleModelView):
    """FAB's role screen, read only: roles are data in :mod:`core.hierarchy.roles`, synced after migrations."""

    class_permission_name = "RoleModelView"
    include_route_methods = {"list", "show"}
    base_permissions = ["can_list", "can_show"]
    copy_role = None


class ReadOnlyGroupView(UserGroupModelView):
    """FAB's groups carry roles: editing them could hand a unit account a personal role (A11)."""

    class_permission_name = "UserGroupModelView"
    include_route_methods = {"list", "show"}
    base_permissions = ["can_list", "can_show"]


class OwnPasswordRedirect(ResetMyPasswordView):
    """FAB's "reset my password" skipped the current password and the history rule: use ours."""

    @expose("/form", methods=["GET", "POST"])
    def this_form_get(self):
        return redirect(url_for("PasswordView.this_form_get"))

    this_form_post = None


class ResetPasswordRedirect(ResetPasswordView):
    """FAB's reset of anyone's password ignored the unit scope: the Accounts screen's reset keeps it."""

    @expose("/form", methods=["GET", "POST"])
    def this_form_get(self):
        pk = request.args.get("pk", type=int)
        return redirect(url_for("AccountsView.reset", pk=pk) if pk else url_for("AccountsView.list"))

    this_form_post = None


class UserInfoEditRedirect(UserInfoEditView):
    """Names and email are edited by an administrator on the Accounts screen; the profile is read only."""

    route_base = "/userinfoeditview"  # FAB's own URL for this form

    @expose("/form", methods=["GET", "POST"])
    def this_form_get(self):
        return redirect(self.appbuilder.get_url_for_userinfo)

    this_form_post = None


class AuthDBView(FabAuthDBView):
    """FAB's login screen, with a sign-out that a link cannot trigger.

    FAB signs out on ``GET /logout/``, so any page elsewhere could sign an officer out with a link (and the
    officer would lose the typing of an open entry screen in another tab). Signing out is now a ``POST``
    from the user menu's button; ``GET`` shows a page asking to confirm. The ``POST`` needs no CSRF token:
    the session cookie is ``SameSite=Lax``, so a form posted from another site arrives without it and signs
    no one out, and a page left open past its session can still sign out. Same class name as FAB's: its
    endpoint (``AuthDBView.logout``) and permissions are unchanged.
    """

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        if request.method == "POST":
            return super().logout()
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        return self.render_template("accounts/logout.html", title=_("Sign out"))


csrf.exempt("core.accounts.views.fab_security.logout")
