"""DHIS2 ``dataValueSets`` JSON (the body of DHIS2's ``/api/dataValueSets``)::

    {"dataSet": "CB-DT01", "period": "2026", "orgUnit": "04", "completeDate": "2026-12-20",
     "dataValues": [{"dataElement": "households", "period": "2026", "orgUnit": "X011",
                     "categoryOptionCombo": "default", "value": "100"}, ...]}

Values are strings, as DHIS2 writes them. On import a data value without
``period``/``orgUnit`` takes the set's; ``row`` is the value's position in
``dataValues``, from 1.
"""
from __future__ import annotations

import json

from flask_babel import gettext as _

from core.exchange.datavalues import DataValue, FormatError, ValueSet

CONTENT_TYPE = "application/json"


def to_dict(value_set: ValueSet) -> dict:
    out: dict = {"dataSet": value_set.data_set, "period": value_set.period, "orgUnit": value_set.org_unit}
    if value_set.complete_date:
        out["completeDate"] = value_set.complete_date
    out["dataValues"] = [{"dataElement": v.data_element, "period": v.period, "orgUnit": v.org_unit,
                          "categoryOptionCombo": v.coc, "value": v.value} for v in value_set.values]
    return out


def dumps(value_set: ValueSet, **_ignored) -> str:
    return json.dumps(to_dict(value_set), ensure_ascii=False, indent=1)


def _str(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def from_dict(doc) -> ValueSet:
    if not isinstance(doc, dict) or not isinstance(doc.get("dataValues"), list):
        raise FormatError(_("Expected a DHIS2 data value set: an object with a dataValues list."))
    value_set = ValueSet(data_set=_str(doc.get("dataSet")), period=_str(doc.get("period")),
                         org_unit=_str(doc.get("orgUnit")), complete_date=_str(doc.get("completeDate")))
    for number, item in enumerate(doc["dataValues"], start=1):
        item = item if isinstance(item, dict) else {}
        value_set.values.append(DataValue(
            data_element=_str(item.get("dataElement")) or "", period=_str(item.get("period")) or "",
            org_unit=_str(item.get("orgUnit")) or "", value=_str(item.get("value")),
            coc=_str(item.get("categoryOptionCombo")) or "", data_set=_str(item.get("dataSet")), row=number))
    return value_set


def loads(data: bytes | str) -> ValueSet:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise FormatError(_("The file is not valid JSON.")) from None
    return from_dict(doc)
