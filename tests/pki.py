"""Tiny real files and a test CA, for the tests of attachments and digital signatures (W1, W3).

``make_pki(directory)`` builds a CA and one signer ("Nguyễn Thị Lan") and writes the CA's
certificate to ``directory/root.pem`` for ``SIGNATURE_TRUST_ROOTS``; ``sign`` signs a PDF with
pyHanko as a signing tool would; ``tampered`` changes one signed byte. Each test module wraps
``make_pki`` in its own fixture.
"""
from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from pathlib import Path

from core.testing import sample_pdf

SIGNER = "Nguyễn Thị Lan"


def png_bytes() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00\xff\x00\x00"  # one red pixel, filter byte first
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg_bytes() -> bytes:
    """SOI, a JFIF APP0 segment and EOI: recognised by its first bytes like any camera's JPEG."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def pdf_bytes(text: bytes = b"Bao cao thang 11") -> bytes:
    return sample_pdf(text)


#: A Windows executable renamed to look like a report.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40


def make_pki(directory: Path, signer: str = SIGNER) -> dict:
    """A test CA and a signer: DER ``ca``, ``cert``, ``key`` and the CA's PEM path ``root_pem``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])

    def usage(ca):
        return x509.KeyUsage(digital_signature=True, content_commitment=not ca, key_cert_sign=ca, crl_sign=ca,
                             key_encipherment=False, data_encipherment=False, key_agreement=False,
                             encipher_only=False, decipher_only=False)

    now = dt.datetime.now(dt.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("CA thử nghiệm baocao")).issuer_name(name("CA thử nghiệm baocao"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(usage(True), critical=True).sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(name(signer)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(usage(False), critical=True).sign(ca_key, hashes.SHA256()))
    root_pem = Path(directory) / "root.pem"
    root_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    der = serialization.Encoding.DER
    return {"ca": ca.public_bytes(der), "cert": cert.public_bytes(der), "root_pem": str(root_pem),
            "key": key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())}


def sign(pki: dict, data: bytes) -> bytes:
    from asn1crypto import keys, x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = signers.SimpleSigner(signing_cert=x509.Certificate.load(pki["cert"]),
                                  signing_key=keys.PrivateKeyInfo.load(pki["key"]),
                                  cert_registry=SimpleCertificateStore.from_certs([x509.Certificate.load(pki["ca"])]))
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)),
                           signers.PdfSignatureMetadata(field_name="ChuKySo"), signer=signer)
    return out.getvalue()


def tampered(signed: bytes) -> bytes:
    """One byte of the page text changed: inside the signed byte range."""
    at = signed.index(b"(Bao cao thang 11)") + 1
    return signed[:at] + b"X" + signed[at + 1:]
