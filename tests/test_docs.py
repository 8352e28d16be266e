"""The hook reference in docs/plugins.md stays in step with core/hookspecs.py."""
import inspect
import re
from datetime import date
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from croniter import croniter

from core import hookspecs
from core.platform.plugin_manager import new_manager

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


# --- every hook's example in docs/plugins.md runs -------------------------------------------------

REFERENCE = DOC[DOC.index("## Hook reference"):DOC.index("## Testing a plugin")]
EXAMPLES = {m.group(1): re.findall(r"```python\n(.*?)```", m.group(2), re.S)
            for m in re.finditer(r"^### `(\w+)\(.*?\n(.*?)(?=^### |\Z)", REFERENCE, re.S | re.M)}


def example(name: str) -> ModuleType:
    """The hook's example, run as a module of its own, registered as a plugin on a fresh manager."""
    blocks = EXAMPLES[name]
    assert len(blocks) == 1, f"{name}: one runnable example, found {len(blocks)}"
    module = ModuleType(f"docs_example_{name}")
    module.__file__ = str(Path(__file__).resolve().parents[1] / "docs" / "plugins.md")
    exec(compile(blocks[0], f"docs/plugins.md:{name}", "exec"), module.__dict__)
    assert callable(getattr(module, name, None)), f"{name}: the example must define {name}()"
    pm = new_manager()
    pm.register(module, name=module.__name__)
    pm.check_pending()  # a misspelt hook or a wrong argument name fails here
    return pm.hook


def test_every_hook_has_exactly_one_runnable_example():
    assert set(EXAMPLES) == _specs()
    for name in EXAMPLES:
        example(name)


def test_the_list_hooks_examples_return_what_core_reads():
    from core.contracts import Contact, Level, PasswordPolicy, PeriodRule, ScheduledJob, UnitSpec

    (contacts,), (jobs,) = example("support_contacts").support_contacts(), example("scheduled_jobs").scheduled_jobs()
    assert contacts and all(isinstance(c, Contact) and c.organisation for c in contacts)
    assert jobs and all(isinstance(j, ScheduledJob) and croniter.is_valid(j.cron) and ":" in j.func for j in jobs)
    assert croniter.is_valid(example("backup_schedule").backup_schedule())
    assert example("maintenance_lead_time").maintenance_lead_time() == 48
    levels = example("hierarchy_levels").hierarchy_levels()
    assert all(isinstance(level, Level) for level in levels)
    assert {level.reviewed_by for level in levels} - {None} <= {level.code for level in levels}
    assert isinstance(example("password_policy").password_policy(), PasswordPolicy)
    rules = example("period_rules").period_rules()
    assert rules and all(isinstance(r, PeriodRule) for r in rules)
    (agencies,) = example("agency_units").agency_units()
    assert agencies and all(isinstance(u, UnitSpec) and u.kind == "department" for u in agencies)


def test_the_period_rules_example_dates_quy_i_as_ha_noi_does():
    from core.forms.periods import build, merge

    ruleset = merge(example("period_rules").period_rules())
    q1, q3 = build("2026Q1", ruleset), build("2026Q3", ruleset)
    assert (q3.start, q3.end) == (date(2026, 6, 15), date(2026, 9, 14))
    assert (q1.start, q1.end, q1.deadline) == (date(2026, 1, 1), date(2026, 3, 14), date(2026, 3, 14))


def test_the_register_forms_example_syncs_into_the_database(app):
    from core.forms import definitions as forms
    from core.platform.extensions import db

    (specs,) = example("register_forms").register_forms()
    with app.app_context():
        assert [forms.sync_spec(db.session, spec, "docs") for spec in specs] == ["created"] * len(specs)


def test_the_workflow_examples_answer_for_a_report():
    hook = example("approval_chain")
    assert hook.approval_chain(form=None, unit=SimpleNamespace(level="commune")) == ["district", "province"]
    guard = example("workflow_guards")
    own, other = SimpleNamespace(unit_id=7), SimpleNamespace(unit_id=3)
    assert guard.workflow_guards(report=own, action="approve", actor=own) == [["Không được tự duyệt báo cáo của đơn vị mình."]]
    assert guard.workflow_guards(report=own, action="approve", actor=other) == [[]]
    done = SimpleNamespace(to_state="approved")
    assert example("after_transition").after_transition(report=SimpleNamespace(id=1, unit_id=7), transition=done) == []
    rules = example("aggregation_rules").aggregation_rules(form=SimpleNamespace(code="CB-DT01"))
    assert rules == [{"poverty_rate": "wavg:households", "largest_village": "max"}]
    assert example("export_template").export_template(form=None).endswith("bao_cao.docx")


# --- the generated references: docs/api.md and docs/contracts.md --------------------------------

ROOT = Path(__file__).resolve().parents[1]


def test_the_api_and_contract_references_are_what_the_code_generates(tmp_path):
    """`baocao docs build` output is committed: a changed endpoint, status code or contract field that
    was not rebuilt into docs/ fails here."""
    from core import reference

    for path, text in reference.build(reference.docs_app(tmp_path), ROOT / "docs").items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run `baocao docs build`"


def test_the_docs_check_command_names_a_stale_reference(cli, tmp_path, monkeypatch):
    from core import reference

    assert cli("docs", "check").exit_code == 0
    stale = tmp_path / "docs"
    stale.mkdir()
    (stale / "api.md").write_text("# old\n")
    (stale / "contracts.md").write_text((ROOT / "docs" / "contracts.md").read_text(encoding="utf-8"))
    monkeypatch.setattr(reference, "DOCS", stale)
    monkeypatch.setattr(reference.build, "__defaults__", (stale,))
    monkeypatch.setattr(reference.stale, "__defaults__", (stale,))
    result = cli("docs", "check")
    assert result.exit_code == 1 and "api.md differs from the code" in result.output


def test_every_contract_field_says_what_it_means_in_the_reference():
    from dataclasses import fields, is_dataclass

    from core import contracts, reference

    assert reference.undocumented_fields() == []
    doc = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    for name, cls in vars(contracts).items():
        if isinstance(cls, type) and is_dataclass(cls) and cls.__module__ == contracts.__name__:
            assert f"## `{name}`" in doc
            for f in fields(cls):
                assert f"| `{f.name}` |" in doc, f"{name}.{f.name}"
    assert "`long_text`" in doc and "`require_special`" in doc and "`PeriodType.SIX_MONTHLY`" in doc
    assert "| `DEFAULT_CLOSES` |" in doc and "| `root_name` |" in doc


def test_every_endpoint_and_every_documented_status_code_has_an_example_body(app):
    from core import reference

    spec = reference.openapi_spec(app)
    doc = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert f"### `{method.upper()} {path}`" in doc
            for code, response in op["responses"].items():
                ctype, example = reference.response_example(spec, code, response)
                assert example is not None or ctype, f"{method.upper()} {path} {code}: no example body"
    for needed in ("/api/v1/report/{pk}/values", "/api/v1/report/{pk}/transition", "/api/v1/report/{pk}/attachments",
                   "/api/v1/aggregate/", "/api/v1/completeness/", "/api/v1/export/", "/api/v1/exchange/datavaluesets"):
        assert needed in spec["paths"]


def test_readme_says_where_the_openapi_spec_and_the_swagger_ui_live(app, admin):
    from tests.conftest import login

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "/api/v1/_openapi" in readme and "/swagger/v1" in readme and "docs/api.md" in readme
    anonymous = app.test_client()
    assert anonymous.get("/api/v1/_openapi").status_code == 401
    assert anonymous.get("/swagger/v1").status_code == 302  # to the login page
    web = app.test_client()
    assert login(web, admin["username"], admin["password"]).status_code == 302
    spec = web.get("/api/v1/_openapi")
    assert spec.status_code == 200 and "/api/v1/report/{pk}/transition" in spec.get_json()["paths"]
    page = web.get("/swagger/v1")
    assert page.status_code == 200 and "/api/v1/_openapi" in page.get_data(as_text=True)


# --- the documented status codes are what the endpoints answer -------------------------------------

from tests.test_plugin_authoring import dien_bien  # noqa: E402,F401  (the docs' province, installed)


def _documented(spec: dict, method: str, path: str, status: int):
    """The documented example of ``status`` for the endpoint; fails when the status is not documented."""
    from core import reference

    responses = spec["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered {status}, documented {sorted(responses)}"
    return reference.response_example(spec, str(status), responses[str(status)])[1]


def test_every_status_code_the_integrators_walk_meets_is_documented_with_the_body_it_has(dien_bien):
    """Each call provokes one answer; its status must be documented for the endpoint, and its body must
    have the keys of the documented example (docs/api.md), and docs/plugins.md's 409 must be the code's."""
    from datetime import date

    from core import reference, testing
    from core.bootstrap import init_province
    from core.platform.extensions import db
    from core.reporting.assignment import assign

    app = dien_bien
    with app.app_context():
        init_province("dien_bien")
        assign(db.session, date(2026, 12, 5))
        db.session.commit()
    spec = reference.openapi_spec(app)
    commune, board = testing.officer(app, "03151"), testing.officer(app, "11")
    pk = next(r for r in commune.reports() if r["form_code"] == "DB-DT01")["id"]
    values, transition = "/api/v1/report/{pk}/values", "/api/v1/report/{pk}/transition"
    attachments, aggregate = "/api/v1/report/{pk}/attachments", "/api/v1/aggregate/"
    total = {"form": "DB-DT01", "period": "2026"}
    calls = [
        ("put", values, lambda: commune.put(pk, {"households": -1}), 422),
        ("put", values, lambda: board.put(pk, {"households": 1}), 403),
        ("put", values, lambda: commune.put(pk + 10_000, {"households": 1}), 404),
        ("put", values, lambda: commune.put(pk, {"households": 10, "population": 40}), 200),
        ("post", transition, lambda: commune.act(pk, "fly"), 422),
        ("post", transition, lambda: commune.act(pk, "submit"), 409),  # scan_guard
        ("post", transition, lambda: board.act(pk, "submit"), 403),
        ("post", attachments, lambda: commune.attach(pk, b"not a scan", "x.txt"), 422),
        ("post", attachments, lambda: board.attach(pk), 403),
        ("post", attachments, lambda: commune.attach(pk), 201),
        ("post", transition, lambda: commune.act(pk, "submit"), 200),
        ("put", values, lambda: commune.put(pk, {"households": 1}), 409),
        ("post", attachments, lambda: commune.attach(pk, filename="again.pdf"), 409),
        ("post", transition, lambda: board.act(pk, "approve", lock_version=0), 409),  # changed since read
        ("post", transition, lambda: board.act(pk, "approve"), 200),
        ("get", aggregate, lambda: board.client.get(aggregate, headers=board.headers,
                                                      query_string={**total, "field": "households", "by": "child"}), 200),
        ("get", aggregate, lambda: board.client.get(aggregate, headers=board.headers,
                                                      query_string={**total, "form": "XX"}), 422),
        ("get", aggregate, lambda: commune.client.get(aggregate, headers=commune.headers,
                                                        query_string={**total, "unit": "11"}), 404),
        ("get", "/api/v1/completeness/", lambda: board.client.get("/api/v1/completeness/", headers=board.headers,
                                                                  query_string=total), 200),
        ("get", "/api/v1/me/", lambda: commune.client.get("/api/v1/me/", headers=commune.headers), 200),
    ]
    missing = commune.act(pk, "submit")  # required values missing (docs/plugins.md: 409, like a guard)
    assert missing.status_code == 409 and "households" in missing.get_json()["errors"], missing.get_json()
    assert set(missing.get_json()) == set(_documented(spec, "post", transition, 409))
    for method, path, call, expected in calls:
        resp = call()
        assert resp.status_code == expected, (method, path, resp.status_code, resp.get_json())
        example = _documented(spec, method, path, resp.status_code)
        if isinstance(example, dict):
            assert set(resp.get_json()) == set(example), (method, path, expected, resp.get_json(), example)
    assert board.total("DB-DT01", "2026")["values"] == {"households": 10, "population": 40}

    guards = DOC[DOC.index("### `workflow_guards("):DOC.index("### `after_transition(")]
    assert "**409**" in guards and "422" not in guards


# --- the integrator's API client, against a live server ------------------------------------------

CLIENT = ROOT / "docs" / "examples" / "api_client.py"


@pytest.mark.at("2026-12-05T09:00+07:00")
def test_the_docs_api_client_logs_in_fills_attaches_submits_approves_and_reads_the_total(dien_bien, db_url, tmp_path):
    """docs/examples/api_client.py, written from docs/api.md with no baocao import, run as an integrator
    runs it against a real `baocao serve` of the docs' province: one-time passwords changed, the scan
    attached (the guard lets the submit through), approved by the board, the total read back."""
    import os
    import subprocess
    import sys

    from core import testing
    from core.bootstrap import init_province
    from core.platform.extensions import db
    from core.reporting.models import Report
    from core.testing import sample_pdf
    from tests import processes

    source = CLIENT.read_text(encoding="utf-8")
    assert "core" not in {line.split()[1].split(".")[0] for line in source.splitlines()
                          if line.startswith(("import ", "from "))}
    with dien_bien.app_context():
        init_province("dien_bien")
        db.session.remove()
    commune, board = testing.issue(dien_bien, "03151"), testing.issue(dien_bien, "11")
    scan = tmp_path / "bien-ban-da-ky.pdf"
    scan.write_bytes(sample_pdf())

    instance = tmp_path / "serve-instance"
    instance.mkdir()
    env = processes.baocao_env(DATABASE_URL=db_url, SECRET_KEY="test-secret", BAOCAO_INSTANCE=instance)
    env["PYTHONPATH"] = str(tmp_path / "site") + os.pathsep + env["PYTHONPATH"]  # the installed province
    port = processes.free_port()
    server = processes.serve(port, env, tmp_path / "serve.log")
    try:
        run = subprocess.run(
            [sys.executable, str(CLIENT), "--url", f"http://127.0.0.1:{port}",
             "--reporter", ":".join(commune), "--reviewer", ":".join(board), "--new-password", "Mật-Khẩu-Mới-2026!",
             "--form", "DB-DT01", "--period", "2026", "--values", '{"households": 10, "population": 40}',
             "--scan", str(scan)],
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
            env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL", "REDIS_URL")})
        refused = subprocess.run([sys.executable, str(CLIENT), "--url", f"http://127.0.0.1:{port}", "--reporter", "x:y",
                                  "--reviewer", "11:z", "--form", "F", "--period", "P", "--values", "{}"],
                                 capture_output=True, text=True, timeout=60)
    finally:
        processes.stop(server)
    assert run.returncode == 0, run.stdout + run.stderr + (tmp_path / "serve.log").read_text(errors="replace")[-3000:]
    lines = run.stdout.splitlines()
    assert lines[0].endswith("DB-DT01 2026 of 03151, draft")
    assert "attached: bien-ban-da-ky.pdf" in lines and "submitted: held at level province" in lines
    assert "approved by 11: approved" in lines
    assert lines[-1] == 'total of 11 (1 report(s)): {"households": 10, "population": 40}'
    with dien_bien.app_context():
        states = {r.state for r in db.session.query(Report).filter(Report.unit.has(code="03151"))}
    assert states == {"approved"}
    assert refused.returncode == 1 and refused.stderr.startswith("refused: log in as x: 401")

