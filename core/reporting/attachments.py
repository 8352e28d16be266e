"""Files attached to a report (W1, W3): checked by content, stored encrypted (S6), signatures verified.

:func:`store` is the only way in. It reads the upload in chunks and stops as
soon as it passes ``ATTACHMENT_MAX_BYTES``; recognises PDF, JPEG and PNG by
their first bytes (never by the name); refuses anything else; keeps a clean
Unicode file name; and writes the file encrypted with AES-256-GCM under
``<instance>/attachments/<aa>/<sha256>`` (the SHA-256 of the plaintext, so
the same content is stored once). The file is written to a temporary name
and renamed into place before the database row exists; if the caller then
rolls back, the orphan file is harmless (same content, same name next time).

A PDF carrying a signature is verified with pyHanko: signer, signing time,
integrity, coverage of the document, trust against ``SIGNATURE_TRUST_ROOTS``
(PEM files). A signature that is broken (the bytes changed after signing) is
refused; an unknown trust anchor is only reported.

The key: ``ATTACHMENT_KEY`` (instance config or environment; 32 bytes,
URL-safe base64), generated into ``instance/config.py`` by ``baocao init``.
Without it the key is derived from ``SECRET_KEY`` with HKDF — meant for tests
and old instances only: production must set its own ATTACHMENT_KEY, and keep
it (files written under one key are readable only with it; reading falls back
to the derived key, so an instance that adds a key later still reads its old files).

Nothing here commits: the caller owns the transaction.
"""
from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.platform import audit, clock, labels
from core.reporting.models import Attachment, Report

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CHUNK = 64 * 1024
EDITABLE_STATES = ("draft", "returned")
KINDS = ("scan", "signed_pdf", "other")
#: Recognised content: (magic prefix, MIME type, extensions a name may keep).
TYPES = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
)
MAX_NAME = 150
#: Encrypted file layout: magic, version-1 header, 12-byte nonce, AES-GCM ciphertext and tag.
FILE_MAGIC = b"BCA1"
NONCE_BYTES = 12
_HKDF_INFO = b"baocao attachment key v1"


class AttachmentError(Exception):
    """The upload is refused; the message is for the user (422 on ``file``, 409 when ``conflict``)."""

    def __init__(self, message: str, conflict: bool = False):
        self.conflict = conflict
        super().__init__(message)


# --- keys and encryption -----------------------------------------------------------------------


def _decode_key(value) -> bytes:
    if isinstance(value, bytes) and len(value) == 32:
        return value
    text = value.decode() if isinstance(value, bytes) else str(value)
    key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(key) != 32:
        raise RuntimeError("ATTACHMENT_KEY must be 32 bytes, URL-safe base64 encoded")
    return key


def _derived_key() -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"baocao", info=_HKDF_INFO).derive(secret)


def _keys() -> list[bytes]:
    """The key to write with first, then the keys that may still read older files."""
    configured = current_app.config.get("ATTACHMENT_KEY") or os.environ.get("ATTACHMENT_KEY")
    derived = _derived_key()
    if not configured:
        if not current_app.extensions.get("baocao.attachment_key_warned"):
            current_app.extensions["baocao.attachment_key_warned"] = True
            log.warning("ATTACHMENT_KEY is not set: attachments are encrypted with a key derived from "
                        "SECRET_KEY; set ATTACHMENT_KEY in instance/config.py for production")
        return [derived]
    old = [_decode_key(k) for k in current_app.config.get("ATTACHMENT_OLD_KEYS") or []]
    return [_decode_key(configured), *old, derived]


def generate_key() -> str:
    """A fresh key for ``ATTACHMENT_KEY``."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def encrypt(plain: bytes, sha256: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    # The digest is the associated data: a file moved under another name does not decrypt.
    return FILE_MAGIC + nonce + AESGCM(_keys()[0]).encrypt(nonce, plain, sha256.encode())


def decrypt(blob: bytes, sha256: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not blob.startswith(FILE_MAGIC):
        raise ValueError("not a baocao attachment file")
    nonce, body = blob[len(FILE_MAGIC):len(FILE_MAGIC) + NONCE_BYTES], blob[len(FILE_MAGIC) + NONCE_BYTES:]
    for key in _keys():
        try:
            return AESGCM(key).decrypt(nonce, body, sha256.encode())
        except InvalidTag:
            continue
    raise ValueError("the attachment cannot be decrypted with the configured keys (ATTACHMENT_KEY changed?)")


# --- files ---------------------------------------------------------------------------------------


def storage_root() -> Path:
    return Path(current_app.config.get("ATTACHMENT_DIR") or Path(current_app.instance_path) / "attachments")


def path_of(sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        raise ValueError("not a SHA-256 digest")
    return storage_root() / sha256[:2] / sha256


def _write_once(sha256: str, plain: bytes, replace: bool = False) -> Path:
    """Encrypt into a temporary file beside the target, then rename: never a half-written file."""
    target = path_of(sha256)
    if target.exists() and not replace:
        return target  # content-addressed: the same plaintext is already stored
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(encrypt(plain, sha256))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def rotate() -> int:
    """Re-encrypt every stored file under the current ``ATTACHMENT_KEY`` (S6 key rotation).

    Files are read with any configured key (``ATTACHMENT_OLD_KEYS`` included) and rewritten by
    rename, one at a time, so an interrupted rotation leaves every file readable; run it again to
    finish. Returns the number of files rewritten.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    current, rewritten = _keys()[0], 0
    for path in sorted(storage_root().glob("??/*")):
        if not re.fullmatch(r"[0-9a-f]{64}", path.name):
            continue
        blob = path.read_bytes()
        nonce, body = blob[len(FILE_MAGIC):len(FILE_MAGIC) + NONCE_BYTES], blob[len(FILE_MAGIC) + NONCE_BYTES:]
        try:
            AESGCM(current).decrypt(nonce, body, path.name.encode())
            continue  # already under the current key
        except InvalidTag:
            pass
        _write_once(path.name, decrypt(blob, path.name), replace=True)
        rewritten += 1
    return rewritten


def open_plain(attachment: Attachment) -> bytes:
    """The original bytes of ``attachment``, checked against its SHA-256."""
    plain = decrypt(path_of(attachment.sha256).read_bytes(), attachment.sha256)
    if hashlib.sha256(plain).hexdigest() != attachment.sha256:
        raise ValueError("attachment content does not match its digest")
    return plain


# --- reading the upload ------------------------------------------------------------------------


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def _too_large(limit: int) -> AttachmentError:
    return AttachmentError(_("The file is larger than the limit of %(size)s.", size=labels.file_size(limit)))


def read_limited(stream, limit: int) -> bytes:
    """Read ``stream`` in chunks; stop and refuse as soon as it passes ``limit`` bytes."""
    buf = io.BytesIO()
    total = 0
    while True:
        chunk = stream.read(min(CHUNK, limit + 1 - total))
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise _too_large(limit)
        buf.write(chunk)
    return buf.getvalue()


def sniff(head: bytes) -> tuple[str, tuple[str, ...]] | None:
    """The MIME type and extensions of the content, by its first bytes; None when not allowed."""
    for magic, mime, exts in TYPES:
        if head.startswith(magic):
            return mime, exts
    return None


_UNSAFE = re.compile(r'[<>:"|?*\\/]')


def clean_filename(name: str | None, exts: tuple[str, ...] = ()) -> str:
    """A safe display and download name that keeps Vietnamese letters.

    Drops any directory part, control and format characters and the characters
    file systems forbid; collapses blanks; no leading dots; at most
    :data:`MAX_NAME` characters, the extension kept; the extension made to
    match the content (``báo cáo.exe`` holding a PDF becomes ``báo cáo.exe.pdf``).
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(" " if ch.isspace() else ch for ch in name
                   if not unicodedata.category(ch).startswith("C") or ch.isspace())
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ("." + ext.lower()) if ext else ""
    if exts and ext not in exts:
        stem, ext = name, exts[0]
    stem = stem.strip(" .") or "tep-dinh-kem"
    return stem[:MAX_NAME - len(ext)].rstrip(" .") + ext


# --- signatures --------------------------------------------------------------------------------


@dataclass
class SignatureCheck:
    signer: str | None = None
    signed_at: str | None = None
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    covers_whole_document: bool = False
    problem: str | None = None

    def as_json(self) -> dict:
        return dict(self.__dict__)

    @property
    def broken(self) -> bool:
        return not (self.intact and self.valid)


def _trust_roots() -> list:
    from pyhanko.keys import load_certs_from_pemder

    paths = current_app.config.get("SIGNATURE_TRUST_ROOTS") or []
    if isinstance(paths, (str, Path)):
        paths = [paths]
    roots = []
    for path in paths:
        try:
            roots.extend(load_certs_from_pemder([str(path)]))
        except (OSError, ValueError) as exc:
            log.warning("cannot read signature trust root %s: %s", path, exc)
    return roots


def _common_name(cert) -> str | None:
    try:
        subject = cert.subject.native
    except Exception:  # noqa: BLE001 (a malformed name is reported, not fatal)
        return None
    return subject.get("common_name") or subject.get("organization_name") or cert.subject.human_friendly


def has_signature_marker(data: bytes) -> bool:
    """A PDF signature dictionary names the signed byte range; unsigned PDFs are not parsed at all."""
    return b"/ByteRange" in data


def verify_pdf(data: bytes) -> list[SignatureCheck]:
    """Every signature of the PDF, oldest first; an unreadable signed PDF gives one broken check."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko_certvalidator import ValidationContext

    # pyHanko logs a traceback for every untrusted chain; unknown trust is reported in the result.
    logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.CRITICAL)
    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception as exc:  # noqa: BLE001 (any parse failure means the signed file is damaged)
        return [SignatureCheck(problem=f"unreadable: {exc}"[:300])]
    roots = _trust_roots()
    checks = []
    for embedded in signatures:
        check = SignatureCheck()
        try:
            status = validate_pdf_signature(embedded, ValidationContext(trust_roots=roots, allow_fetching=False))
        except Exception as exc:  # noqa: BLE001
            check.problem = f"validation failed: {exc}"[:300]
            checks.append(check)
            continue
        check.signer = _common_name(status.signing_cert)
        stamp = getattr(status, "timestamp_validity", None)
        when = stamp.timestamp if stamp is not None and stamp.intact and stamp.valid else status.signer_reported_dt
        check.signed_at = when.isoformat() if when else None
        check.intact, check.valid, check.trusted = bool(status.intact), bool(status.valid), bool(status.trusted)
        unchanged = status.modification_level in (None, ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
        check.covers_whole_document = bool(
            status.coverage == SignatureCoverageLevel.ENTIRE_FILE
            or (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and unchanged
                and getattr(status, "docmdp_ok", True) is not False))
        if not check.intact:
            check.problem = "the signed bytes were changed after signing"
        elif not check.valid:
            check.problem = "the signature value does not match the signer's key"
        elif not check.covers_whole_document:
            check.problem = "the document was changed after signing"
        elif not check.trusted:
            check.problem = "the signer's certificate does not chain to a configured trust root"
        checks.append(check)
    return checks or [SignatureCheck(problem="no signature found")]


# --- storing -----------------------------------------------------------------------------------


def store(session, report: Report, stream, filename: str | None, uploaded_by: str,
          kind: str | None = None) -> Attachment:
    """Check, encrypt and store an upload for ``report``; returns its :class:`Attachment` row.

    ``kind``: "scan" (default for images and unsigned PDFs) or "other"; a PDF
    that carries a signature is always "signed_pdf". Raises
    :class:`AttachmentError` for anything refused. Attaching the same content
    to the same report again returns the existing row.
    """
    if report.state not in EDITABLE_STATES:
        raise AttachmentError(_("Files can be attached only to a draft or a returned report."), conflict=True)
    if kind is not None and kind not in KINDS:
        raise AttachmentError(_("Unknown attachment kind %(kind)s.", kind=kind))
    plain = read_limited(stream, max_bytes())
    if not plain:
        raise AttachmentError(_("The file is empty."))
    found = sniff(plain[:16])
    if found is None:
        raise AttachmentError(_("Only PDF, JPEG and PNG files can be attached."))
    mime, exts = found
    signature = None
    if mime == "application/pdf" and has_signature_marker(plain):
        checks = verify_pdf(plain)
        bad = next((c for c in checks if c.broken), None)
        if bad is not None:
            log.info("refused signed PDF for report %s: %s", report.id, bad.problem)
            raise AttachmentError(_("The digital signature of this PDF is broken: the file was changed "
                                    "after it was signed."))
        signature = checks[-1].as_json()
        if len(checks) > 1:
            signature["count"] = len(checks)
        kind = "signed_pdf"
    elif kind == "signed_pdf":
        raise AttachmentError(_("This file carries no digital signature."))
    kind = kind or "scan"
    sha256 = hashlib.sha256(plain).hexdigest()
    name = clean_filename(filename, exts)

    existing = session.execute(select(Attachment).where(Attachment.report_id == report.id,
                                                        Attachment.sha256 == sha256)).scalars().first()
    if existing is not None:
        return existing
    _write_once(sha256, plain)  # the file is in place before the row exists
    row = Attachment(report_id=report.id, sha256=sha256, filename=name, content_type=mime, size=len(plain),
                     kind=kind, signature=signature, uploaded_by=uploaded_by, uploaded_at=clock.utcnow())
    session.flush()  # other pending changes keep their own audit entries
    try:
        with audit.suppressed(session), session.begin_nested():  # one clear entry below, not the row's own
            session.add(row)
    except IntegrityError:  # the same file, attached by a concurrent request a moment ago
        return session.execute(select(Attachment).where(Attachment.report_id == report.id,
                                                        Attachment.sha256 == sha256)).scalar_one()
    audit.record("report.attach", "Report", report.id, {
        "attachment": row.id, "filename": name, "sha256": sha256, "size": len(plain), "kind": kind,
        "content_type": mime, "signer": signature.get("signer") if signature else None}, session=session)
    return row


def remove(session, report: Report, attachment_id: int, removed_by: str) -> Attachment:
    """Take a wrongly attached file off a draft or returned report, with an audit entry naming it.

    Once submitted, the files are part of what was sent and stay (409). The encrypted file stays
    on disk: the same content may belong to another report, and the audit entry keeps its hash.
    """
    if report.state not in EDITABLE_STATES:
        raise AttachmentError(_("Files can be removed only from a draft or a returned report."), conflict=True)
    row = session.execute(select(Attachment).where(Attachment.id == attachment_id,
                                                   Attachment.report_id == report.id)).scalar_one_or_none()
    if row is None:
        raise AttachmentError(_("This file is not attached to this report."))
    session.flush()
    with audit.suppressed(session):  # one clear entry below, not the row's own
        session.delete(row)
        session.flush()
    audit.record("report.detach", "Report", report.id, {
        "attachment": row.id, "filename": row.filename, "sha256": row.sha256, "size": row.size,
        "kind": row.kind, "removed_by": removed_by}, session=session)
    return row


def as_json(row: Attachment) -> dict:
    return {"id": row.id, "report_id": row.report_id, "filename": row.filename, "content_type": row.content_type,
            "size": row.size, "sha256": row.sha256, "kind": row.kind, "signature": row.signature,
            "uploaded_by": row.uploaded_by,
            "uploaded_at": row.uploaded_at.isoformat() if row.uploaded_at else None}


# --- guards ------------------------------------------------------------------------------------


def _attachments(report: Report) -> list[Attachment]:
    from sqlalchemy.orm import object_session

    session = object_session(report)
    return list(session.execute(select(Attachment).where(Attachment.report_id == report.id)).scalars())


def signature_ok(row: Attachment) -> bool:
    sig = row.signature or {}
    if not (sig.get("intact") and sig.get("valid") and sig.get("covers_whole_document")):
        return False
    return bool(sig.get("trusted")) or not current_app.config.get("SIGNATURE_REQUIRE_TRUSTED", False)


def has_signed_scan(report: Report) -> bool:
    """W1: a scan of the signed and stamped paper report, or a digitally signed PDF in its place."""
    return any(a.kind == "scan" or (a.kind == "signed_pdf" and signature_ok(a)) for a in _attachments(report))


def has_valid_signature(report: Report) -> bool:
    """W3: a digitally signed PDF whose signature is intact, valid and covers the whole document
    (and trusted, when ``SIGNATURE_REQUIRE_TRUSTED`` is set)."""
    return any(a.kind == "signed_pdf" and signature_ok(a) for a in _attachments(report))


def scan_guard(report: Report, action: str) -> list[str]:
    if action == "submit" and not has_signed_scan(report):
        return [_("Attach the scan of the signed and stamped report before submitting.")]
    return []


def signature_guard(report: Report, action: str) -> list[str]:
    if action == "submit" and not has_valid_signature(report):
        return [_("Attach the report as a digitally signed PDF with a valid signature before submitting.")]
    return []
