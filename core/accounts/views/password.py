"""Self-service password change (A3, A4): also the only page open while a change is forced."""
from flask import flash, g
from flask_appbuilder import SimpleFormView
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from core.accounts import lifecycle as accounts, passwords
from core.platform.extensions import db
from core.accounts.login_guard import mark_signed_in


class PasswordForm(DynamicForm):
    old_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                 widget=BS3PasswordFieldWidget())
    new_password = PasswordField(_l("New password"), validators=[DataRequired()],
                                 widget=BS3PasswordFieldWidget(),
                                 description=_l("Follow every rule listed above."))
    confirm_password = PasswordField(
        _l("Repeat the new password"), widget=BS3PasswordFieldWidget(),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))])

    def validate_old_password(self, field):
        if not check_password_hash(g.user.password or "", field.data or ""):
            raise ValidationError(_("The current password is not correct."))

    def validate_new_password(self, field):
        rules = passwords.policy()
        history = accounts.previous_hashes(db.session, g.user, rules.history)
        broken = passwords.check(field.data or "", rules, g.user.username, history)
        if broken:
            raise ValidationError(" ".join(v.message for v in broken))


class PasswordView(SimpleFormView):
    route_base = "/account/password"
    form = PasswordForm
    form_title = _l("Change password")
    form_template = "accounts/password_form.html"

    def render_template(self, template, **kwargs):
        """Every page of the form lists the province's rules (they come from the plugins) before typing."""
        kwargs.setdefault("password_rules", passwords.describe(passwords.policy()))
        return super().render_template(template, **kwargs)

    def form_post(self, form):
        broken = accounts.change_password(db.session, g.user, form.old_password.data, form.new_password.data)
        if broken:  # raced with another change: nothing was stored
            db.session.rollback()
            flash(" ".join(v.message for v in broken), "danger")
            return None
        db.session.commit()
        mark_signed_in(g.user, login=False)  # this session made the change: it stays, every other one ends
        flash(_("Your password has been changed."), "success")
        return None
