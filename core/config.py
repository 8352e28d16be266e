"""Default settings. ``instance/config.py`` overrides them; see instance/config.example.py."""
from __future__ import annotations

from datetime import timedelta

from flask_appbuilder.const import AUTH_DB

APP_NAME = "Hệ thống báo cáo"
FAB_SECURITY_MANAGER_CLASS = "core.accounts.views.security.SecurityManager"
FAB_INDEX_VIEW = "core.reporting.views.home.HomeView"
FAB_BASE_TEMPLATE = "platform/base.html"
AUTH_TYPE = AUTH_DB
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
# Schema comes only from migrations; permissions are synced by `baocao init` / `db upgrade`.
FAB_CREATE_DB = False
FAB_UPDATE_PERMS = False
#: FAB's user/role/permission CRUD API would bypass core.accounts.lifecycle and core.hierarchy.roles; the login
#: API (``/api/v1/security/login``, ``/refresh``) is FAB's SecurityApi and stays.
FAB_ADD_SECURITY_API = False
#: FAB's raw permission, view-menu and permission-on-view lists are its internals: roles are data
#: (core.hierarchy.roles) and the role screen lists each role's grants. Users, roles and groups stay.
FAB_ADD_SECURITY_PERMISSION_VIEW = False
FAB_ADD_SECURITY_VIEW_MENU_VIEW = False
FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW = False
FAB_API_SWAGGER_UI = True
FAB_PASSWORD_HASH_METHOD = "scrypt"

BABEL_DEFAULT_LOCALE = "vi"
BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
LANGUAGES = {
    "vi": {"flag": "vn", "name": "Tiếng Việt"},
    "en": {"flag": "gb", "name": "English"},
}

LOG_LEVEL = "WARNING"
SQLALCHEMY_TRACK_MODIFICATIONS = False
#: No ``pool_pre_ping``: core.platform.pool_check replaces dead pooled connections without a query.
SQLALCHEMY_ENGINE_OPTIONS: dict = {}

WTF_CSRF_ENABLED = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
#: Idle timeout (A14): a session unused this long is ended by the server.
PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
#: However active, a browser session ends this long after its login (docs/security.md).
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
#: API tokens: an access token lives 15 minutes (flask_jwt_extended's default); a refresh token no
#: longer than a browser session, instead of flask_jwt_extended's 30 days. Both are also refused
#: once the account's session epoch moves (sign-out, lock, unlock, password change).
JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=15)
JWT_REFRESH_TOKEN_EXPIRES = timedelta(hours=12)

#: Login protection: Flask-Limiter on the form and API logins, per IP and per user name.
RATELIMIT_ENABLED = True
RATELIMIT_KEY_PREFIX = "baocao"
RATELIMIT_HEADERS_ENABLED = True
LOGIN_RATE_LIMIT_IP = "30 per minute"
LOGIN_RATE_LIMIT_USER = "10 per minute"
#: Failed logins are counted per (account, address): the policy's lockout numbers make that address
#: wait; the account itself is locked only after failures from this many addresses within the window
#: (core.accounts.lockout, docs/security.md).
LOGIN_LOCK_ADDRESSES = 10
LOGIN_LOCK_WINDOW = timedelta(hours=1)
#: Redis down (S1): count logins in this process's memory until it is back, never refuse to log in.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_SWALLOW_ERRORS = True
#: Served over https (behind the reverse proxy that ends TLS: set PREFERRED_URL_SCHEME = "https" in
#: instance/config.py): every answer carries Strict-Transport-Security for this long (two years).
HSTS_MAX_AGE = 63072000
#: Longer passwords are refused before they are hashed (docs/security.md, "Input rules").
PASSWORD_MAX_LENGTH = 256
#: FAB's own password forms (admin reset) check the province's policy too.
FAB_PASSWORD_COMPLEXITY_ENABLED = True


def FAB_PASSWORD_COMPLEXITY_VALIDATOR(password: str) -> None:  # noqa: N802 (a setting FAB calls)
    from core.accounts.passwords import fab_validator

    fab_validator(password)

#: Packages whose modules are plugins; entry points of the "baocao" group are always searched.
PLUGIN_PACKAGES = ["plugins"]

#: Job retries: attempts after the first, and the waits between them (seconds).
JOB_RETRIES = 3
JOB_RETRY_INTERVALS = [10, 60, 300]
JOB_QUEUE = "baocao"

#: The operator of this installation, shown on the help page after plugin contacts.
OPERATOR_CONTACT = None

import os as _os

BABEL_TRANSLATION_DIRECTORIES = _os.path.join(_os.path.dirname(__file__), "translations")

# --- operations (docs/operations.md) ---
#: Where `baocao backup create` and the scheduled backup write (default: <instance>/backups).
BACKUP_DIR = None
#: Keys of earlier backups, kept after a rotation so that they can still be verified and restored.
BACKUP_OLD_KEYS: list = []
#: Folder for the scratch copies of verify/restore (default: the system's temporary folder).
BACKUP_TMP_DIR = None
#: Folder of pg_dump/pg_restore matching the server (default: /usr/lib/postgresql/<major>/bin, then PATH).
PG_BIN_DIR = None
#: When the weekly automatic restore test runs (cron, the app's time zone): Saturday 04:00.
BACKUP_RESTORE_TEST_CRON = "0 4 * * 6"
#: Keys of the audit chain before a rotation (AUDIT_KEY itself lives in instance/config.py): old
#: entries and checkpoints stay verifiable while their key is listed here (docs/security.md).
AUDIT_OLD_KEYS: list = []
#: Chain audit entries in one thread per process woken by each commit, so a request never waits for
#: the chainer (core.platform.audit_chainer). None: on under `baocao serve`, off elsewhere (after each
#: commit, inline). ``AUDIT_CHAIN_DELAY``: seconds the thread waits to take more commits in one run.
AUDIT_CHAIN_IN_BACKGROUND = None
AUDIT_CHAIN_DELAY = 0.05
#: `baocao audit verify` fails when an entry has waited longer than this to be chained (a stuck chainer).
AUDIT_CHAIN_STUCK_SECONDS = 300
#: When the audit chain's head is signed into a checkpoint (cron, the app's time zone): hourly.
AUDIT_CHECKPOINT_CRON = "7 * * * *"
#: /health fails when the last good backup is older than this (twice a week: at most 96 h apart).
HEALTH_BACKUP_MAX_AGE_HOURS = 96
#: /health fails when the worker's heartbeat (every minute) is older than this, with REDIS_URL set.
HEALTH_WORKER_MAX_AGE_SECONDS = 180
