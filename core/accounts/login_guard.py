"""What stands between a request and the data: rate limits, lockout, forced change, idle timeout.

FAB rate-limits neither its form login (unless configured) nor its API login,
and knows nothing of first-login changes or idle sessions. This module adds,
on every request:

* a per-IP and a per-username limit on ``POST /login/``,
  ``POST /api/v1/security/login`` and ``POST /api/v1/me/relogin`` (Flask-Limiter, Redis-backed when
  ``REDIS_URL`` is set, so all workers share the counts);
* logout of an account that was locked or closed since it signed in (A10);
* revocation: a browser session and an API token carry the account's
  ``session_epoch`` of when they were issued; logout, a password change, a
  lock or unlock and "sign out everywhere" move it, and anything carrying
  the old value is refused (the cookie is signed, not stored: without this a
  cookie saved before ``/logout/`` would open the pages again);
* the idle timeout (A14): a session unused for ``PERMANENT_SESSION_LIFETIME``
  is ended server-side, whatever the cookie says, and every session ends
  ``SESSION_ABSOLUTE_LIFETIME`` after its login however busy it was;
* the forced change (A3, A4): while the password is one-time or expired,
  every page redirects to the change form and every API call but
  ``POST /api/v1/me/password`` answers 403.
"""
from __future__ import annotations

import time
from datetime import datetime

from flask import Flask, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from core.platform import clock, errors
from core.accounts import passwords

FORM_LOGIN = "AuthDBView.login"
API_LOGIN = "SecurityApi.login"
#: Signing in again in place (a screen whose session ended): the same limits as the two doors.
RELOGIN = "MeApi.relogin"
PASSWORD_FORM = "PasswordView.this_form_get"
PASSWORD_CLAIM = "pwd_at"
EPOCH_CLAIM = "epoch"
#: Screens whose posts, when the session has ended, are handed on signed out rather than redirected to
#: the login page: the screen shows what was posted again and asks to sign in (the entry page), so a
#: pause longer than the session never throws away typed values.
KEEP_POSTED = frozenset({"ReportsView.entry"})
#: Endpoints a user who must change the password can still reach.
OPEN_WHILE_CHANGING = frozenset({
    FORM_LOGIN, API_LOGIN, RELOGIN, "SecurityApi.refresh", "AuthDBView.logout", "PasswordView.this_form_get",
    "PasswordView.this_form_post", "MeApi.password", "MeApi.logout", "HelpView.index", "HelpView.plugin", "static",
    "appbuilder.static", "LocaleView.index",
})


def _username_key() -> str:
    data = request.get_json(silent=True) if request.is_json else None
    name = (data or {}).get("username") if isinstance(data, dict) else request.form.get("username")
    return f"login-user:{str(name or '').strip().lower()[:100]}"


def _ip_key() -> str:
    return f"login-ip:{request.remote_addr}"


def _limit_logins(app: Flask) -> None:
    limiter = app.appbuilder.sm.limiter
    for endpoint in (FORM_LOGIN, API_LOGIN, RELOGIN):
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        view = limiter.shared_limit(app.config["LOGIN_RATE_LIMIT_USER"], "login:user", key_func=_username_key,
                                    methods=["POST"])(view)
        # One budget per IP across both doors: switching from the form to the API gains nothing.
        view = limiter.shared_limit(app.config["LOGIN_RATE_LIMIT_IP"], "login:ip", key_func=_ip_key,
                                    methods=["POST"])(view)
        app.view_functions[endpoint] = view


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _api_account():
    """The account of a bearer token, if the request carries a valid one."""
    if "Authorization" not in request.headers:
        return None
    from flask_jwt_extended import get_jwt, get_jwt_identity, verify_jwt_in_request

    try:
        # A refresh token is checked too: otherwise an old holder could mint fresh access tokens.
        verify_jwt_in_request(optional=True, refresh=request.endpoint == "SecurityApi.refresh")
        identity = get_jwt_identity()
        claims = get_jwt()
    except Exception:  # expired, forged or revoked: FAB's own check answers 401 later
        return None
    account = current_app.appbuilder.sm.get_user_by_id(int(identity)) if identity else None
    if account is not None:
        g.baocao_token_stale = (claims.get(PASSWORD_CLAIM) != _password_stamp(account)
                                or claims.get(EPOCH_CLAIM) != account.session_epoch)
    return account


def _password_stamp(account) -> str | None:
    changed = account.password_changed_at
    return changed.isoformat() if changed else None


def _token_claims(identity) -> dict:
    """Each token carries the password's change time and the account's session epoch; a later
    change, lock, unlock or sign-out makes it stale (A6)."""
    account = current_app.appbuilder.sm.get_user_by_id(int(identity))
    if account is None:
        return {PASSWORD_CLAIM: None, EPOCH_CLAIM: None}
    return {PASSWORD_CLAIM: _password_stamp(account), EPOCH_CLAIM: account.session_epoch}


def _token_revoked(jwt_header, jwt_payload) -> bool:
    """flask_jwt_extended's blocklist check, on every verification of a token (access or refresh):
    a token from before the account's last sign-out, lock, unlock or password change is revoked."""
    identity = jwt_payload.get("sub")
    account = current_app.appbuilder.sm.get_user_by_id(int(identity)) if identity else None
    return account is None or jwt_payload.get(EPOCH_CLAIM) != account.session_epoch


def _revoked_answer(jwt_header, jwt_payload):
    """A revoked token gets the API's usual error shape, not flask_jwt_extended's ``{"msg": ...}``."""
    message = _("You have been signed out. Please log in again.")
    return jsonify(message=message, errors={"token": "revoked"}), 401


def mark_signed_in(account, login: bool = True) -> None:
    """Remember when this browser session proved its password and under which session epoch
    (called at login, and at the holder's own change, which moves the epoch but keeps the
    login's absolute limit)."""
    now = clock.utcnow()
    session["_auth_at"] = now.isoformat()
    session["_epoch"] = account.session_epoch
    if login:
        session["_born"] = now.isoformat()


def _expired(born: str | None) -> bool:
    """Past the absolute lifetime (or from before there was one): however active, sign in again."""
    if not born:
        return True
    limit = current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    return clock.utcnow() - datetime.fromisoformat(born) > limit


def _stale(account, by_session: bool) -> bool:
    """Signed in before the account's password last changed (a reset or handover since)."""
    if not by_session:
        return g.get("baocao_token_stale", False)
    value = session.get("_auth_at")
    changed = account.password_changed_at
    return bool(value and changed and changed > datetime.fromisoformat(value))


def must_change(account) -> bool:
    return bool(account.must_change_password) or passwords.is_expired(account.password_changed_at,
                                                                       passwords.policy())


def _end_session(message: str):
    logout_user()
    session.clear()
    if request.method == "POST" and request.endpoint in KEEP_POSTED:
        return None  # signed out; the screen itself keeps the posted values and asks to sign in again
    if _is_api():
        return jsonify(message=message, errors={"session": message}), 401
    flash(message, "warning")
    return redirect(url_for(FORM_LOGIN))


def _guard():
    endpoint = request.endpoint or ""
    if endpoint.endswith("static"):
        return None
    by_session = current_user.is_authenticated
    account = current_user._get_current_object() if by_session else _api_account()
    if account is None:
        return None
    g.baocao_account = account
    if account.closed_at is not None or account.locked:
        return _end_session(_("Your account is locked or closed. Contact the administrator."))
    if _stale(account, by_session):
        # A reset or handover since this sign-in: the previous holder's sessions and tokens end (A6).
        return _end_session(_("The password of this account was changed. Please log in again."))
    if by_session and session.get("_epoch") != account.session_epoch:
        return _end_session(_("You have been signed out. Please log in again."))
    if by_session and _expired(session.get("_born")):
        return _end_session(_("Your session has reached its maximum length. Please log in again."))
    if by_session:
        now, seen = int(time.time()), session.get("_seen")
        idle = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
        if seen and now - seen > idle:
            return _end_session(_("Your session ended after a period without activity. Please log in again."))
        session["_seen"] = now
        session.permanent = True
    if endpoint in OPEN_WHILE_CHANGING or not must_change(account):
        return None
    message = _("You must change your password before continuing.")
    if _is_api():
        return jsonify(message=message, errors={"password": "must_change"}), 403
    if request.method == "GET":
        flash(message, "warning")
    return redirect(url_for(PASSWORD_FORM))


def _too_many(error):
    message = _("Too many login attempts. Please wait a minute and try again.")
    if _is_api():
        return jsonify(message=message, errors={"login": "rate_limited"}), 429
    return errors.render(429, message)


def _expiry_warning():
    account = g.get("baocao_account")
    if account is None or account.must_change_password:
        return {}
    return {"password_days_left": passwords.days_left(account.password_changed_at, passwords.policy())}


def init_app(app: Flask) -> None:
    """Call after all views are registered (the limits wrap FAB's login views)."""
    _limit_logins(app)
    app.appbuilder.sm.jwt_manager.additional_claims_loader(_token_claims)
    app.appbuilder.sm.jwt_manager.token_in_blocklist_loader(_token_revoked)
    app.appbuilder.sm.jwt_manager.revoked_token_loader(_revoked_answer)
    app.before_request(_guard)
    app.register_error_handler(429, _too_many)
    app.context_processor(_expiry_warning)
