"""``baocao serve``: gunicorn, configured from the command line, each worker with its own app.

Behind a reverse proxy (docs/deploy.md), ``PROXY_COUNT`` = the number of proxies in front makes
the client's address (login limits per IP, the audit log) and scheme come from their
``X-Forwarded-*`` headers; without it they are the proxy's.
"""
import functools
import re

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

#: The fields of gunicorn's default access format (Apache's combined log).
COMBINED = frozenset("hlutrsbfa")
_FIELD = re.compile(r"%\(([^)]*)\)")


class AccessLogger(Logger):
    """gunicorn's logger, whose access line builds only the fields it prints.

    For every request gunicorn builds every field it knows (each request and response header and each
    WSGI variable as one of its own) whatever the format prints: a tenth of an empty request's CPU
    (bench/autosave.py). With a format of the combined log's fields (the default) the line is the same,
    built from those nine; any other format gets gunicorn's full set, as before.
    """

    def atoms(self, resp, req, environ, request_time):
        if not _fields(self.cfg.access_log_format) <= COMBINED:
            return super().atoms(resp, req, environ, request_time)
        status, sent = resp.status, getattr(resp, "sent", None)
        return {
            "h": environ.get("REMOTE_ADDR", "-"), "l": "-", "u": self._get_user(environ) or "-", "t": self.now(),
            "r": f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}",
            "s": status.split(None, 1)[0] if isinstance(status, str) else status,
            "b": "-" if sent is None else str(sent),
            "f": environ.get("HTTP_REFERER", "-"), "a": environ.get("HTTP_USER_AGENT", "-"),
        }


@functools.lru_cache(maxsize=8)
def _fields(log_format: str) -> frozenset:
    return frozenset(_FIELD.findall(log_format))


class Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from core import create_app
        from core.platform.security_headers import hide_server_banner

        hide_server_banner()  # no "Server: gunicorn" (docs/security.md)
        app = create_app()
        if app.config.get("AUDIT_CHAIN_IN_BACKGROUND") is None:  # the request path never waits for the chainer
            app.config["AUDIT_CHAIN_IN_BACKGROUND"] = True
        return behind_proxies(app)


def behind_proxies(app):
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    return app


def serve(bind: str, workers: int) -> None:
    Server({"bind": bind, "workers": workers, "accesslog": "-", "timeout": 120,
            "logger_class": AccessLogger}).run()
