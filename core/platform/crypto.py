"""Encrypted columns (S6): officers' contact details are stored AES-256-GCM encrypted, transparently.

A column typed :class:`EncryptedText` holds ``ef1:<key id>:<base64url(nonce | ciphertext | tag)>``;
the model and every caller see the plain text. ``NULL`` stays ``NULL``, so ``IS NULL`` /
``IS NOT NULL`` still work in SQL; equality, ``LIKE`` and ordering on the column do not (a fresh
nonce per write), so screens must not search or sort by it.

The key: ``FIELD_KEY`` (instance config or environment; 32 bytes, URL-safe base64), written into
``instance/config.py`` by ``baocao init``. Without it, a key derived from ``SECRET_KEY`` with
HKDF-SHA256 (info ``baocao field key v1``; a different info than attachments', so the two keys
never coincide) — for tests and old instances. The key id is the first 8 hex digits of the key's
SHA-256, so a value names the key that wrote it. Rotation: put the new key in ``FIELD_KEY``, the
old ones in ``FIELD_OLD_KEYS`` (a list), then run ``baocao keys rotate-fields``, which rewrites
every value not under the current key (plain text left by an older version included).
"""
from __future__ import annotations

import base64
import hashlib
import os

from flask import current_app
from sqlalchemy import Text, column as sa_column, select, table as sa_table, update
from sqlalchemy.types import TypeDecorator

PREFIX = "ef1:"
NONCE_BYTES = 12
_HKDF_INFO = b"baocao field key v1"
_AAD = b"baocao field v1"


def decode_key(value, name: str = "FIELD_KEY") -> bytes:
    if isinstance(value, bytes) and len(value) == 32:
        return value
    text = value.decode() if isinstance(value, bytes) else str(value)
    key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(key) != 32:
        raise RuntimeError(f"{name} must be 32 bytes, URL-safe base64 encoded")
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def derived_key(secret, info: bytes) -> bytes:
    """A 32-byte key derived from ``SECRET_KEY`` for one purpose (``info``), when none is configured."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    secret = secret.encode() if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"baocao", info=info).derive(secret)


def keyring(app, setting: str, info: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The key ``setting`` names (or one derived for ``info``) to write with, and every key that may read,
    by key id: itself, ``<setting minus _KEY>_OLD_KEYS`` and the derived one. Cached per app and settings,
    so rotating a key in ``instance/config.py`` takes effect without a restart of the cache logic."""
    app = app or current_app
    config = app.config
    old_setting = setting.removesuffix("_KEY") + "_OLD_KEYS"
    current = config.get(setting) or os.environ.get(setting)
    old = list(config.get(old_setting) or [])
    marker = (current, tuple(old), config["SECRET_KEY"])
    cache = f"baocao.keyring.{setting}"
    cached = app.extensions.get(cache)
    if cached and cached[0] == marker:
        return cached[1]
    derived = derived_key(config["SECRET_KEY"], info)
    write = decode_key(current, setting) if current else derived
    readable = [write] + [decode_key(k, old_setting) for k in old] + [derived]
    result = (write, {key_id(k): k for k in readable})
    app.extensions[cache] = (marker, result)
    return result


def keys(app=None) -> tuple[bytes, dict[str, bytes]]:
    """The field key to write with, and every key that may read (by key id)."""
    return keyring(app, "FIELD_KEY", _HKDF_INFO)


def generate_key() -> str:
    """A fresh key for ``FIELD_KEY``."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def is_encrypted(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def current_key_id() -> str:
    return key_id(keys()[0])


def encrypt(plain: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    body = nonce + AESGCM(key).encrypt(nonce, plain.encode("utf-8"), _AAD)
    return f"{PREFIX}{key_id(key)}:{base64.urlsafe_b64encode(body).decode().rstrip('=')}"


def decrypt(stored: str) -> str:
    """The plain text of a stored value; a value written before encryption is returned as it is."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not is_encrypted(stored):
        return stored
    _prefix, kid, data = stored.split(":", 2)
    key = keys()[1].get(kid)
    if key is None:
        raise ValueError(f"encrypted value under unknown key {kid}: add that key to FIELD_OLD_KEYS")
    body = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return AESGCM(key).decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], _AAD).decode("utf-8")


class EncryptedText(TypeDecorator):
    """Text stored encrypted; see the module docstring. Needs an app context (for the keys)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or is_encrypted(value):
            return value
        return encrypt(str(value))

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)


# --- rewriting stored values ---------------------------------------------------------------------


def encrypted_columns(metadata) -> list:
    return [c for t in metadata.sorted_tables for c in t.columns if isinstance(c.type, EncryptedText)]


def reencrypt_all(connection, metadata) -> int:
    """Rewrite every encrypted column's value not under the current key (plain text included).

    Works on raw stored text (no type processing), so it needs only the keys; returns the number of
    values rewritten. Idempotent: a second run rewrites nothing.
    """
    changed = 0
    for column in encrypted_columns(metadata):
        pk = list(column.table.primary_key.columns)[0]
        changed += rewrite_column(connection, column.table.name, pk.name, column.name)
    return changed


def rewrite_column(connection, table: str, pk: str, name: str) -> int:
    """One column, read and written as plain Text (a lightweight table): the stored form as it is."""
    raw = sa_table(table, sa_column(pk), sa_column(name, Text))
    wanted = f"{PREFIX}{current_key_id()}:"
    rows = connection.execute(select(raw.c[pk], raw.c[name]).where(raw.c[name].is_not(None))).all()
    changed = 0
    for ident, stored in rows:
        if not stored.startswith(wanted):
            connection.execute(update(raw).where(raw.c[pk] == ident).values({name: encrypt(decrypt(stored))}))
            changed += 1
    return changed


def decrypt_all(connection, table: str, pk: str, names: list[str]) -> int:
    """Put plain text back (the migration's downgrade)."""
    raw = sa_table(table, sa_column(pk), *(sa_column(n, Text) for n in names))
    changed = 0
    for row in connection.execute(select(raw)).mappings().all():
        plain = {n: decrypt(row[n]) for n in names if is_encrypted(row[n])}
        if plain:
            connection.execute(update(raw).where(raw.c[pk] == row[pk]).values(plain))
            changed += 1
    return changed
