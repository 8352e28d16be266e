"""What a Vietnamese officer must never read on a screen: English words of the interface, and raw codes.

Interface: ``assert_vietnamese(text, where)``, the same as ``tests/screen_text.py`` of the labels work
(issue 15 item 6), which replaces this module when both are merged. ``text`` is a page's *visible*
text (Playwright's ``inner_text("body")``), so markup, attribute values and scripts never count.
"""
from __future__ import annotations

import re

#: English words of the interface (FAB's and ours) seen on screens before they were translated. Matched as
#: whole words, case-sensitive: "Lưu" never matches, an English "Save" does. Kept short on purpose: every
#: entry is a word a Vietnamese screen has no reason to show.
ENGLISH = (
    "Actions", "Add", "Approve", "Approved", "Back", "Bad Request", "Cancel", "Close", "Closes", "Dashboard",
    "Delete", "Deadline", "Download", "Draft", "Edit", "End", "Error", "Export", "Filter", "Forbidden", "Form",
    "Help", "Home", "Language", "Level", "List", "Loading", "Login", "Logout", "Not Found", "Notifications",
    "Opens", "Page", "Password", "Period", "Previous", "Record", "Records", "Refresh", "Report", "Reports",
    "Returned", "Roles", "Save", "Search", "Security", "Select", "Settings", "Show", "Sign in", "Start", "State",
    "Submit", "Submitted", "Total", "Totals", "Unit", "Units", "User", "Users", "Welcome",
    # enum codes shown as they are stored
    "province", "district", "commune", "draft", "submitted", "approved", "returned", "correction_requested",
    "bundled", "due_soon",
)
_ENGLISH = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w-])")
#: Codes a person should never read: a disaggregation key ("01|male"), Python's literals.
RAW = re.compile(r"\d+\|\w+|(?<![\w-])(?:True|False|None)(?![\w-])")


def problems(text: str) -> list[str]:
    found = [f"English word {m.group(0)!r}" for m in _ENGLISH.finditer(text)]
    found += [f"raw code {m.group(0)!r}" for m in RAW.finditer(text)]
    return sorted(set(found))


def assert_vietnamese(text: str, where: str) -> None:
    found = problems(text)
    assert not found, f"{where}: " + "; ".join(found)
