"""IHE ADX XML (namespace ``urn:ihe:qrph:adx:2015``), as DHIS2 reads and writes it::

    <adx xmlns="urn:ihe:qrph:adx:2015" exported="2026-12-20T03:00:00Z">
      <group orgUnit="X011" period="2026-01-01/P1Y" dataSet="CB-DT01" completeDate="2026-12-20">
        <dataValue dataElement="households" value="100"/>
        <dataValue dataElement="population_by_ethnicity" ethnic_group="01" sex="male" value="400"/>
      </group>
    </adx>

One group per org unit, period and data set. A disaggregated value names
each category of the field's combo as an attribute, with the option code
(the ``cell`` mapping table is for DHIS2 JSON and CSV's categoryOptionCombo).
Periods are ISO 8601 start/duration: ``2026`` is ``2026-01-01/P1Y``,
``2026Q3`` ``2026-07-01/P3M``, ``202603`` ``2026-03-01/P1M``, ``2026S2``
``2026-07-01/P6M``, ``2026N9`` ``2026-01-01/P9M``, ``2021-2025``
``2021-01-01/P5Y``; other codes are written as they are. Input is parsed with
defusedxml (no entity expansion, no external entities). ``row`` counts data
values from 1 across the file.
"""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from flask_babel import gettext as _

from core.platform import clock
from core.contracts import PeriodType
from core.exchange.datavalues import DataValue, FormatError, ValueSet

NS = "urn:ihe:qrph:adx:2015"
CONTENT_TYPE = "application/adx+xml"
GROUP_KEYS = ("orgUnit", "period", "dataSet", "completeDate")
VALUE_KEYS = ("dataElement", "value")
_ISO = re.compile(r"(\d{4})-(\d{2})-01/P(\d+)([YM])")


def period_to_adx(code: str) -> str:
    from core.forms.periods import parse

    try:
        kind, year, index = parse(code)
    except ValueError:
        return code
    start_month, duration = {
        PeriodType.YEARLY: (1, "P1Y"),
        PeriodType.MONTHLY: (index, "P1M"),
        PeriodType.QUARTERLY: ((index or 1) * 3 - 2, "P3M"),
        PeriodType.SIX_MONTHLY: ((index or 1) * 6 - 5, "P6M"),
        PeriodType.NINE_MONTH: (1, "P9M"),
        PeriodType.PHASE: (1, f"P{(index or 0) - (year or 0) + 1}Y"),
    }.get(kind, (None, None))
    if duration is None:
        return code
    return f"{year:04d}-{start_month:02d}-01/{duration}"


def period_from_adx(text: str) -> str:
    match = _ISO.fullmatch(text)
    if not match:
        return text
    year, month, length, unit = int(match[1]), int(match[2]), int(match[3]), match[4]
    if unit == "Y" and month == 1:
        return f"{year}" if length == 1 else f"{year}-{year + length - 1}"
    if unit == "M" and length == 1:
        return f"{year}{month:02d}"
    if unit == "M" and length == 3 and month % 3 == 1:
        return f"{year}Q{month // 3 + 1}"
    if unit == "M" and length == 6 and month in (1, 7):
        return f"{year}S{month // 6 + 1}"
    if unit == "M" and length == 9 and month == 1:
        return f"{year}N9"
    return text


def dumps(value_set: ValueSet, **_ignored) -> str:
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}adx", exported=clock.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"))
    groups: dict[tuple, ET.Element] = {}
    for v in value_set.values:
        key = (v.org_unit, v.period, value_set.data_set)
        group = groups.get(key)
        if group is None:
            attrs = {"orgUnit": v.org_unit, "period": period_to_adx(v.period), "dataSet": value_set.data_set or ""}
            if value_set.complete_date and v.org_unit == value_set.org_unit:
                attrs["completeDate"] = value_set.complete_date
            group = groups[key] = ET.SubElement(root, f"{{{NS}}}group", attrs)
        attrs = {"dataElement": v.data_element, **dict(v.disaggregation)}
        attrs["value"] = "" if v.value is None else v.value
        ET.SubElement(group, f"{{{NS}}}dataValue", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def loads(data: bytes | str) -> ValueSet:
    from defusedxml import ElementTree as SafeET
    from defusedxml.common import DefusedXmlException

    try:
        root = SafeET.fromstring(data)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise FormatError(_("The file is not valid ADX XML: %(error)s", error=str(exc))) from None
    if _local(root.tag) != "adx":
        raise FormatError(_("Expected an ADX document (an adx element in namespace %(ns)s).", ns=NS))
    value_set, row = ValueSet(), 0
    for group in root:
        if _local(group.tag) != "group":
            continue
        org_unit, data_set = group.get("orgUnit", ""), group.get("dataSet")
        period = period_from_adx(group.get("period", ""))
        if value_set.data_set is None:
            value_set.data_set = data_set
        for item in group:
            if _local(item.tag) != "dataValue":
                continue
            row += 1
            value = item.get("value")
            if value is None and (item.text or "").strip():
                value = item.text.strip()
            extra = tuple(sorted((k, v) for k, v in item.attrib.items() if k not in VALUE_KEYS and "}" not in k))
            value_set.values.append(DataValue(data_element=item.get("dataElement", ""), period=period,
                                              org_unit=org_unit, value=value, data_set=data_set, row=row,
                                              disaggregation=extra))
    return value_set
