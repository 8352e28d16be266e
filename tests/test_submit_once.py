"""Submit with values validates once (issue 17, item 2): the save judges the values as a draft and as a
submission in one pass, and the submit takes that verdict instead of reading and judging them again.
Answers and error bodies stay what they were with two requests."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from core.platform.extensions import db
from core.reporting import entry
from tests import factories
from tests.test_entry import SPEC, make_form, world  # noqa: F401 (fixture)
from tests.test_report_api import FILLED, _act, _put, auth, cb  # noqa: F401 (fixtures)


class _Counted:
    """Counts calls of ``entry.values_of`` and ``entry.judge`` and the SQL that reads ``report_value``."""

    def __init__(self, app, monkeypatch):
        self.reads = self.judged = 0
        self.value_selects = 0
        for name in ("values_of", "judge"):
            original = getattr(entry, name)

            def spy(*args, _original=original, _name=name, **kwargs):
                if _name == "values_of":
                    self.reads += 1
                else:
                    self.judged += 1
                return _original(*args, **kwargs)

            monkeypatch.setattr(entry, name, spy)
        with app.app_context():
            self.engine = db.engine

    def _sql(self, conn, cursor, statement, *args):
        text = " ".join(statement.split()).lower()
        if text.startswith("select") and "from report_value" in text:
            self.value_selects += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._sql)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._sql)


@factories.ON_ASSIGNMENT_DAY
def test_submit_with_values_reads_and_judges_the_values_once(cb, auth, monkeypatch):
    pk = cb["reports"]["X011"]
    auth("x011")  # signed in before counting
    with _Counted(cb["app"], monkeypatch) as counted:
        resp = _act(auth, "x011", pk, "submit", values=FILLED)
    assert resp.status_code == 200 and resp.get_json()["state"] == "submitted"
    assert (counted.reads, counted.judged, counted.value_selects) == (1, 1, 1)


@factories.ON_ASSIGNMENT_DAY
def test_a_submit_without_values_still_judges_what_is_stored(cb, auth, monkeypatch):
    pk = cb["reports"]["X011"]
    assert _put(auth, "x011", pk, FILLED).status_code == 200
    with _Counted(cb["app"], monkeypatch) as counted:
        resp = _act(auth, "x011", pk, "submit")
    assert resp.status_code == 200
    assert (counted.reads, counted.judged) == (1, 1)


@factories.ON_ASSIGNMENT_DAY
@pytest.mark.parametrize("values", [
    {"households": 120},                                   # a required field missing: the workflow's 409
    {**FILLED, "households": "một trăm"},                  # a value that is not a number: the save's 422
    {**FILLED, "poor_households": 130},                    # a rule between fields
    {**FILLED, "households": -1},                          # below the minimum
], ids=["missing", "not-a-number", "rule", "bound"])
def test_the_answers_are_those_of_a_save_then_a_submit(cb, auth, values):
    """One request answers as the two requests did: the save's errors as a 422 (nothing saved), else the
    submit's refusal with the same reasons and field errors as a submit of the stored values."""
    one, two = cb["reports"]["X011"], cb["reports"]["X012"]
    together = _act(auth, "x011", one, "submit", values=values)
    saved = _put(auth, "x012", two, values)
    if saved.status_code == 422:
        assert together.status_code == 422
        assert together.get_json()["errors"] == saved.get_json()["errors"]
        return
    separately = _act(auth, "x012", two, "submit")
    assert together.status_code == separately.status_code
    body, expected = together.get_json(), separately.get_json()
    assert body.keys() == expected.keys() and body["errors"] == expected["errors"]
    assert body["message"] == expected["message"]


def test_judge_gives_the_draft_and_the_submission_verdicts_in_one_pass(app, world):
    with app.app_context():
        defn = make_form(db.session).definition
        values = {("households", ""): 5, ("poor_households", ""): 9, ("area", ""): 200000.0}
        judged = entry.judge(defn, values)
        assert judged[True] == entry.validate(defn, values, partial=True)
        assert judged[False] == entry.validate(defn, values, partial=False)
        assert "area" in judged[True] and judged[True]["area"] == judged[False]["area"]  # bounds: both
        assert entry.RULES_KEY in judged[True] and entry.RULES_KEY in judged[False]  # the rule: both
        missing = entry.judge(defn, {("poor_households", ""): 1})
        assert "households" in missing[False] and "households" not in missing[True]  # required: submission only
