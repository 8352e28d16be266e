"""What an officer reads on a screen must be Vietnamese and free of raw codes (issue 15, items 6–9).

``assert_vietnamese(text, where)`` takes a page's *visible* text (Playwright's
``page.inner_text("body")``, or :func:`visible_text` of a test client's HTML) and fails naming
every English word from :data:`ENGLISH` and every raw code (``01|male``, ``True``, ``None``,
``approve:5``, ``plugin:cao_bang``, ``dan_toc``) it finds, with a little of the text around it.

The English list holds words that leak from FAB, from our own untranslated strings or from codes
shown as they are stored. Words that are also Vietnamese without their accents ("No" is "no",
"Do" is "do", "In" is "in", "Ban" is "ban") are deliberately not in it.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from core.platform import labels

#: Whole words, case-sensitive, that must not be seen on a Vietnamese screen.
ENGLISH = frozenset("""
    Action Actions Actor Add Approve Approved Back Bad Cancel Changes Closes Code Commune Delete Detail
    District Draft Edit End Error False Forbidden Found Hash Home Internal Kind Late Level List Login Logout
    Next None Object Opens Period Previous Province Record Records Request Returned Save Search Sector Sent
    Server Show Start State Submit Submitted Time Total Totals True Type Unit Units User Value Yes
    approve approved bundled commune create delete district draft login logout province returned submit
    submitted update fields rules sections members source unchanged updated
    Close Dashboard Deadline Download Export Filter Form Help Language Loading Notifications Page Password
    Refresh Report Reports Roles Security Select Settings Users Welcome correction_requested due_soon
""".split())

#: Raw codes: a disaggregation cell key, Python's constants, a notification kind, a plugin source.
RAW_CODES = (
    re.compile(r"\b\w+\|\w+"),  # 01|male, kinh|nam
    re.compile(r"\b(?:True|False|None)\b"),
    re.compile(r"\b[a-z_]+:\d+\b"),  # approve:5
    re.compile(r"\bplugin:\w+"),
)
#: Stored codes of the enums people read (a form field's own code, shown as its code, is not one).
ENUM_CODES = frozenset(
    [*labels.STATES, *labels.LEVELS, *labels.SECTORS, *labels.AUDIT_ACTIONS, *labels.OBJECT_TYPES, *labels.ROLES]
) - {"Unit", "Form", "Report", "Plugin", "Incident", "Backup", "Period"}  # also plain words of a sentence
_CODE_WORD = re.compile(r"\b[A-Za-z][\w.]*\w\b")
_WORD = re.compile(r"[^\W\d_]+")  # whole words, accented letters included
_HIDDEN_TAGS = {"script", "style", "head", "title", "template", "noscript"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _around(text: str, start: int, end: int) -> str:
    return text[max(0, start - 30):end + 30].replace("\n", " ")


def problems(text: str) -> list[str]:
    """Every English word and raw code of ``text``, each with the text around it."""
    found = []
    for match in _WORD.finditer(text):
        if match.group() in ENGLISH:
            found.append(f"English {match.group()!r}: …{_around(text, match.start(), match.end())}…")
    for match in _CODE_WORD.finditer(text):
        if match.group() in ENUM_CODES and match.group() not in ENGLISH:
            found.append(f"code {match.group()!r}: …{_around(text, match.start(), match.end())}…")
    for pattern in RAW_CODES:
        for match in pattern.finditer(text):
            found.append(f"code {match.group()!r}: …{_around(text, match.start(), match.end())}…")
    return found


def assert_vietnamese(text: str, where: str) -> None:
    """Fail when the visible ``text`` of the screen ``where`` holds English words or raw codes."""
    found = problems(text)
    assert not found, f"{where}: {len(found)} English word(s) or raw code(s):\n" + "\n".join(found[:40])


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        attrs = dict(attrs)
        hides = tag in _HIDDEN_TAGS or "hidden" in attrs or "display:none" in (attrs.get("style") or "").replace(" ", "")
        self.stack.append((tag, hides))
        self.hidden_depth += hides

    def handle_endtag(self, tag):
        if tag in _VOID or tag not in (t for t, _ in self.stack):
            return
        while self.stack:  # an unclosed <li> or <p> closes with its parent, as in a browser
            name, hides = self.stack.pop()
            self.hidden_depth -= hides
            if name == tag:
                break

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a browser would show of ``html`` (no scripts, styles, head or hidden elements)."""
    parser = _Visible()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()
