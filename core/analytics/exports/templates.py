"""Word templates for DOCX exports: uploaded by the board per form, stored by content.

A template is kept once under ``<instance>/export_templates/<sha256>.docx``
(written to a temporary file and renamed, never half-written) with an
:class:`~core.models.ExportTemplate` row. The newest active template of a form
is used; else the province plugin's (``export_template`` hook: Đồng Nai
distributes its forms as Word files); else the newest active one for every
form (``form_id`` None); else the one shipped in
``core/templates/analytics/exports/default.docx``.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core.analytics.models.export import ExportTemplate
from core.forms.models.form import Form

DEFAULT = Path(__file__).resolve().parents[2] / "templates" / "analytics" / "exports" / "default.docx"
MAX_BYTES = 10 * 1024 * 1024


class TemplateError(Exception):
    """The upload is not a usable Word template; the message is for the user."""


def storage_root() -> Path:
    return Path(current_app.instance_path) / "export_templates"


def path_of(sha256: str) -> Path:
    return storage_root() / f"{sha256}.docx"


def path_for(session, form: Form) -> Path:
    """The board's upload for this form; else the province plugin's (``export_template`` hook); else the
    board's upload for every form; else core's default."""
    rows = session.scalars(select(ExportTemplate).where(ExportTemplate.active.is_(True),
                                                        (ExportTemplate.form_id == form.id)
                                                        | ExportTemplate.form_id.is_(None))
                           .order_by(ExportTemplate.form_id.is_(None), ExportTemplate.id.desc())).all()
    own = next((r for r in rows if r.form_id is not None and path_of(r.sha256).exists()), None)
    if own is not None:
        return path_of(own.sha256)
    from core.platform import plugin_admin

    answer = plugin_admin.registry().hook.export_template(form=form)
    if answer and Path(answer).is_file():
        return Path(answer)
    shared = next((r for r in rows if r.form_id is None and path_of(r.sha256).exists()), None)
    return path_of(shared.sha256) if shared is not None else DEFAULT


def check(data: bytes) -> None:
    """Refuse what docxtpl cannot render: not a DOCX, or Jinja tags that do not parse."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateSyntaxError

    if len(data) > MAX_BYTES:
        raise TemplateError(_("The Word template is larger than 10 MB."))
    try:
        doc = DocxTemplate(io.BytesIO(data))
        doc.init_docx()
    except Exception:  # noqa: BLE001 (zipfile, lxml and python-docx each raise their own)
        raise TemplateError(_("This file is not a Word document (.docx).")) from None
    try:
        doc.get_undeclared_template_variables()
    except TemplateSyntaxError as exc:
        raise TemplateError(_("The Word template has a mistake in its fields near line %(line)s: %(error)s",
                              line=exc.lineno, error=exc.message)) from None


def _write_once(sha256: str, data: bytes) -> None:
    target = path_of(sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store(session, form: Form | None, data: bytes, filename: str, uploaded_by: str,
          name: str | None = None) -> ExportTemplate:
    """Check and keep an uploaded template; the caller commits."""
    check(data)
    sha256 = hashlib.sha256(data).hexdigest()
    _write_once(sha256, data)
    row = ExportTemplate(form_id=form.id if form else None, sha256=sha256, filename=filename[:255],
                         name=(name or filename)[:255], uploaded_by=uploaded_by, active=True)
    session.add(row)
    session.flush()
    return row
