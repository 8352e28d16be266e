"""``/api/v1/exchange/datavaluesets``: DHIS2 data value sets, ADX and CSV out and in (R3, R4, R6).

``GET`` exports the approved values of the unit's subtree for one form and
period (``form``, ``period``, ``unit`` as in ``/api/v1/aggregate/``, scope
checked the same way: out of scope is 404), in ``format`` = ``json``
(default), ``adx`` or ``csv``, translated by the mapping tables of ``system``
when given. Everyone who reads reports may export what they may read.

``POST`` imports a file — the request body, or a multipart ``file`` — of
``format`` (default from the Content-Type, else json), read through
``system``'s mapping tables; ``form`` names the form when the file does not
(CSV). System administrators only: an import writes into any unit's draft
or returned reports, in the units' stead, so no role below the admin is
granted it (``ExchangeApi.can_post``). All or nothing: 200 with the counts,
or 422 with ``errors: [{"row", "field", "message"}]`` for every wrong row
and nothing written.
"""
from __future__ import annotations

from flask import Response, g, request
from flask_appbuilder.api import expose, protect, safe
from flask_babel import gettext as _

from core.analytics.api.aggregate import BadRequest, NotFound, SelectionApi, chosen_tree, selection
from core.exchange.datavalues import CONTENT_TYPES, FORMATS, FormatError
from core.exchange.codecs import codec
from core.exchange.mapping import Mapper
from core.exchange.values import export, import_values
from core.platform.extensions import db

MAX_BYTES = 50 * 1024 * 1024
_BY_TYPE = {"json": "json", "xml": "adx", "adx+xml": "adx", "csv": "csv"}
_BY_EXTENSION = {"json": "json", "xml": "adx", "adx": "adx", "csv": "csv"}


def _format(default: str | None = None) -> str | None:
    fmt = (request.args.get("format") or "").strip().lower()
    if fmt:
        return fmt if fmt in FORMATS else None
    if default:
        return default
    subtype = (request.mimetype or "").rpartition("/")[2]
    return _BY_TYPE.get(subtype, "json")


class ExchangeApi(SelectionApi):
    resource_name = "exchange"
    openapi_spec_tag = "Data exchange"
    method_permission_name = {"export_values": "get", "import_values": "post"}

    def _unknown_format(self):
        return self.response(422, message=_("The request is not understood."),
                             errors={"format": [_("Choose one of: %(actions)s.", actions=", ".join(FORMATS))]})

    @expose("/datavaluesets", methods=["GET"])
    @protect()
    @safe
    def export_values(self):
        """Approved values of the unit's subtree as a DHIS2 data value set, ADX or CSV.
        ---
        get:
          parameters:
          - {in: query, name: form, required: true, schema: {type: string}}
          - {in: query, name: period, required: true, schema: {type: string}}
          - {in: query, name: unit, schema: {type: string}, description: "unit code; default the caller's unit"}
          - {in: query, name: format, schema: {type: string, enum: [json, adx, csv]}}
          - {in: query, name: system, schema: {type: string}, description: "mapping tables to translate codes"}
          - {in: query, name: tree, schema: {type: string, enum: [as_reported, current], default: as_reported},
             description: "current: values of today's units, predecessors' numbers summed with their shares"}
          responses:
            200:
              description: "the data value set (format json; adx: application/adx+xml, csv: text/csv)"
              content:
                application/json:
                  example: {"dataSet": "DB-DT01", "period": "2026", "orgUnit": "11", "dataValues": [{"dataElement": "households", "period": "2026", "orgUnit": "03151", "categoryOptionCombo": "default", "value": "10"}]}
            404: {description: "the unit is outside the caller's scope"}
            422: {description: "form, period, unit or format missing or unknown"}
        """
        fmt = _format("json")
        if fmt is None:
            return self._unknown_format()
        try:
            form, period, unit = selection()
        except (BadRequest, NotFound) as exc:
            return self.refused(exc)
        value_set = export(db.session, form, period, unit, Mapper(db.session, request.args.get("system")),
                           tree=chosen_tree())
        body = codec(fmt).dumps(value_set)
        name = f"{form.code}_{period.code}_{unit.code}.{'xml' if fmt == 'adx' else fmt}"
        return Response(body, mimetype=CONTENT_TYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @expose("/datavaluesets", methods=["POST"])
    @protect()
    @safe
    def import_values(self):
        """Import a data value set (JSON), ADX or CSV file into draft or returned reports: all rows or none.
        ---
        post:
          parameters:
          - {in: query, name: format, schema: {type: string, enum: [json, adx, csv]}}
          - {in: query, name: system, schema: {type: string}, description: "mapping tables to translate codes"}
          - {in: query, name: form, schema: {type: string}, description: "the form when the file names none (CSV)"}
          requestBody:
            content:
              application/json: {schema: {type: object}}
              application/adx+xml: {schema: {type: string}}
              text/csv: {schema: {type: string}}
              multipart/form-data: {schema: {type: object, properties: {file: {type: string, format: binary}}}}
          responses:
            200:
              description: "imported: rows, reports, changed"
              content:
                application/json:
                  example: {"rows": 2, "reports": 1, "changed": 2}
            422: {description: "errors: every wrong row with its number, field and message; nothing written"}
        """
        upload = request.files.get("file")
        fmt = _format(_BY_EXTENSION.get((upload.filename or "").rpartition(".")[2].lower(), "json")
                      if upload else None)
        if fmt is None:
            return self._unknown_format()
        data = upload.read(MAX_BYTES + 1) if upload else request.get_data(cache=False)
        if len(data) > MAX_BYTES:
            return self.response(413, message=_("The file is too large."))
        try:
            value_set = codec(fmt).loads(data)
        except FormatError as exc:
            return self.response(422, message=str(exc), errors=[{"row": 0, "field": "file", "message": str(exc)}])
        result = import_values(db.session, value_set, Mapper(db.session, request.args.get("system")),
                               form_code=(request.args.get("form") or "").strip() or None, account=g.user)
        if result.errors:
            db.session.rollback()
            return self.response(422, message=_("Nothing was imported: %(n)d row(s) have errors.",
                                                n=len({e["row"] for e in result.errors})),
                                 errors=result.errors)
        db.session.commit()
        return self.response(200, **result.as_json())
