"""Units as CSV: Excel-friendly export, all-or-nothing import naming every bad line, CLI both ways."""
from __future__ import annotations

import pytest

from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.hierarchy.models import Unit
from core.hierarchy.unit_csv import export_csv, import_csv, read
from core.hierarchy.units import UnitImportError, levels
from tests import factories

HEADER = "code,name,kind,level,parent_code,sector,active,valid_from,valid_to"


def _province(app):
    with app.app_context():
        factories.province()


def _csv(*lines: str) -> bytes:
    return ("\n".join((HEADER,) + lines) + "\n").encode("utf-8")


def _units(app) -> dict[str, tuple]:
    with app.app_context():
        return {u.code: (u.name, u.kind, u.level, u.parent.code if u.parent else None, u.sector, u.active,
                         u.valid_from, u.valid_to, u.path) for u in db.session.query(Unit)}


def test_export_is_utf8_with_bom_parents_first_and_reimports_unchanged(app):
    _province(app)
    with app.app_context():
        data, count = export_csv(db.session)
        assert count == 7
        assert data.startswith(b"\xef\xbb\xbf")  # Excel then reads Vietnamese correctly
        lines = data.decode("utf-8-sig").splitlines()
        assert lines[0] == HEADER
        assert "X012,Xã Lũng Nặm,commune,commune,H01,,1,," in lines
        codes = [line.split(",")[0] for line in lines[1:]]
        assert codes.index("H01") < codes.index("X011") and codes[0] == "04"
        again = import_csv(db.session, data, source="round trip")
        db.session.commit()
        assert (again.created, again.updated, again.unchanged) == (0, 0, 7)


def test_round_trip_carries_edits_sector_activity_and_dates(app):
    _province(app)
    with app.app_context():
        data, _ = export_csv(db.session)
        text = data.decode("utf-8-sig").replace(
            "SYT,Sở Y tế,department,district,04,,1,,", "SYT,Sở Y tế tỉnh,department,district,04,y tế,1,2025-07-01,")
        text = text.replace("X021,Xã Cô Ba,commune,commune,H02,,1,,", "X021,Xã Cô Ba,commune,commune,H02,,0,,30/06/2025")
        result = import_csv(db.session, text.encode("utf-8-sig"), source="edited")
        db.session.commit()
        assert (result.created, result.updated, result.unchanged) == (0, 2, 5)
        exported, _ = export_csv(db.session)
    assert exported.decode("utf-8-sig") == text.replace("30/06/2025", "2025-06-30")
    units = _units(app)
    assert units["SYT"][0] == "Sở Y tế tỉnh" and units["SYT"][4] == "y tế"
    assert units["X021"][5] is False and str(units["X021"][7]) == "2025-06-30"


def test_three_different_bad_rows_are_all_reported_and_nothing_is_imported(app):
    _province(app)
    before = _units(app)
    data = _csv(
        "X013,Xã Mới,commune,,H01,,1,,",           # line 2: fine
        "X014,Xã Thiếu Cha,commune,,H99,,1,,",     # line 3: unknown parent
        "X015,Xã Hợp Lệ,commune,,H02,,1,,",        # line 4: fine
        "X016,Xã Lạ,commune,,H01,,có lẽ,,",        # line 5: not a yes/no
        "X017,Xã Sai Ngày,commune,,H01,,1,31/02/2025,",  # line 6: no such date
    )
    with app.app_context():
        with pytest.raises(UnitImportError) as caught:
            import_csv(db.session, data, source="bad")
        db.session.rollback()
    problems = caught.value.problems
    assert [line for line, _ in problems] == [3, 5, 6]
    assert "H99" in problems[0][1] and "có lẽ" in problems[1][1] and "31/02/2025" in problems[2][1]
    assert _units(app) == before
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="units.import").count() == 1  # the setup's only


def test_line_numbers_follow_the_file_not_the_row_count(app):
    """A blank line and a quoted name over two lines still leave each row on its own file line."""
    _province(app)
    data = _csv("", '"X013","Xã\nHai Dòng",commune,,H01,,1,,', "X014,,commune,,H01,,1,,")
    with app.app_context():
        rows, problems = read(data, levels())
        assert [row.line for row in rows] == [3, 5] and problems == []
        with pytest.raises(UnitImportError) as caught:
            import_csv(db.session, data, source="lines")
    assert [line for line, _ in caught.value.problems] == [5]
    assert "required" in caught.value.problems[0][1]


def test_header_problems_and_excel_semicolons(app):
    _province(app)
    with app.app_context():
        _, problems = read(b"code,name,kind\nX1,A,commune\n", levels())
        assert problems[0][0] == 1 and "parent_code" in problems[0][1]
        _, problems = read("code;tên;kind;parent_code\n".encode("utf-8-sig"), levels())
        assert [line for line, _ in problems] == [1, 1] and "tên" in problems[0][1]
        # Excel's plain "CSV (comma delimited)" is not UTF-8:
        _, problems = read("code,name\nX1,Xã\n".encode("latin-1"), levels())
        assert problems and "UTF-8" in problems[0][1]
        rows, problems = read("code;name;kind;parent_code;active\nX013;Xã Mới;commune;H01;không\n".encode("utf-8"),
                              levels())
        assert problems == [] and rows[0].name == "Xã Mới" and rows[0].active is False


def test_a_level_that_contradicts_the_kind_is_refused(app):
    _province(app)
    with app.app_context():
        _, problems = read(_csv("X013,Xã Mới,commune,district,H01,,1,,", 'X014,Xã Khác,commune,"Xã, phường, thị trấn",H01,,1,,'),
                           levels())
    assert [line for line, _ in problems] == [2]
    assert "district" in problems[0][1]


def test_reparenting_by_import_moves_the_whole_subtree(app):
    """The known gap: a district moved by an import took its own path along but not its communes'."""
    _province(app)
    with app.app_context():
        data, _ = export_csv(db.session)
        text = data.decode("utf-8-sig").replace("H01,Huyện Hà Quảng,district,district,04,",
                                                "H01,Huyện Hà Quảng,district,district,SYT,")
        import_csv(db.session, text.encode("utf-8"), source="move")
        db.session.commit()
    units = _units(app)
    ids = {code: int(path.strip("/").split("/")[-1]) for code, (*_, path) in units.items()}
    assert units["H01"][3] == "SYT"
    assert units["H01"][8] == f"/{ids['04']}/{ids['SYT']}/{ids['H01']}/"
    for commune in ("X011", "X012"):
        assert units[commune][8] == f"/{ids['04']}/{ids['SYT']}/{ids['H01']}/{ids[commune]}/"
    assert units["X021"][8] == f"/{ids['04']}/{ids['H02']}/{ids['X021']}/"


def test_an_import_cannot_put_a_unit_under_its_own_descendant(app):
    _province(app)
    before = _units(app)
    data = _csv("H01,Huyện Hà Quảng,district,,X011,,1,,")
    with app.app_context():
        with pytest.raises(UnitImportError) as caught:
            import_csv(db.session, data, source="cycle")
        db.session.rollback()
    assert [line for line, _ in caught.value.problems] == [2]
    assert _units(app) == before


# --- CLI ---------------------------------------------------------------------


def test_cli_export_then_import_round_trip(app, cli, tmp_path):
    _province(app)
    out = tmp_path / "units.csv"
    result = cli("units", "export", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert "7" in result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    stdout = cli("units", "export")
    assert stdout.exit_code == 0 and stdout.stdout_bytes == out.read_bytes()
    edited = out.read_text(encoding="utf-8-sig").replace("Xã Cô Ba", "Xã Cô Ba (mới)")
    out.write_text(edited, encoding="utf-8-sig")
    again = cli("units", "import", "--file", str(out))
    assert again.exit_code == 0, again.output
    assert again.output.strip().splitlines()[-1].endswith("0 created, 1 updated, 6 unchanged")
    assert _units(app)["X021"][0] == "Xã Cô Ba (mới)"


def test_cli_import_reports_every_bad_line_on_one_line_and_imports_nothing(app, cli, tmp_path):
    _province(app)
    before = _units(app)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv("X013,Xã Mới,commune,,H01,,1,,", "X013,Trùng Mã,commune,,H01,,1,,",
                         "X014,Xã Lạ,hamlet,,H01,,1,,", "X015,Xã Mồ Côi,commune,,H77,,1,,"))
    result = cli("units", "import", "--file", str(bad))
    assert result.exit_code == 1
    message = result.output.strip()  # click prints "Error: ..." on stderr
    assert len(message.splitlines()) == 1
    assert message.startswith("Error: 3 bad rows: line 3: ")
    assert "line 4: " in message and "line 5: " in message
    assert _units(app) == before


def test_cli_import_needs_exactly_one_source(cli, tmp_path):
    assert cli("units", "import").exit_code == 2
    path = tmp_path / "u.csv"
    path.write_text(HEADER + "\n")
    assert cli("units", "import", "--province", "quang_ngai", "--file", str(path)).exit_code == 2
    missing = cli("units", "import", "--file", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1 and len(missing.output.strip().splitlines()) == 1
