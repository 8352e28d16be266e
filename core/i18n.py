"""Vietnamese first: our Babel catalogue covers our strings and the FAB strings on our screens.

FAB ships no ``vi`` catalogue, so ``core/translations/vi`` carries both. The
``.po`` files are the source; the ``.mo`` files are compiled from them at
start-up when missing or older, so a fresh clone needs no extra build step.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


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
