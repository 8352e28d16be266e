"""The ``.bcbk`` file: a small plaintext header, then a tar encrypted with AES-256-GCM.

Layout::

    bytes 0 .. 1023   header: b"BAOCAO-BACKUP 1\\n" and one JSON object, padded with spaces, ending "\\n"
    bytes 1024 .. -17 the tar (manifest.json, the database dump, attachments/…), AES-256-GCM ciphertext
    last 16 bytes     the GCM tag

The header is readable without the key (``head -c 1024``): format, creation time, the key's
fingerprint (``key_id``, never the key), the GCM nonce, and ``body_sha256``, the SHA-256 of
everything after the header. A file cannot hold its own digest, so the digest of the *whole*
file goes to the sidecar ``<name>.sha256`` in ``sha256sum`` format (``sha256sum -c`` checks
it). The first 32 bytes of the header (magic line, nonce) are the GCM associated data.

The tar is streamed through the cipher in both directions: nothing but the database dump is
ever written in plain text, and only to a private temporary folder. Decrypted content is
used only after the tag has been checked, i.e. after the whole file has been read.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

from core.operations.backup.errors import BackupError

MAGIC = b"BAOCAO-BACKUP 1\n"
HEADER_SIZE = 1024
NONCE_BYTES = 12
TAG_BYTES = 16
CHUNK = 1024 * 1024
FORMAT = 1
SUFFIX = ".bcbk"


# --- keys --------------------------------------------------------------------------------------


def decode_key(value, name: str = "BACKUP_KEY") -> bytes:
    text = value.decode() if isinstance(value, bytes) else str(value)
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise BackupError(f"{name} is not URL-safe base64") from exc
    if len(key) != 32:
        raise BackupError(f"{name} must be 32 bytes, URL-safe base64 encoded")
    return key


def key_id(key: bytes) -> str:
    """A fingerprint that names a key in headers and logs without revealing it."""
    return hashlib.sha256(b"baocao backup key id\0" + key).hexdigest()[:16]


# --- header ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    created_at: str
    key_id: str
    nonce: bytes
    body_sha256: str = ""
    body_size: int = 0
    format: int = FORMAT

    def to_bytes(self) -> bytes:
        fields = {"format": self.format, "created_at": self.created_at, "cipher": "AES-256-GCM",
                  "key_id": self.key_id, "nonce": self.nonce.hex(), "body_sha256": self.body_sha256,
                  "body_size": self.body_size}
        text = MAGIC + json.dumps(fields, separators=(",", ":")).encode()
        if len(text) > HEADER_SIZE - 1:
            raise BackupError("backup header too long")
        return text + b" " * (HEADER_SIZE - 1 - len(text)) + b"\n"

    @property
    def associated_data(self) -> bytes:
        return MAGIC + self.nonce + self.key_id.encode()

    @classmethod
    def read(cls, raw: bytes) -> Header:
        if len(raw) < HEADER_SIZE or not raw.startswith(MAGIC):
            raise BackupError("not a baocao backup file (no BAOCAO-BACKUP header)")
        try:
            fields = json.loads(raw[len(MAGIC):HEADER_SIZE].decode())
            return cls(created_at=fields["created_at"], key_id=fields["key_id"],
                       nonce=bytes.fromhex(fields["nonce"]), body_sha256=fields["body_sha256"],
                       body_size=int(fields["body_size"]), format=int(fields["format"]))
        except (ValueError, KeyError) as exc:
            raise BackupError(f"damaged backup header: {exc}") from exc


# --- writing -----------------------------------------------------------------------------------


class _EncryptingWriter(io.RawIOBase):
    """The file object tarfile writes to: encrypts, writes and hashes as it goes."""

    def __init__(self, out, encryptor):
        self.out, self.encryptor = out, encryptor
        self.digest, self.size = hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._emit(self.encryptor.update(bytes(data)))
        return len(data)

    def _emit(self, chunk: bytes) -> None:
        self.out.write(chunk)
        self.digest.update(chunk)
        self.size += len(chunk)

    def seal(self) -> None:
        self._emit(self.encryptor.finalize())
        self._emit(self.encryptor.tag)


def write(target: Path, key: bytes, created_at: str, members: list[tuple[str, Path | bytes]]) -> str:
    """Write the encrypted archive of ``members`` (arcname, file or bytes) and its sidecar; returns the SHA-256.

    Written under a temporary name and renamed: a ``.bcbk`` that exists is complete.
    """
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    header = Header(created_at=created_at, key_id=key_id(key), nonce=os.urandom(NONCE_BYTES))
    encryptor = Cipher(algorithms.AES(key), modes.GCM(header.nonce)).encryptor()
    encryptor.authenticate_additional_data(header.associated_data)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with open(partial, "wb") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(header.to_bytes())  # a placeholder: the digest is known only at the end
            writer = _EncryptingWriter(out, encryptor)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for arcname, source in members:
                    _add(tar, arcname, source)
            writer.seal()
            out.seek(0)
            out.write(Header(created_at=created_at, key_id=header.key_id, nonce=header.nonce,
                             body_sha256=writer.digest.hexdigest(), body_size=writer.size).to_bytes())
            out.flush()
            os.fsync(out.fileno())
        digest = file_sha256(partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    sidecar(target).write_text(f"{digest}  {target.name}\n", encoding="ascii")
    return digest


def _add(tar: tarfile.TarFile, arcname: str, source: Path | bytes) -> None:
    if isinstance(source, bytes):
        info = tarfile.TarInfo(arcname)
        info.size, info.mode = len(source), 0o600
        tar.addfile(info, io.BytesIO(source))
        return
    info = tar.gettarinfo(str(source), arcname)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    with open(source, "rb") as data:
        tar.addfile(info, data)


# --- checking and reading ----------------------------------------------------------------------


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def file_sha256(path: Path, start: int = 0) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        data.seek(start)
        while chunk := data.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_digests(path: Path) -> Header:
    """The sidecar's SHA-256 (when present) against the whole file, then the header's against the body."""
    with open(path, "rb") as data:
        header = Header.read(data.read(HEADER_SIZE))
    side = sidecar(path)
    if side.exists():
        expected = side.read_text(encoding="ascii").split()[0]
        actual = file_sha256(path)
        if actual != expected:
            raise BackupError(f"SHA-256 mismatch: {path.name} is {actual}, {side.name} says {expected}")
    actual = file_sha256(path, start=HEADER_SIZE)
    if actual != header.body_sha256:
        raise BackupError(f"SHA-256 mismatch: the body of {path.name} is {actual}, "
                          f"its header says {header.body_sha256}")
    return header


class _DecryptingReader(io.RawIOBase):
    """The file object tarfile reads from: ciphertext in, plaintext out, the tag checked at the end."""

    def __init__(self, source, decryptor, size: int):
        self.source, self.decryptor = source, decryptor
        self.remaining = size - TAG_BYTES  # ciphertext bytes still to read
        self.buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self.buffer and self.remaining > 0:
            chunk = self.source.read(min(CHUNK, self.remaining))
            if not chunk:
                raise BackupError("the backup file is truncated")
            self.remaining -= len(chunk)
            self.buffer = self.decryptor.update(chunk)
        n = min(len(target), len(self.buffer))
        target[:n], self.buffer = self.buffer[:n], self.buffer[n:]
        return n

    def finish(self) -> None:
        """Read what tarfile left (end-of-archive padding), then check the tag."""
        from cryptography.exceptions import InvalidTag

        while self.read(CHUNK):
            pass
        try:
            self.decryptor.finalize_with_tag(self.source.read(TAG_BYTES))
        except (InvalidTag, ValueError) as exc:
            raise BackupError("the backup does not decrypt: wrong key or damaged file (GCM tag mismatch)") from exc


def extract(path: Path, keys: list[bytes], into: Path) -> Header:
    """Decrypt and unpack into ``into`` (a private, empty folder); nothing there is trusted before this returns."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    with open(path, "rb") as source:
        header = Header.read(source.read(HEADER_SIZE))
        key = next((k for k in keys if key_id(k) == header.key_id), None)
        if key is None:
            raise BackupError(f"the backup was encrypted with key {header.key_id}; neither BACKUP_KEY nor "
                              "BACKUP_OLD_KEYS is that key")
        decryptor = Cipher(algorithms.AES(key), modes.GCM(header.nonce)).decryptor()
        decryptor.authenticate_additional_data(header.associated_data)
        reader = _DecryptingReader(source, decryptor, os.path.getsize(path) - HEADER_SIZE)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for member in tar:
                    if not (member.isfile() or member.isdir()):
                        raise BackupError(f"unexpected entry in the backup: {member.name}")
                    tar.extract(member, into, filter="data")  # no absolute paths, no "..", no links
        except tarfile.TarError as exc:
            raise BackupError(f"the backup does not decrypt: wrong key or damaged file ({exc})") from exc
        reader.finish()
    return header
