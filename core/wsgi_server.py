"""``baocao serve``: gunicorn, configured from the command line, each worker with its own app."""
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

        return create_app()


def serve(bind: str, workers: int) -> None:
    Server({"bind": bind, "workers": workers, "accesslog": "-", "timeout": 120}).run()
