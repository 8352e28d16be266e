"""WSGI entry point for gunicorn and other servers: ``core.wsgi:app``."""
from core import create_app

app = create_app()
