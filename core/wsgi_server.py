"""``baocao serve``: gunicorn, configured from the command line, each worker with its own app.

Behind a reverse proxy (docs/deploy.md), ``PROXY_COUNT`` = the number of proxies in front makes
the client's address (login limits per IP, the audit log) and scheme come from their
``X-Forwarded-*`` headers; without it they are the proxy's.
"""
from gunicorn.app.base import BaseApplication


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
    Server({"bind": bind, "workers": workers, "accesslog": "-", "timeout": 120}).run()
