"""Vietnamese first: our Babel catalogue covers our strings and the FAB strings on our screens.

FAB ships no ``vi`` catalogue, so ``core/translations/vi`` carries both. The
``.po`` files are the source; the ``.mo`` files are compiled from them at
start-up when missing or older, so a fresh clone needs no extra build step.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


def N_(msgid: str) -> str:  # noqa: N802 (Babel's default marker name)
    """Mark ``msgid`` for extraction; whoever shows it translates it (services stay locale-free)."""
    return msgid


def compile_catalogues(root: Path = TRANSLATIONS) -> list[Path]:
    compiled = []
    for po in root.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as src:
            catalog = read_po(src)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as dst:
            write_mo(dst, catalog)
        tmp.replace(mo)
        compiled.append(mo)
    return compiled


def tolerate_percent_in_templates(app) -> None:
    """Templates' ``_()`` formats with ``%`` even without variables (Jinja's "newstyle" gettext), and FAB
    passes form errors through it: an error quoting what a user typed ("Unknown code: 100%") raised
    ``ValueError`` and the page was a 500. A string that cannot be formatted is shown as it is."""
    from jinja2 import pass_context

    original = app.jinja_env.globals["gettext"]

    @pass_context
    def gettext(__context, __string, **variables):
        try:
            return __context.call(original, __string, **variables)
        except (ValueError, TypeError, KeyError):
            if variables or not isinstance(__string, str):
                raise
            return __context.call(original, __string.replace("%", "%%"))

    app.jinja_env.globals["gettext"] = gettext


def refresh_catalogue(translations: dict[str, str] | None = None, root: Path = TRANSLATIONS) -> list[str]:
    """Re-extract the template, merge it into ``vi``, fill ``translations``; return msgids still empty.

    For developers: ``python -m core.platform.i18n [FILE.json ...]`` where each file maps
    English msgids to Vietnamese. Same steps as docs/i18n.md, in one command.
    """
    import subprocess
    import sys

    from babel.messages.pofile import write_po

    repo = root.parent.parent
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "pybabel"), "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
                    "-o", str(root / "messages.pot"), "core", "plugins", "workflows"], cwd=repo, check=True, capture_output=True)
    subprocess.run([str(bin_dir / "pybabel"), "update", "-i", str(root / "messages.pot"), "-d", str(root),
                    "-l", "vi", "--no-fuzzy-matching", "--ignore-obsolete", "-w", "100"], cwd=repo, check=True, capture_output=True)
    po = root / "vi" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as src:
        catalog = read_po(src)
    for msgid, text in (translations or {}).items():
        if msgid in catalog:
            catalog[msgid].string = text
    with po.open("wb") as dst:
        write_po(dst, catalog, width=100, ignore_obsolete=True)
    return [m.id for m in catalog if m.id and not m.string]


if __name__ == "__main__":  # pragma: no cover
    import json
    import sys

    merged: dict[str, str] = {}
    for name in sys.argv[1:]:
        merged.update(json.loads(Path(name).read_text(encoding="utf-8")))
    missing = refresh_catalogue(merged)
    print("\n".join(f"untranslated: {m}" for m in missing) or "every string is translated")
    sys.exit(1 if missing else 0)


def locale_without_cookie(app) -> None:
    """Choose the locale without writing it into the session.

    FAB's selector stores the default locale in the session when none is there, so every answer of the
    API (token, no cookie) carried a ``Set-Cookie``, and signing that cookie was a thirtieth of an
    autosave's CPU (bench/autosave.py). Same choice as FAB's (``?_l_=``, then the one the user picked
    at ``/lang/<locale>``, then the default), only read; answered as a parsed ``Locale`` of the app's
    languages, which Flask-Babel takes as it is instead of parsing the name again on every request.
    """
    from babel import Locale
    from flask import has_request_context, request, session

    babel = app.extensions["babel"]
    languages, default = app.config["LANGUAGES"], app.config["BABEL_DEFAULT_LOCALE"]
    parsed = {name: Locale.parse(name) for name in {*languages, default}}

    def select() -> Locale | str:
        if not has_request_context():
            return parsed[default]
        asked = request.args.get("_l_")
        if asked is not None:
            return parsed[asked] if asked in languages else parsed[default]
        chosen = session.get("locale") or default
        return parsed.get(chosen, chosen)

    babel.locale_selector = select
