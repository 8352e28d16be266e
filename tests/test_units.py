"""Units import all-or-nothing, and a subtree is one query over the unit path."""
from dataclasses import dataclass

import pytest

from core.platform.extensions import db
from core.platform.models.audit import AuditEntry
from core.hierarchy.models import Unit
from core.hierarchy.units import UnitImportError, import_units, subtree


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    kind: str
    parent_code: str | None = None


TREE = [
    Row("04", "Tỉnh Cao Bằng", "board"),
    Row("SDT", "Sở Dân tộc và Tôn giáo", "department", "04"),
    Row("01273", "Phường Thục Phán", "commune", "04"),
    Row("01279", "Phường Nùng Trí Cao", "commune", "04"),
]


def test_import_builds_the_tree_with_levels_and_paths(app):
    with app.app_context():
        result = import_units(db.session, TREE, source="test")
        db.session.commit()
        assert (result.created, result.updated) == (4, 0)
        root = db.session.query(Unit).filter_by(code="04").one()
        ward = db.session.query(Unit).filter_by(code="01273").one()
        assert (root.level, ward.level) == ("province", "commune")
        assert ward.path == f"/{root.id}/{ward.id}/"
        codes = {u.code for u in db.session.execute(subtree(db.session, root)).scalars()}
        assert codes == {"04", "SDT", "01273", "01279"}
        assert {u.code for u in db.session.execute(subtree(db.session, ward)).scalars()} == {"01273"}
        assert db.session.query(AuditEntry).filter_by(action="units.import").count() == 1


def test_a_second_import_changes_nothing(app):
    with app.app_context():
        import_units(db.session, TREE, source="test")
        db.session.commit()
        again = import_units(db.session, TREE, source="test")
        assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_one_bad_row_refuses_the_whole_file_listing_every_problem(app):
    bad = TREE + [Row("01273", "Trùng mã", "commune", "04"), Row("9999", "Xã mồ côi", "commune", "404"),
                  Row("8888", "Huyện lạ", "district", "04")]
    with app.app_context():
        with pytest.raises(UnitImportError) as caught:
            import_units(db.session, bad, source="test")
        db.session.rollback()
        assert [line for line, _ in caught.value.problems] == [5, 6, 7]
        assert "appears twice" in caught.value.problems[0][1]
        assert "parent 404 is unknown" in caught.value.problems[1][1]
        assert "no tier" in caught.value.problems[2][1]
        assert db.session.query(Unit).count() == 0


def test_a_province_plugin_replaces_the_default_hierarchy(app, cli):
    from core.hierarchy.units import levels

    with app.app_context():
        assert [lvl.code for lvl in levels()] == ["province", "commune"]
    cli("plugins", "enable", "cao_bang")
    with app.app_context():
        app.extensions["baocao.plugins"].refresh(db.session)
        tiers = levels()
        assert [lvl.code for lvl in tiers] == ["province", "district", "commune"]
        assert tiers[1].kinds == ("department", "district")
        assert tiers[2].reviewed_by == "district"


def test_real_units_of_a_two_level_province_import_in_one_command(app, cli):
    result = cli("units", "import", "--province", "quang_ngai")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "Tỉnh Quảng Ngãi: 97 created, 0 updated, 0 unchanged"
    with app.app_context():
        special = db.session.query(Unit).filter(Unit.name.like("Đặc khu%")).one()
        assert special.level == "commune" and special.parent.code == "51"
    again = cli("units", "import", "--province", "quang_ngai")
    assert again.output.strip().splitlines()[-1].endswith("0 created, 0 updated, 97 unchanged")


def test_cao_bang_imports_its_pre_2025_districts_for_four_tiers(app, cli):
    cli("plugins", "enable", "cao_bang")
    result = cli("units", "import", "--province", "Cao Bằng")
    assert result.exit_code == 0, result.output
    with app.app_context():
        levels = dict(db.session.query(Unit.level, db.func.count()).group_by(Unit.level).all())
        assert levels == {"province": 1, "district": 10, "commune": 161}


def test_an_unknown_province_fails_with_one_line(cli):
    result = cli("units", "import", "--province", "Atlantis")
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and "Atlantis" in result.output
