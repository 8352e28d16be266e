"""The offline workbook (issue 18, part 3): a Cao Bằng commune downloads its CB-DT01 as XLSX, fills it
the way a person does in Excel (openpyxl here), and uploads it back; what comes back is judged by the
entry screen's own rules, cell by cell, and saved all or nothing."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.reporting import entry
from core.reporting import workbook as wb_service
from core.reporting.models import Report, ReportValue
from tests import factories
from tests.test_report_api import cb  # noqa: F401 (fixture: CB-DT01 assigned to every commune)

pytestmark = factories.ON_ASSIGNMENT_DAY


def make_report(spec, unit_code: str = "X011") -> int:
    """A draft report of ``spec`` (published by the board) for a unit of Cao Bằng; its id. App context."""
    from core.forms.definitions import latest_version, sync_spec
    from core.forms.models.form import Form
    from core.forms.models.period import Period
    from core.hierarchy.models import Unit

    if not db.session.query(Unit).filter_by(code=unit_code).count():
        factories.province()
    sync_spec(db.session, spec, source="board")
    form = db.session.query(Form).filter_by(code=spec.code).one()
    unit = db.session.query(Unit).filter_by(code=unit_code).one()
    day = factories.ASSIGNED_ON
    period = Period(code=f"{spec.code}-P", type="adhoc", name="Kỳ thử", start=day, end=day,
                    deadline=day + timedelta(days=10), opens=day, closes=day + timedelta(days=10))
    db.session.add(period)
    db.session.flush()
    report = Report(form_id=form.id, form_version_id=latest_version(db.session, form).id, period_id=period.id,
                    unit_id=unit.id, level=unit.level, deadline=period.deadline, state="draft")
    db.session.add(report)
    db.session.commit()
    return report.id


def _report(pk: int) -> Report:
    return db.session.get(Report, pk)


def _download(pk: int, editable: bool = True) -> bytes:
    return wb_service.build(db.session, _report(pk), editable=editable)


def _open(data: bytes):
    return load_workbook(io.BytesIO(data))


def _save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _find(book, marker: str):
    """The sheet and row whose code column reads ``marker`` (as a person finds the row of an indicator)."""
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        for row in ws.iter_rows(min_col=1, max_col=1):
            if row[0].value == marker:
                return ws, row[0].row
    raise AssertionError(f"no row {marker}")


def _type(book, marker: str, value, column: int = wb_service.VALUE_COL):
    ws, row = _find(book, marker)
    ws.cell(row, column).value = value
    return ws.title, ws.cell(row, column).coordinate


def _filled(data: bytes, **values) -> bytes:
    book = _open(data)
    for marker, value in values.items():
        _type(book, marker.replace("__", "/"), value)
    return _save(book)


def _upload(pk: int, data: bytes):
    report = _report(pk)
    try:
        outcome = wb_service.upload(db.session, report, data, "bao-cao.xlsx")
    except Exception:
        db.session.rollback()
        raise
    if outcome.problems:
        db.session.rollback()
    else:
        db.session.commit()
    return outcome


def _stored(pk: int) -> dict:
    return entry.values_of(db.session, _report(pk))


def test_the_workbook_holds_the_form_the_values_and_locks_all_but_the_inputs(cb):
    pk = cb["reports"]["X011"]
    with cb["app"].app_context():
        report = _report(pk)
        assert entry.save(db.session, report, {"households": "120", "notes": "=HYPERLINK(\"http://x\",\"y\")\x01",
                                               "population_by_ethnicity__01|female": "7"}) == {}
        db.session.commit()
        book = _open(_download(pk))

    visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
    assert visible == ["1. Hộ và nhân khẩu", "2. Hộ nghèo, hộ cận nghèo"]
    assert book[wb_service.META_SHEET].sheet_state == "hidden"
    ws, row = _find(book, "households")
    assert ws.cell(row, 2).value == "Tổng số hộ (*)" and ws.cell(row, 3).value == "hộ"
    assert ws.cell(row, 4).value == 120 and ws.cell(row, 4).protection.locked is False
    assert ws.protection.sheet and ws.cell(row, 2).protection.locked and ws.cell(1, 1).protection.locked
    # The grid: one row per ethnic group, a column per sex, the stored cell in its place
    ws, row = _find(book, "population_by_ethnicity")
    assert [ws.cell(row, c).value for c in (4, 5)] == ["Nam", "Nữ"]
    assert ws.cell(row + 1, 2).value.strip() == "Kinh" and ws.cell(row + 1, 5).value == 7
    # A stored text that looks like a formula is written as text, never as a live formula
    ws, row = _find(book, "notes")
    assert ws.cell(row, 4).data_type == "s" and ws.cell(row, 4).value == "'=HYPERLINK(\"http://x\",\"y\")"
    # (what XML cannot hold, such as \x01, is left out rather than breaking the download)
    # Excel's own checks: whole numbers >= 0 on the households cell, the Vietnamese message with it
    rules = {str(r.sqref): r for r in _find(book, "households")[0].data_validations.dataValidation}
    households = next(r for ref, r in rules.items() if "D" + str(_find(book, "households")[1]) in ref.split())
    assert households.type == "whole" and households.formula1 == "0" and "số nguyên" in households.error


def test_a_filled_workbook_is_saved_like_the_screen_and_audited(cb):
    pk = cb["reports"]["X011"]
    with cb["app"].app_context():
        data = _filled(_download(pk), households=120, population="1.234", poor_households=20,
                       population_by_ethnicity__01=(1234),  # the first column: Kinh, Nam
                       notes="'=1+1 là công thức")
        outcome = _upload(pk, data)
        assert outcome.problems == [], outcome.problems
        stored = _stored(pk)
        assert stored[("households", "")] == 120
        assert stored[("population", "")] == 1234  # "1.234" as a Vietnamese officer writes a thousand
        assert stored[("population_by_ethnicity", "01|male")] == 1234
        assert stored[("notes", "")] == "=1+1 là công thức"  # the apostrophe was the spreadsheet's, not data
        actions = [a for a, in db.session.query(AuditEntry.action).filter(AuditEntry.object_id == str(pk))]
        assert "report.workbook_upload" in actions and "report.save" in actions


def test_every_problem_is_named_by_sheet_and_cell_and_nothing_is_saved(cb):
    pk = cb["reports"]["X011"]
    with cb["app"].app_context():
        assert entry.save(db.session, _report(pk), {"households": "100"}) == {}
        db.session.commit()
        book = _open(_download(pk))
        where_households = _type(book, "households", "một trăm")
        where_population = _type(book, "population", 12.5)
        where_cell = _type(book, "poor_by_ethnicity/02", -3)
        where_formula = _type(book, "near_poor_households", "=SUM(D1:D3)")
        _type(book, "minority_households", 5)
        outcome = _upload(pk, _save(book))
        found = {(p.sheet, p.cell): p for p in outcome.problems}
        assert found[where_households].message == "Nhập một số, ví dụ 1234 hoặc 1.234,5."
        assert found[where_population].message == "Nhập số nguyên (không có phần thập phân)."
        assert found[where_cell].field == "Hộ nghèo chia theo dân tộc (Tày)"
        assert "công thức" in found[where_formula].message
        assert _stored(pk) == {("households", ""): 100}  # nothing written, not even the good value


def test_a_rule_broken_across_fields_names_the_cells(cb):
    pk = cb["reports"]["X011"]
    with cb["app"].app_context():
        data = _filled(_download(pk), households=10, poor_households=20)
        outcome = _upload(pk, data)
        # The problem is the rule's own sentence (no rule code since issue 15), on the first field it reads.
        rule = next(p for p in outcome.problems if "Tổng số hộ" in p.field)
        assert rule.sheet == "1. Hộ và nhân khẩu" and rule.cell
        assert "poor_at_most_households" not in rule.message and rule.message
        assert _stored(pk) == {}


def test_another_report_another_version_or_an_outdated_workbook_is_refused(cb, now):
    x011, x012 = cb["reports"]["X011"], cb["reports"]["X012"]
    with cb["app"].app_context():
        theirs = _download(x012)
        with pytest.raises(wb_service.WorkbookRefused, match="của báo cáo khác"):
            _upload(x011, theirs)

        mine = _download(x011)
        book = _open(mine)
        meta = book[wb_service.META_SHEET]
        meta["B1"] = str(x012)  # someone edits the hidden sheet to push it onto another report
        with pytest.raises(wb_service.WorkbookRefused, match="bị thay đổi"):
            _upload(x012, _save(book))

        # Saved on the screen after the download: uploading the old file would undo it
        now.shift(60)
        assert entry.save(db.session, _report(x011), {"households": "5"}) == {}
        db.session.commit()
        with pytest.raises(wb_service.WorkbookRefused, match="tải lại") as refused:
            _upload(x011, _filled(mine, households=7))
        assert refused.value.conflict
        assert _stored(x011)[("households", "")] == 5

        # A transition bumps lock_version: a workbook from before it is stale
        fresh = _download(x011)
        report = _report(x011)
        report.lock_version += 1
        db.session.commit()
        with pytest.raises(wb_service.WorkbookRefused, match="sau khi tải bảng tính") as stale:
            _upload(x011, _filled(fresh, households=8))
        assert stale.value.conflict

        # Another form version: the report moved on to version 2 of its form
        from core.forms.models.form import FormVersion

        old = _report(x011).version
        newer = FormVersion(form_id=old.form_id, version=old.version + 1,
                            definition={**old.definition, "version": old.version + 1},
                            published_at=datetime(2026, 12, 5), published_by="board")
        db.session.add(newer)
        db.session.flush()
        current = _download(x011)
        _report(x011).form_version_id = newer.id
        db.session.commit()
        db.session.expire_all()
        with pytest.raises(wb_service.WorkbookRefused, match="phiên bản 1") as other_version:
            _upload(x011, current)
        assert other_version.value.conflict


def test_files_that_are_not_workbooks_and_moved_rows_are_refused(cb):
    pk = cb["reports"]["X011"]
    with cb["app"].app_context():
        for junk in (b"", b"PK\x03\x04 not really", "Tổng số hộ;120".encode()):
            with pytest.raises(wb_service.WorkbookRefused):
                _upload(pk, junk)
        book = _open(_download(pk))
        ws, row = _find(book, "population")
        ws.insert_rows(row)  # a person inserts a row above an indicator
        with pytest.raises(wb_service.WorkbookRefused, match="dòng"):
            _upload(pk, _save(book))
        assert _stored(pk) == {}


def test_a_zip_bomb_is_refused_before_it_is_unpacked(cb):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (wb_service.MAX_UNPACKED + 1))
    with cb["app"].app_context(), pytest.raises(wb_service.WorkbookRefused, match="không phải"):
        _upload(cb["reports"]["X011"], out.getvalue())


def test_a_read_only_copy_cannot_be_uploaded_and_a_sent_report_takes_nothing(cb):
    pk = cb["reports"]["X011"]
    with cb["app"].app_context():
        copy = _download(pk, editable=False)
        book = _open(copy)
        ws, row = _find(book, "households")
        assert ws.cell(row, 4).protection.locked and not ws.data_validations.dataValidation
        with pytest.raises(wb_service.WorkbookRefused, match="chỉ để xem"):
            _upload(pk, copy)
        report = _report(pk)
        report.state = "submitted"  # the state as the workflow leaves it; lock_version unchanged here
        db.session.commit()
        with pytest.raises(entry.EntryRefused):
            _upload(pk, _filled(_download(pk), households=3))
        assert db.session.query(ReportValue).filter_by(report_id=pk).count() == 0


def test_dates_choices_and_yes_no_round_trip(app):
    """Every field type through the workbook and back: what the screen would store from the same typing."""
    from core.contracts import Choice, FieldSpec, FormSpec, SectionSpec

    spec = FormSpec(code="WB-T", name="Biểu thử bảng tính", sections=(SectionSpec("a", "Phần A", (
        FieldSpec("day", "Ngày họp", type="date"),
        FieldSpec("kind", "Hình thức", type="choice", choices=(Choice("tt", "Trực tiếp"), Choice("tx", "Trực tuyến"))),
        FieldSpec("ok", "Đã hoàn thành", type="yes_no"),
        FieldSpec("rate", "Tỷ lệ", type="percent"),
        FieldSpec("amount", "Kinh phí", type="decimal"),
        FieldSpec("scan", "Bản scan", type="file"),
    )),))
    with app.app_context():
        pk = make_report(spec)
        book = _open(_download(pk))
        with pytest.raises(AssertionError):  # files are attached on the entry page, not in the workbook
            _find(book, "scan")
        _type(book, "day", datetime(2026, 3, 15))
        _type(book, "kind", "Trực tuyến")
        _type(book, "ok", "Có")
        _type(book, "rate", 12.5)
        _type(book, "amount", "1.234,5")
        outcome = _upload(pk, _save(book))
        assert outcome.problems == []
        assert _stored(pk) == {("day", ""): "2026-03-15", ("kind", ""): "tx", ("ok", ""): 1, ("rate", ""): 12.5,
                               ("amount", ""): 1234.5}
        again = _open(_download(pk))
        ws, row = _find(again, "day")
        assert ws.cell(row, 4).value == datetime(2026, 3, 15) and ws.cell(row, 4).number_format == "DD/MM/YYYY"
        assert _find(again, "kind")[0].cell(_find(again, "kind")[1], 4).value == "Trực tuyến"
        book = again
        _type(book, "rate", 120)
        _type(book, "day", "31/02/2026")
        _type(book, "kind", "Qua thư")
        outcome = _upload(pk, _save(book))
        assert {p.field: p.message for p in outcome.problems} == {
            "Tỷ lệ": "Nhập tỷ lệ phần trăm từ 0 đến 100.",
            "Ngày họp": "Nhập một ngày có thật, theo dạng ngày/tháng/năm (NN/TT/NNNN).",
            "Hình thức": "Chọn một trong các phương án có sẵn.",
        }
        assert _stored(pk)[("rate", "")] == 12.5


# --- fuzzing what people send --------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from openpyxl.utils.exceptions import IllegalCharacterError  # noqa: E402

FUZZ = settings(max_examples=15, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
#: What a person may leave in a cell: any text (formula-like too), numbers of any size, dates, booleans.
CELL_VALUES = st.one_of(st.none(), st.text(max_size=40), st.integers(-10**16, 10**16),
                        st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                        st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2999, 1, 1)),
                        st.sampled_from(["=1+1", "'=1+1", "@SUM(A1)", "-5", "1.234,5", "Có", "không", "#N/A"]))
CODES = ["households", "population", "poor_households", "near_poor_households", "notes", "minority_households",
         "population_by_ethnicity/01", "poor_by_ethnicity/54"]


def test_any_cell_content_is_saved_or_named_never_a_crash(cb):
    pk = cb["reports"]["X011"]
    with cb["app"].app_context():
        latest = [_download(pk)]

        @FUZZ
        @given(st.dictionaries(st.sampled_from(CODES), CELL_VALUES, min_size=1, max_size=6))
        def fuzz(typed):
            book = _open(latest[0])
            for code, value in typed.items():
                try:
                    _type(book, code, value)
                except (ValueError, TypeError, IllegalCharacterError):  # Excel could not hold it either
                    return
            outcome = _upload(pk, _save(book))
            for problem in outcome.problems:
                assert problem.sheet and problem.message
            if not outcome.problems:  # saved: the next example needs the workbook as it is now
                latest[0] = _download(pk)

        fuzz()


def test_a_damaged_file_is_refused_never_a_crash(cb):
    pk = cb["reports"]["X011"]
    with cb["app"].app_context():
        good = _filled(_download(pk), households=3)

        @FUZZ
        @given(st.lists(st.tuples(st.integers(0, len(good) - 1), st.integers(0, 255)), min_size=1, max_size=8))
        def fuzz(flips):
            data = bytearray(good)
            for where, byte in flips:
                data[where] = byte
            try:
                outcome = _upload(pk, bytes(data))
            except wb_service.WorkbookRefused:
                return
            if not outcome.problems:  # the flips missed everything that matters: it was saved, undo
                db.session.query(ReportValue).filter_by(report_id=pk).delete()
                db.session.query(Report).filter_by(id=pk).update({"updated_at": None})
                db.session.commit()

        fuzz()
