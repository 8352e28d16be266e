"""The audit chain's arithmetic: what is hashed, and under which key.

A plain SHA-256 chain can be recomputed by anyone who can write to the database: edit a row,
rehash it and every later row, update the head, and ``baocao audit verify`` passes. So every entry
is an HMAC-SHA256 under ``AUDIT_KEY``, a secret kept in the instance config (written by
``baocao init``), never in the database. Someone with database access but without the key cannot
produce a valid entry.

Keys follow ``core.platform.crypto``'s pattern: ``AUDIT_KEY`` (instance config or environment; 32
bytes, URL-safe base64) writes; ``AUDIT_OLD_KEYS`` (a list) only verify; without ``AUDIT_KEY`` a key
derived from ``SECRET_KEY`` with HKDF (its own info string). The key id, the first 8 hex digits of
the key's SHA-256, is stored with each entry, so rotating the key never rewrites old entries: they
stay verifiable while their key is in ``AUDIT_OLD_KEYS``.

Entries written before the key existed have ``key_id`` NULL and a plain SHA-256; they verify as
such, but only before the first keyed entry (a NULL after it is a downgrade, refused).

Each use of the key is domain-separated (entries, pending entries, checkpoints, access rows), so a MAC made for one
can never pass for another.
"""
from __future__ import annotations

import hashlib
import hmac
import json


from core.platform.crypto import key_id, keyring

_HKDF_INFO = b"baocao audit key v1"
ENTRY = b"baocao audit entry v1\n"
CHECKPOINT = b"baocao audit checkpoint v1\n"
ACCESS = b"baocao audit access v1\n"
PENDING = b"baocao audit pending v1\n"


def canonical(fields: dict) -> str:
    """The exact text that is hashed: stable key order, no whitespace, UTF-8."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def keys(app=None) -> tuple[str, bytes, dict[str, bytes]]:
    """``(key id, key)`` to write with, and every key that may verify, by id (``AUDIT_OLD_KEYS`` too)."""
    write, readable = keyring(app, "AUDIT_KEY", _HKDF_INFO)
    return key_id(write), write, readable


def mac(key: bytes, domain: bytes, text: str) -> str:
    return hmac.new(key, domain + text.encode("utf-8"), hashlib.sha256).hexdigest()


def entry_hash(prev_hash: str, fields: dict, key: bytes | None = None) -> str:
    """The entry's hash: HMAC under ``key``; plain SHA-256 for the legacy entries (``key`` None)."""
    text = prev_hash + canonical(fields)
    if key is None:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return mac(key, ENTRY, text)


def hashed_fields(row) -> dict:
    """The columns that the hash covers, read the same way from a dict or a row.

    ``key_id`` is covered too, for keyed entries only: legacy entries keep their original content.
    """
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    at = get("at")
    fields = {
        "seq": get("seq"),
        "at": at.isoformat(timespec="microseconds") if at else None,
        "actor": get("actor"),
        "actor_id": get("actor_id"),
        "unit_code": get("unit_code"),
        "ip": get("ip"),
        "action": get("action"),
        "object_type": get("object_type"),
        "object_id": get("object_id"),
        "changes": get("changes"),
    }
    kid = get("key_id")
    if kid is not None:
        fields["key_id"] = kid
    return fields


def pending_mac(fields: dict, key: bytes) -> str:
    """The MAC of a pending entry's content (``hashed_fields`` with ``seq`` None): an edit made before
    the chainer gives the entry its place shows, and the chainer refuses to chain it."""
    return mac(key, PENDING, canonical(fields))


def pending_intact(row, readable: dict[str, bytes]) -> bool:
    """A pending entry (dict or row) still has the content its ``mac`` was made over."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    key, written = readable.get(get("key_id")), get("mac")
    return key is not None and written is not None and same(pending_mac(hashed_fields(row), key), written)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
