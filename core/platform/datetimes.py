"""A date and time typed in Vietnam time, stored in UTC: the one field every screen uses for it.

FAB draws a ``DateTime`` column with bootstrap-datepicker, which picks a date only: "2026-12-08 22:00"
became a date without its time and the form answered "Not a valid datetime value.". The browser's own
``datetime-local`` input is no better for our officers: Chromium draws it in the language of the
computer, "12/08/2026, 10:00 PM" on an English Windows. So the input is a text box holding
``dd/mm/yyyy HH:MM`` that flatpickr (vendored from npm with its ``vn`` locale, served from
``core/static/vendor/flatpickr/``) turns into a Vietnamese calendar with a 24-hour clock; without
script the same text is typed by hand. The server reads that, with seconds or not, and the ISO forms
(``2026-12-08T22:00``, ``2026-12-08 22:00``) a script or an older page sends.

The field's ``data`` is naive UTC, like every stored time (:mod:`core.platform.clock`); what it shows
and reads is the province's clock (``BABEL_DEFAULT_TIMEZONE``, Asia/Ho_Chi_Minh).
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from markupsafe import Markup, escape
from wtforms import Field

#: What the server reads: the input's own value first, then what a person types.
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %Hh%M",
                 "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
#: What the input shows and flatpickr writes (its ``dateFormat`` "d/m/Y H:i", core/static/baocao/datetime.js).
INPUT_FORMAT = "%d/%m/%Y %H:%M"
HINT = _l("Enter the date and time as DD/MM/YYYY HH:MM (Vietnam time), for example 08/12/2026 22:00.")


def parse_local(text: str | None) -> datetime | None:
    """A time typed on the province's clock, as naive local time; None when it reads as none of the formats."""
    text = " ".join((text or "").split())
    for fmt in LOCAL_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def local_to_utc(local: datetime) -> datetime:
    """Naive province time to naive UTC (what the database keeps)."""
    return to_utc(local)


def utc_to_input(value: datetime | None) -> str:
    """A stored UTC time as the input's value on the province's clock: ``08/12/2026 22:00``."""
    if value is None:
        return ""
    return to_user_timezone(value).strftime(INPUT_FORMAT)


class LocalDateTimeInput:
    """A text box for ``dd/mm/yyyy HH:MM`` that ``data-datetime`` makes a Vietnamese date-time picker."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("class", "form-control bc-maxw-14em")
        attributes = {"type": "text", "name": field.name, "value": field._value(), "data-datetime": "1",
                      "placeholder": "DD/MM/YYYY HH:MM", "autocomplete": "off", "inputmode": "numeric",
                      "title": str(HINT), **kwargs}
        if field.flags.required:
            attributes["required"] = True
        html = " ".join(str(escape(k)) if v is True else f'{escape(k)}="{escape(v)}"'
                        for k, v in attributes.items() if v is not False and v is not None)
        return Markup(f"<input {html}>")


class LocalDateTimeField(Field):
    """A date and time on the province's clock in the form, naive UTC in ``data``."""

    widget = LocalDateTimeInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self._typed: str | None = None

    def _value(self) -> str:
        if self._typed is not None and self.data is None:
            return self._typed  # what was typed and could not be read comes back as it was
        return utc_to_input(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self._typed = (valuelist[0] or "").strip()
        if not self._typed:
            self.data = None
            return
        local = parse_local(self._typed)
        if local is None:
            self.data = None
            raise ValueError(str(HINT))
        self.data = local_to_utc(local)
