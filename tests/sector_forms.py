"""A sector's form for the verification walks (H3): the board designs it for the communes, tagged with the
health sector, and the reports of 5/12/2026 are assigned (what the form designer and publishing produce)."""
from __future__ import annotations

from core.contracts import FieldSpec, FormSpec, ScheduleSpec, SectionSpec
from core.platform.extensions import db
from tests.factories import ASSIGNED_ON

#: What a commune's health officer types in.
HEALTH = {"health_stations": 1, "doctors": 3, "minority_insured": 2150}


def health_form(app, code: str, province: str) -> None:
    """``code``: the commune health form of ``province``, sector ``y_te`` (Sở Y tế verifies it)."""
    from core.forms.definitions import sync_spec
    from core.reporting import assignment

    with app.app_context():
        sync_spec(db.session, FormSpec(
            code, f"Biểu YT01: Y tế vùng đồng bào dân tộc thiểu số ({province})", (SectionSpec("y_te", "Y tế", (
                FieldSpec("health_stations", "Số trạm y tế xã", required=True, min=0, unit_of_measure="trạm"),
                FieldSpec("doctors", "Số bác sĩ làm việc tại trạm", min=0, unit_of_measure="người"),
                FieldSpec("minority_insured", "Số người DTTS có thẻ BHYT", min=0, unit_of_measure="người"),
            )),), sector="y_te", schedules=(ScheduleSpec("yearly", ("commune",)),)), source="board")
        db.session.commit()
        assignment.assign(db.session, ASSIGNED_ON)
        db.session.commit()


def own(officer, form: str) -> list[dict]:
    """The reports of ``form`` the officer lists (a department: its sector's, across the province)."""
    resp = officer.client.get(f"/api/v1/report/?q=(filters:!((col:form_code,opr:eq,value:'{form}')),page_size:100)",
                              headers=officer.headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["result"]
