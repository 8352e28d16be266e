"""``/api/v1/me/``: who the caller is, ``POST /api/v1/me/password`` to change its password and
``POST /api/v1/me/logout`` to sign out; ``POST /api/v1/me/relogin`` signs a browser in again in place
(a screen whose session ended) and ``GET /api/v1/me/csrf`` renews its CSRF token.

The password change and the logout are the endpoints a user with a one-time
or expired password may call (A3); a broken policy rule answers 422 naming
the rule. The logout moves the account's session epoch: the caller's refresh
and access tokens, and every other session and token of the account, are
refused from then on (a token cannot be taken back from its holder; only the
server can stop honouring it).
"""
from flask import g, request, session as cookie
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from core.accounts import lifecycle as accounts, passwords
from core.platform import audit
from core.platform.extensions import db
from core.accounts.login_guard import must_change


class MeApi(BaseApi):
    resource_name = "me"
    openapi_spec_tag = "Me"
    allow_browser_login = True
    method_permission_name = {"get": "get", "password": "post", "logout": "post", "csrf": "get"}

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def get(self):
        """The caller's account, unit, roles and password state.
        ---
        get:
          responses:
            200:
              description: "The caller"
              content:
                application/json:
                  example: {"result": {"must_change_password": false, "password_expires_at": "2027-03-05T02:00:22.642376", "roles": ["Reporter"], "unit_code": "03151", "username": "03151"}}
        """
        account = g.user
        rules = passwords.policy()
        expires = passwords.expires_at(account.password_changed_at, rules)
        return self.response(200, result={
            "username": account.username,
            "unit_code": account.unit.code if account.unit else None,
            "roles": [r.name for r in account.roles],
            "must_change_password": must_change(account),
            "password_expires_at": expires.isoformat() if expires else None,
        })

    @expose("/csrf", methods=["GET"])
    @protect()
    @safe
    def csrf(self):
        """A fresh CSRF token for the caller's browser session (a page open longer than the token lives).
        ---
        get:
          responses:
            200:
              description: The token, for the X-CSRFToken header
              content:
                application/json:
                  example: {"csrf_token": "IjQ2ZTg1YjM0ZDVmYTAw…"}
        """
        return self.response(200, csrf_token=generate_csrf())

    @expose("/relogin", methods=["POST"])
    @safe
    def relogin(self):
        """Sign in again without leaving the page: a screen whose session ended asks for the password
        in place, so that nothing typed is lost. The same checks as the login form: its rate limits
        (core.accounts.login_guard), lockout and refusals (the security manager), audit entries.
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    username: {type: string}
                    password: {type: string}
          responses:
            200:
              description: Signed in; a browser session cookie and ``csrf_token`` for the next requests
              content:
                application/json:
                  example: {"csrf_token": "IjQ2ZTg1YjM0ZDVmYTAw…", "must_change_password": false}
            401:
              description: Wrong user name or password (or the account may not sign in now)
              content:
                application/json:
                  example: {"errors": {"password": ["Sai tên đăng nhập hoặc mật khẩu."]}, "message": "Sai tên đăng nhập hoặc mật khẩu."}
            422:
              description: Not a JSON object with username and password
              content:
                application/json:
                  example: {"errors": {"password": ["Trường này là bắt buộc."]}, "message": "Hãy nhập tên đăng nhập và mật khẩu."}
            429:
              description: Too many attempts
              content:
                application/json:
                  example: {"message": "Quá nhiều lần thử. Vui lòng thử lại sau."}
        """
        from flask_login import login_user

        from core.accounts.login_guard import mark_signed_in

        body = request.get_json(silent=True) if request.is_json else None
        missing = {f: [_("This field is required.")] for f in ("username", "password")
                   if not isinstance((body or {}).get(f), str) or not (body or {}).get(f)}
        if missing:
            return self.response(422, message=_("Enter your user name and password."), errors=missing)
        user = self.appbuilder.sm.auth_user_db(body["username"][:100], body["password"])
        if user is None:
            message = _("Wrong user name or password.")
            return self.response(401, message=message, errors={"password": [message]})
        login_user(user, remember=False)
        mark_signed_in(user)
        cookie.permanent = True
        return self.response(200, csrf_token=generate_csrf(), must_change_password=must_change(user))

    @expose("/password", methods=["POST"])
    @protect()
    @safe
    def password(self):
        """Change the caller's password.
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    old_password: {type: string}
                    new_password: {type: string}
          responses:
            200:
              description: "Changed"
              content:
                application/json:
                  example: {"message": "Đã đổi mật khẩu. Vui lòng đăng nhập lại để nhận mã truy cập mới."}
            422:
              description: "A field is missing, the old password is wrong, or a policy rule is broken"
              content:
                application/json:
                  example: {"errors": {"old_password": ["old_password: Mật khẩu hiện tại không đúng."]}, "message": "Mật khẩu hiện tại không đúng.", "rules": ["old_password"]}
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response(400, message=_("The request body must be a JSON object."))
        missing = {f: [_("This field is required.")] for f in ("old_password", "new_password")
                   if not isinstance(body.get(f), str) or not body.get(f)}
        if missing:
            return self.response(422, message=_("Some fields are missing."), errors=missing)
        broken = accounts.change_password(db.session, g.user, body["old_password"], body["new_password"])
        if broken:
            db.session.rollback()
            field = "old_password" if broken[0].rule == "old_password" else "new_password"
            return self.response(422, message=broken[0].message,
                                 errors={field: [f"{v.rule}: {v.message}" for v in broken]},
                                 rules=[v.rule for v in broken])
        db.session.commit()
        # Every token issued before the change, this one included, is refused from now on.
        return self.response(200, message=_("Your password has been changed. Log in again to get a new token."))

    @expose("/logout", methods=["POST"])
    @protect()
    @safe
    def logout(self):
        """Sign out: the caller's tokens (refresh included) and every session of the account end.
        ---
        post:
          responses:
            200:
              description: "Signed out; log in again for new tokens"
              content:
                application/json:
                  example: {"message": "Bạn đã đăng xuất. Mọi mã truy cập (token) của tài khoản này không còn được chấp nhận."}
        """
        account = g.user
        accounts.end_sessions(db.session, account)
        audit.record("logout", "Account", account.id, {"username": account.username, "via": "api"},
                     actor=audit.Actor(name=account.username, id=account.id, ip=request.remote_addr))
        db.session.commit()
        cookie.clear()
        return self.response(200, message=_("You have been signed out. Every token of this account is now refused."))
