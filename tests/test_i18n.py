"""The Vietnamese catalogue: complete for our strings and FAB's, well-formed, and used by the app.

A string added with ``_()``/``_l()`` and not translated in
``core/translations/vi/LC_MESSAGES/messages.po`` fails here; docs/i18n.md says how to add it.
"""
from __future__ import annotations

import io
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import flask_appbuilder
import pytest
from babel.messages.pofile import read_po

from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
VI_PO = ROOT / "core" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
FAB = Path(flask_appbuilder.__file__).resolve().parent
#: FAB's most complete shipped catalogue; its msgids are the FAB strings we must carry.
FAB_CATALOGUE = FAB / "translations" / "fr" / "LC_MESSAGES" / "messages.po"

#: Translations that are rightly plain ASCII (the same word in Vietnamese, or a standard abbreviation).
ASCII_OK = {
    "Email",   # Email, EMail
    "OpenID",  # a product name
    "STT",     # "No.": số thứ tự, the usual column heading
}
VIETNAMESE_LETTERS = set(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
)
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifeEgGxXocr%]")


def _read_po(path: Path):
    """Read a catalogue, tolerating the malformed date headers some of FAB's catalogues carry."""
    data = path.read_bytes()
    data = re.sub(rb'"(?:POT-Creation|PO-Revision)-Date:[^"]*"\n', b"", data)
    return read_po(io.BytesIO(data))


def _extract(mapping: Path, *dirs: Path, tmp_path: Path, name: str, keywords=("_l", "lazy_gettext")) -> set[str]:
    out = tmp_path / f"{name}.pot"
    keyword_args = [arg for k in keywords for arg in ("-k", k)]
    done = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract",
         "-F", str(mapping), *keyword_args, "-o", str(out), *map(str, dirs)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    return {m.id for m in _read_po(out) if m.id}


def _key(msgid) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


@pytest.fixture(scope="module")
def vi():
    catalogue = _read_po(VI_PO)
    return {_key(m.id): m for m in catalogue if m.id}


@pytest.fixture(scope="module")
def our_msgids(tmp_path_factory):
    """Our strings, extracted afresh exactly as docs/i18n.md does (babel.cfg over core and plugins)."""
    return _extract(ROOT / "babel.cfg", ROOT / "core", ROOT / "plugins", ROOT / "workflows",
                    tmp_path=tmp_path_factory.mktemp("pot"), name="ours")


@pytest.fixture(scope="module")
def fab_msgids(tmp_path_factory):
    """FAB's strings: its shipped fr catalogue plus whatever its installed source marks today."""
    tmp = tmp_path_factory.mktemp("fab")
    mapping = tmp / "babel.cfg"
    mapping.write_text("[python: **.py]\n[jinja2: **/templates/**.html]\n"
                       "extensions = jinja2.ext.do,jinja2.ext.loopcontrols\n")
    shipped = {_key(m.id) for m in _read_po(FAB_CATALOGUE) if m.id}
    # FAB also translates through its own lazy_formatter_gettext (user form descriptions).
    marked = _extract(mapping, FAB, tmp_path=tmp, name="fab",
                      keywords=("_l", "lazy_gettext", "lazy_formatter_gettext"))
    return shipped | {_key(i) for i in marked}


def _untranslated(msgids, vi) -> list[str]:
    bad = []
    for msgid in sorted(map(_key, msgids)):
        entry = vi.get(msgid)
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else (
            (entry.string,) if entry is not None else ("",))
        if entry is None or entry.fuzzy or not all(s and s.strip() for s in strings):
            bad.append(msgid)
    return bad


def test_catalogue_header_is_vietnamese_utf8_single_plural():
    catalogue = _read_po(VI_PO)
    assert str(catalogue.locale) == "vi"
    assert catalogue.charset.lower() == "utf-8"
    assert catalogue.plural_forms == "nplurals=1; plural=0;"
    assert not catalogue.fuzzy
    assert not catalogue.obsolete, f"obsolete entries: {list(catalogue.obsolete)}"


def test_every_string_of_ours_is_translated(our_msgids, vi):
    assert len(our_msgids) > 30, "extraction found suspiciously few strings; check babel.cfg"
    missing = _untranslated(our_msgids, vi)
    assert not missing, (
        "untranslated (add them to core/translations/vi/LC_MESSAGES/messages.po, see docs/i18n.md): "
        f"{missing}"
    )


def test_every_fab_string_is_translated(fab_msgids, vi):
    assert len(fab_msgids) > 150
    missing = _untranslated(fab_msgids, vi)
    assert not missing, (
        f"Flask-AppBuilder {flask_appbuilder.__version__} strings not in our catalogue "
        f"(list them in core/translations/fab_msgids.py and translate them): {missing}"
    )


def test_no_fuzzy_or_empty_entries(vi):
    assert not _untranslated(vi.keys(), vi)


def test_placeholders_match(vi):
    bad = []
    for msgid, entry in vi.items():
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        want_named = sorted(p for i in ids for p in PLACEHOLDER.findall(i) if "(" in p)
        want_positional = [p for p in PLACEHOLDER.findall(ids[0]) if "(" not in p]
        for s in strings:
            found = PLACEHOLDER.findall(s)
            named = sorted(set(p for p in found if "(" in p))
            positional = [p for p in found if "(" not in p]
            if named != sorted(set(want_named)) or positional != want_positional:
                bad.append((msgid, s))
    assert not bad


def test_edge_whitespace_is_kept(vi):
    """e.g. FAB renders ``_('Sign In with ') + provider``: the trailing space matters."""
    bad = [m for m, e in vi.items()
           if (m[:1].isspace(), m[-1:].isspace()) != (e.string[:1].isspace(), e.string[-1:].isspace())]
    assert not bad


def test_translations_are_nfc_and_vietnamese(vi):
    strings = {m: e.string for m, e in vi.items()}
    not_nfc = [s for s in strings.values() if unicodedata.normalize("NFC", s) != s]
    assert not not_nfc

    def vietnamese(s: str) -> bool:
        return bool(VIETNAMESE_LETTERS & set(s.lower()))

    copied = [m for m, s in strings.items() if s == m and s not in ASCII_OK]
    assert not copied, f"msgstr equal to msgid (translate, or add to ASCII_OK if right): {copied}"
    ok = [m for m, s in strings.items() if vietnamese(s) or s in ASCII_OK]
    assert len(ok) / len(strings) >= 0.9, sorted(set(strings) - set(ok))


def test_login_page_is_vietnamese_by_default_and_english_on_request(client):
    page = client.get("/login/").get_data(as_text=True)
    assert "Đăng nhập" in page and "Mật khẩu" in page and "Tên đăng nhập" in page

    assert client.get("/lang/en").status_code == 302
    page = client.get("/login/").get_data(as_text=True)
    assert ("Sign In" in page or "Login" in page) and "Password" in page
    assert "Mật khẩu" not in page

    client.get("/lang/vi")
    assert "Mật khẩu" in client.get("/login/").get_data(as_text=True)


def test_fab_screens_are_vietnamese(client, admin):
    login(client, admin["username"], admin["password"])
    page = client.get("/users/list/").get_data(as_text=True)
    for text in ("Danh sách người dùng", "Tên đăng nhập", "Đăng xuất", "Danh sách vai trò", "Quản trị",
                 "Nhật ký hệ thống", "Thêm bộ lọc"):
        assert text in page, text
