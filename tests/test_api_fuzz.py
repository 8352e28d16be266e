"""The REST API never answers 5xx, whatever a client sends: schemathesis generates requests from the
OpenAPI spec (``GET /api/v1/_openapi``) and sends them in-process (WSGI) with the admin's token.

Only the ``not_a_server_error`` check runs: the spec FAB generates is not precise enough for the
conformance checks. A few examples per operation keep the run well under two minutes.
"""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the test extras")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from tests import factories  # noqa: E402
from tests.conftest import api_token  # noqa: E402

EXAMPLES_PER_OPERATION = 8


def test_no_operation_answers_a_server_error(app, admin):
    with app.app_context():
        factories.cao_bang_reports()  # something to list, read and act on
    token = api_token(app.test_client(), "admin", admin["password"])
    auth = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=auth)
    tried, errors, operations = 0, [], 0

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def fuzz(case):
            nonlocal tried
            tried += 1
            try:
                response = case.call(headers=auth)
            except Exception as exc:  # noqa: BLE001 (an exception escaping the app is a 500 to a client)
                errors.append(f"{case.method} {case.formatted_path} {case.query or ''} -> exception "
                              f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
                return
            if response.status_code >= 500:  # schemathesis's not_a_server_error, counted instead of raised
                errors.append(f"{case.method} {case.formatted_path} {case.query or ''} -> {response.status_code}")

        fuzz()

    print(f"\nschemathesis: {operations} operations, {tried} examples tried, {len(errors)} server errors")
    assert errors == [], "\n".join(errors[:20])


@pytest.mark.parametrize("path", ["/api/v1/report/17592186044416", "/api/v1/audit/17592186044416",
                                  "/api/v1/unit/99999999999999999999999999999999",
                                  "/api/v1/report/2623016422064/pdf"])
def test_an_id_no_row_can_have_is_not_found_not_a_server_error(app, admin, path):
    """Found by the fuzzing above: ids past the 32-bit INTEGER of every table reached the database."""
    client = app.test_client()
    token = api_token(client, "admin", admin["password"])
    resp = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 404 and resp.get_json()["message"] == "Not found"
