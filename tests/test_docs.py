"""The hook reference in docs/plugins.md stays in step with core/hookspecs.py."""
import inspect
import re
from pathlib import Path

from core import hookspecs

DOC = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text(encoding="utf-8")


def _specs():
    return {name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(fn, f"{hookspecs.PROJECT}_spec")}


def test_every_hook_is_documented_with_a_heading():
    documented = set(re.findall(r"^### `(\w+)\(", DOC, flags=re.M))
    assert documented == _specs()


def test_every_hookspec_says_when_it_runs_and_how_answers_combine():
    for name in _specs():
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert len(doc.splitlines()) >= 2, f"{name} needs a docstring"
