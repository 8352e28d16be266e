"""One value as an officer types it: numbers the way Vietnamese officers and programs write them
("12,5", "1.234.567"), dates as DD/MM/YYYY, yes and no in Vietnamese. No database, no request:
:mod:`core.reporting.entry` parses whole reports with these.

Programs are read differently (``machine=True``, the REST API and the data exchange): a number is a
JSON number, or text in plain machine form (``1234``, ``-5``, ``1234.5``). Read the Vietnamese way,
``"1.234"`` is 1234 while ``"1.5"`` is refused, so an integrator sending strings could store values a
thousand times too large; the machine form has one reading only (docs/security.md).
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from flask_babel import gettext as _

from core.forms.models.form import NUMERIC_TYPES

DECIMAL_PLACES = 6  # report_value.number is Numeric(20, 6)
MAX_NUMBER = Decimal(10) ** 14
TEXT_LIMITS = {"text": 500, "long_text": 10000}
_QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)


class BadValue(ValueError):
    """A value that cannot be read; the message is for the user."""


_DIGITS = re.compile(r"\d+")
_GROUPED = {sep: re.compile(r"\d{1,3}(?:%s\d{3})+" % re.escape(sep)) for sep in ".,"}
_ONE_DOT_GROUP = re.compile(r"[1-9]\d{0,2}\.\d{3}")
_PLAIN_DECIMAL = {sep: re.compile(r"\d*%s\d+|\d+%s" % (re.escape(sep), re.escape(sep))) for sep in ".,"}


def parse_number(text: str) -> Decimal:
    """Read a number as Vietnamese officers and programs write it.

    Spaces (also non-breaking) are ignored. Then:

    * both ``.`` and ``,``: the one written last is the decimal mark, the other
      groups thousands: ``1.234,5`` and ``1,234.5`` are both 1234.5;
    * only ``,``: once, it is the decimal comma (``1234,5``, ``1,234`` = 1.234);
      several times, it groups thousands (``1,234,567``);
    * only ``.``: several times, it groups thousands (``1.234.567``). Once, it
      is the Vietnamese thousands dot when exactly three digits follow one to
      three leading digits that do not start with 0 (``1.234`` and ``12.500``
      are 1234 and 12500); otherwise it is a decimal point (``1234.5``,
      ``0.234``, ``1.5``, ``1.2345``). To type one point two three four, write
      ``1,234``; programs should send JSON numbers, which are taken as they are.

    Raises ValueError for anything else (letters, exponents, misplaced groups).
    """
    s = re.sub(r"[\s\u00a0\u202f]", "", text)
    sign = ""
    if s[:1] in "+-":
        sign, s = s[:1], s[1:]
    if not s:
        raise ValueError("empty")
    dot, comma = "." in s, "," in s
    if dot and comma:
        decimal_mark = "." if s.rfind(".") > s.rfind(",") else ","
        group = "," if decimal_mark == "." else "."
        whole, _, fraction = s.rpartition(decimal_mark)
        if not (_GROUPED[group].fullmatch(whole) and _DIGITS.fullmatch(fraction)):
            raise ValueError(text)
        s = whole.replace(group, "") + "." + fraction
    elif comma:
        if s.count(",") > 1:
            if not _GROUPED[","].fullmatch(s):
                raise ValueError(text)
            s = s.replace(",", "")
        elif _PLAIN_DECIMAL[","].fullmatch(s):
            s = s.replace(",", ".")
        else:
            raise ValueError(text)
    elif dot:
        if s.count(".") > 1:
            if not _GROUPED["."].fullmatch(s):
                raise ValueError(text)
            s = s.replace(".", "")
        elif _ONE_DOT_GROUP.fullmatch(s):
            s = s.replace(".", "")
        elif not _PLAIN_DECIMAL["."].fullmatch(s):
            raise ValueError(text)
    elif not _DIGITS.fullmatch(s):
        raise ValueError(text)
    if s.endswith("."):
        s = s[:-1]
    try:
        return Decimal(sign + s)
    except InvalidOperation:
        raise ValueError(text) from None


_MACHINE_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")  # ASCII digits only: "١٢" is not 12 here


def parse_machine_number(text: str) -> Decimal:
    """A number as programs write it: an optional sign, digits, at most one decimal point; no grouping,
    no decimal comma, no exponent (``1234``, ``-5``, ``1234.5``). Raises ValueError for anything else."""
    s = text.strip()
    if not _MACHINE_NUMBER.fullmatch(s):
        raise ValueError(text)
    return Decimal(s)


def plain(number: Decimal | int | float) -> int | float:
    """A number as ``int`` when whole, else ``float`` (what rules, JSON and comparisons use)."""
    d = number if isinstance(number, Decimal) else Decimal(repr(number))
    return int(d) if d == d.to_integral_value() else float(d)


_MAX_INT = int(MAX_NUMBER)


def _to_number(fld: dict, value, machine: bool = False) -> int | float:
    if type(value) is int and -_MAX_INT < value < _MAX_INT and fld["type"] != "percent":
        return value  # a JSON integer, the usual case of a program's submission: nothing to round or parse
    if isinstance(value, bool):
        raise BadValue(_("Enter a number."))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise BadValue(_("Enter a number."))
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif machine:
        try:
            number = parse_machine_number(value if isinstance(value, str) else "")
        except ValueError:
            raise BadValue(_("Send a JSON number, or text such as 1234 or 1234.5 (a point before the decimals, "
                             "no thousands separator).")) from None
    else:
        try:
            number = parse_number(str(value))
        except ValueError:
            raise BadValue(_("Enter a number, such as 1234 or 1.234,5.")) from None
    if not number.is_finite():
        raise BadValue(_("Enter a number."))
    if fld["type"] == "integer" and number != number.to_integral_value():
        raise BadValue(_("Enter a whole number."))
    if abs(number) >= MAX_NUMBER:
        raise BadValue(_("The number is too large."))
    if fld["type"] == "percent" and not 0 <= number <= 100:
        raise BadValue(_("Enter a percentage from 0 to 100."))
    return plain(number.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN))


_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _to_date(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if m := _ISO.fullmatch(text):
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        if m := _DMY.fullmatch(text):
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
    except ValueError:
        pass
    raise BadValue(_("Enter a real date as DD/MM/YYYY."))


_YES = frozenset({"1", "yes", "y", "true", "có", "co", "x"})
_NO = frozenset({"0", "no", "n", "false", "không", "khong"})


def _to_yes_no(value) -> int:
    if isinstance(value, bool) or value in (0, 1):
        return int(value)
    text = unicodedata.normalize("NFC", str(value)).strip().lower()
    if text in _YES:
        return 1
    if text in _NO:
        return 0
    raise BadValue(_("Answer yes or no."))


def convert(fld: dict, value, machine: bool = False):
    """One raw value (text from a form, or a JSON value) as the field's type; None when empty.

    ``machine``: the value comes from a program (the API), numbers in machine form only."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = fld["type"]
    if kind in NUMERIC_TYPES:
        return _to_number(fld, value, machine)
    if kind == "date":
        return _to_date(value)
    if kind == "yes_no":
        return _to_yes_no(value)
    if kind == "choice":
        code = str(value).strip()
        if code not in {c["code"] for c in fld.get("choices") or []}:
            raise BadValue(_("Choose one of the listed options."))
        return code
    if kind == "file":
        raise BadValue(_("Files are attached to the report, not typed here."))
    if isinstance(value, (dict, list)):
        raise BadValue(_("Enter text."))
    text = unicodedata.normalize("NFC", str(value)).strip()
    limit = TEXT_LIMITS.get(kind, TEXT_LIMITS["text"])
    if len(text) > limit:
        raise BadValue(_("Write at most %(n)d characters.", n=limit))
    return text
