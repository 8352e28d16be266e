"""DHIS2's data value CSV: one value a line, the columns DHIS2 exports::

    dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,lastupdated,comment,followup

A header line is written on export and optional on import (recognised by its
first cell). CSV has no data set column: the form comes from the request's
``form`` (or the intake source's form). ``row`` is the line number in the file.

People open this file in Excel, so every field is written through
:func:`core.platform.tabular.csv_text`: a value that is a plain number (``-5``, ``1234.5``) is written as
it is, a text starting with ``= + - @`` (``+84 912 345 678``, ``=HYPERLINK(…)``) gets a leading
apostrophe. :func:`loads` takes the apostrophe off again (:func:`core.platform.tabular.restore`), so
our export read back by our import gives the same values (docs/security.md).
"""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from core.exchange.datavalues import DataValue, FormatError, ValueSet
from core.platform import tabular

CONTENT_TYPE = "text/csv"
COLUMNS = ("dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo", "value",
           "storedby", "lastupdated", "comment", "followup")


def dumps(value_set: ValueSet, **_ignored) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for v in value_set.values:
        writer.writerow(tabular.csv_row([v.data_element, v.period, v.org_unit, v.coc, "", v.value,
                                         "", "", "", "false"]))
    return out.getvalue()


def loads(data: bytes | str) -> ValueSet:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FormatError(_("The file is not UTF-8 text.")) from None
    value_set = ValueSet()
    for line, cells in enumerate(csv.reader(io.StringIO(data)), start=1):
        if not cells or not any(c.strip() for c in cells):
            continue
        if line == 1 and cells[0].strip().lower() == COLUMNS[0]:
            continue
        cells = [tabular.restore(c.strip()) for c in cells] + [""] * (len(COLUMNS) - len(cells))
        value_set.values.append(DataValue(data_element=cells[0], period=cells[1], org_unit=cells[2],
                                          coc=cells[3], value=cells[5], row=line))
    return value_set
