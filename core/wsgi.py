"""WSGI entry point for gunicorn and other servers: ``core.wsgi:app``."""
from core import create_app
from core.platform.security_headers import hide_server_banner

hide_server_banner()  # under gunicorn: no "Server: gunicorn" banner (docs/security.md)
app = create_app()
