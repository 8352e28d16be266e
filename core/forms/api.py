"""``GET /api/v1/form/`` and ``GET /api/v1/period/``: what units report on, and when (CONTRACT).

A form is listed with its latest published version: ``version`` and
``fields`` (code, label, type, required and the validation the entry screen
and the API apply). Fields come from the frozen version, never the draft, so
an integrator sees what a report is actually filled with. Unpublished forms
are not listed.
"""
from flask_appbuilder import ModelRestApi
from flask_babel import lazy_gettext as _l
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterGreater
from flask_appbuilder.models.sqla.interface import SQLAInterface

from core.platform.extensions import db
from core.forms.definitions import fields_of, published_versions
from core.forms.models.form import Form
from core.forms.models.period import Period


def field_json(field: dict, combos: dict) -> dict:
    combo = combos.get(field["combo"]) if field["combo"] else None
    return {
        "code": field["code"], "label": field["label"], "type": field["type"], "required": field["required"],
        "unit_of_measure": field["unit_of_measure"], "indicator": field["indicator"],
        "validation": {"min": field["min"], "max": field["max"],
                       "choices": [c["code"] for c in field["choices"]] or None},
        "disaggregation": {"combo": combo["code"], "cells": [c["key"] for c in combo["cells"]]} if combo else None,
    }


class FormApi(ModelRestApi):
    resource_name = "form"
    datamodel = SQLAInterface(Form)
    allow_browser_login = True
    base_permissions = ["can_get", "can_info"]
    include_route_methods = {"get", "get_list"}
    base_filters = [["published_version", FilterGreater, 0], ["active", FilterEqual, True]]
    base_order = ("code", "asc")
    list_columns = ["id", "code", "name", "sector", "published_version"]
    show_columns = list_columns
    search_columns = ["code", "name", "sector"]
    openapi_spec_tag = "Forms"
    list_title = _l("Forms")
    show_title = _l("Form")
    label_columns = {"id": _l("Id"), "code": _l("Code"), "name": _l("Name"), "sector": _l("Sector"),
                     "published_version": _l("Published version")}

    def _decorate(self, rows: list[dict]) -> None:
        versions = published_versions(db.session, [r["id"] for r in rows])
        for row in rows:
            version = versions.get(row["id"])
            row["version"] = version.version if version else None
            defn = version.definition if version else {"sections": [], "combos": {}}
            row["fields"] = [field_json(f, defn["combos"]) for f in fields_of(defn).values()]
            row["rules"] = [{"code": r["code"], "expression": r["expression"], "message": r["message"]}
                            for r in defn.get("rules", [])]

    def pre_get_list(self, data):
        self._decorate(data["result"])

    def pre_get(self, data):
        self._decorate([data["result"]])


class PeriodApi(ModelRestApi):
    resource_name = "period"
    datamodel = SQLAInterface(Period)
    allow_browser_login = True
    base_permissions = ["can_get", "can_info"]
    include_route_methods = {"get", "get_list"}
    base_order = ("start", "desc")
    list_columns = ["id", "code", "type", "name", "start", "end", "deadline", "opens", "closes"]
    show_columns = list_columns
    search_columns = ["code", "type", "start", "end", "deadline"]
    openapi_spec_tag = "Periods"
    list_title = _l("Reporting periods")
    show_title = _l("Period")
    label_columns = {"id": _l("Id"), "code": _l("Code"), "type": _l("Period type"), "name": _l("Name"),
                     "start": _l("Period starts"), "end": _l("Period ends"), "deadline": _l("Deadline"),
                     "opens": _l("Entry opens"), "closes": _l("Entry closes")}
