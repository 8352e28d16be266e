"""One report as a PDF (W3), signed with its unit's certificate when the instance has one.

The page is drawn from the frozen definition of the report's form version,
with the values :func:`core.reporting.entry.values_of` reads and the disaggregation
grids of the entry screen (:func:`core.reporting.views.entry.grid`), so the PDF shows
what the entry page shows (grid rows without any value are left out). HTML
from ``report_pdf/report.html`` becomes PDF with WeasyPrint; no resource is
fetched while rendering. The dateline's place is ``REPORT_PLACE``, else the
enabled province plugin's province.

Signing: ``UNIT_CERTIFICATES`` in ``instance/config.py`` maps a unit code to
its PKCS#12 file and passphrase::

    UNIT_CERTIFICATES = {"X011": {"path": "certificates/X011.p12", "passphrase": "..."}}

A relative ``path`` is read from the instance folder. A unit without an
entry gets an unsigned PDF; a missing file or a wrong passphrase raises
:class:`CertificateError` (the message is for the user; the passphrase is
never logged). The signature is invisible, in the field ``ChuKySo``, under
the certificate subject's name.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import current_app, render_template
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from core.platform import labels
from core.reporting import entry
from core.reporting.models import Report, Transition
from core.forms.models.form import NUMERIC_TYPES

log = logging.getLogger(__name__)

SIGNATURE_FIELD = "ChuKySo"


class CertificateError(Exception):
    """The unit's certificate is configured but cannot be used; the message is for the user."""


@dataclass(frozen=True)
class Certificate:
    unit_code: str
    path: Path
    passphrase: bytes | None


# --- what the page shows -------------------------------------------------------------------------


def shown(fld: dict, value) -> str:
    """A typed value as a reader expects it: 1.234,5; the choice's label; Có/Không; DD/MM/YYYY."""
    if value is None:
        return ""
    kind = fld["type"]
    if kind in NUMERIC_TYPES:
        return format_decimal(value)
    if kind == "yes_no":
        return _("Yes") if value else _("No")
    if kind == "choice":
        return next((c["label"] for c in fld.get("choices") or [] if c["code"] == value), str(value))
    if kind == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value)


@lru_cache(maxsize=8)
def _province_name(code: str) -> str | None:
    from core.hierarchy.sources import find_province

    try:
        name = find_province(code)[1]
    except LookupError:
        return None
    for prefix in ("Thành phố ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def place(report: Report) -> str:
    """Where the report is signed: see :func:`place_of`."""
    return place_of(report.unit)


def place_of(unit) -> str:
    """Where a unit signs: ``REPORT_PLACE``, else the enabled province plugin's province,
    else the unit's own name."""
    configured = current_app.config.get("REPORT_PLACE")
    if configured:
        return configured
    from core.platform import plugin_admin

    registry = plugin_admin.registry()
    for name in registry.order:  # of two provinces, the one on top (docs/plugins.md) signs
        info = registry.plugins[name].info
        if info is not None and info.province_code and (found := _province_name(info.province_code)):
            return found
    return unit.name


def place_and_date(report: Report, on: date | None = None) -> str:
    """"Cao Bằng, ngày 21 tháng 11 năm 2026", the dateline of a Vietnamese administrative document."""
    return dateline(report.unit, on)


def dateline(unit, on: date | None = None) -> str:
    """The dateline of a document the unit issues (the report PDF, exports)."""
    on = on or entry.today()
    # Nghị định 30/2020/NĐ-CP: days below 10 and the months 1 and 2 are written with a leading zero.
    return _("%(place)s, day %(day)s month %(month)s year %(year)s", place=place_of(unit),
             day=f"{on.day:02d}", month=f"{on.month:02d}" if on.month < 3 else str(on.month), year=on.year)


def filled_grid(g: dict, fld: dict, values: dict) -> dict:
    """The entry screen's grid with each row's values shown; rows without any value are left out
    (a table of 54 ethnic groups where a commune has three), and counted in ``omitted``."""
    for row in g["rows"]:
        row["values"] = [shown(fld, values.get((fld["code"], c["key"]))) for c in row["cells"]]
    kept = [row for row in g["rows"] if any(row["values"])]
    return {**g, "rows": kept, "omitted": len(g["rows"]) - len(kept)}


def context(session, report: Report) -> dict:
    """Everything the template draws, read in three queries (values, history, and the report itself)."""
    from core.forms.definitions import grid

    defn = report.version.definition
    values = entry.values_of(session, report)
    sections = []
    for section in defn["sections"]:
        rows = []
        for fld in section["fields"]:
            if fld.get("combo"):
                rows.append({"field": fld, "grid": filled_grid(grid(defn["combos"][fld["combo"]]), fld, values)})
            elif fld["type"] == "file":
                rows.append({"field": fld, "value": _("Files are attached to the report, not typed here.")})
            else:
                rows.append({"field": fld, "value": shown(fld, values.get((fld["code"], "")))})
        sections.append({"title": section["title"], "rows": rows})
    history = session.execute(select(Transition).where(Transition.report_id == report.id)
                              .order_by(Transition.id)).scalars().all()
    return {"report": report, "defn": defn, "sections": sections, "history": history,
            "state": entry.state_label(report.state, report.level), "action_label": entry.action_label,
            "unit_names": labels.unit_names(t.unit_code for t in history), "deadline": report.deadline.strftime("%d/%m/%Y"),
            "dateline": place_and_date(report)}


def html(session, report: Report) -> str:
    return render_template("reporting/report_pdf/report.html", **context(session, report))


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"the report PDF fetches nothing ({url[:60]})")


def render(session, report: Report) -> bytes:
    """The report as PDF bytes, signed when its unit has a certificate (:class:`CertificateError` if broken)."""
    from weasyprint import HTML

    certificate = certificate_for(report.unit.code)
    signer = load_signer(certificate) if certificate is not None else None  # fail before the work
    pdf = HTML(string=html(session, report), url_fetcher=_no_fetching).write_pdf()
    return sign(pdf, signer) if signer is not None else pdf


def filename(report: Report) -> str:
    """``<form>_<period>_<unit>.pdf``, from codes (ASCII in every browser)."""
    return f"{report.form.code}_{report.period.code}_{report.unit.code}.pdf"


# --- certificates and signing ------------------------------------------------------------------


def certificate_for(unit_code: str) -> Certificate | None:
    """The unit's entry of ``UNIT_CERTIFICATES``, its path made absolute under the instance folder."""
    configured = (current_app.config.get("UNIT_CERTIFICATES") or {}).get(unit_code)
    if not configured:
        return None
    path = Path(configured.get("path") or "")
    if not path.is_absolute():
        path = Path(current_app.instance_path) / path
    passphrase = configured.get("passphrase")
    if isinstance(passphrase, str):
        passphrase = passphrase.encode()
    return Certificate(unit_code, path, passphrase or None)


def load_signer(certificate: Certificate):
    """A pyHanko signer from the PKCS#12 file; :class:`CertificateError` naming what is wrong."""
    from pyhanko.sign.signers import SimpleSigner

    try:
        data = certificate.path.read_bytes()
    except OSError as exc:
        log.error("certificate of unit %s: cannot read %s (%s)", certificate.unit_code, certificate.path,
                  exc.strerror or type(exc).__name__)
        raise CertificateError(_("The digital certificate of unit %(unit)s is configured but its file "
                                 "cannot be read. Ask the system administrator to check it.",
                                 unit=certificate.unit_code)) from None
    try:
        # load_pkcs12_data raises where load_pkcs12 would log a traceback and return None.
        signer = SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=certificate.passphrase)
    except Exception as exc:  # noqa: BLE001 (cryptography raises ValueError or TypeError)
        log.error("certificate of unit %s: %s cannot be opened (%s)", certificate.unit_code, certificate.path,
                  type(exc).__name__)
        raise CertificateError(_("The digital certificate of unit %(unit)s cannot be opened: the passphrase "
                                 "is wrong or the file is damaged. Ask the system administrator to check it.",
                                 unit=certificate.unit_code)) from None
    return signer


def signer_name(signer) -> str:
    subject = signer.signing_cert.subject
    native = subject.native
    return native.get("common_name") or native.get("organization_name") or subject.human_friendly


def sign(pdf: bytes, signer) -> bytes:
    """An invisible PAdES signature over the whole file, named after the certificate's subject."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    meta = signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD, name=signer_name(signer))
    return signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer).getvalue()
