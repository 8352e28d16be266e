"""URL converters: an id in a URL never reaches the database unless the database can hold it.

``<int:pk>`` with a 30-digit number used to travel to SQLite (``OverflowError``) and answer 500;
bounded to a signed 64-bit integer, such a URL matches no route: 404, like any unknown id.
"""
from werkzeug.routing import IntegerConverter

DB_INT_MAX = 2**63 - 1


class DatabaseIntConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app) -> None:
    """Before any route is added: every ``<int:…>`` of core, FAB and plugins uses the bounded converter."""
    app.url_map.converters["int"] = DatabaseIntConverter
