"""``baocao units reorganise --province 04 --to 2025``: the transition table becomes one draft event,
previewed, then applied; shares of split communes come from a CSV; bad input exits 1 with one
Vietnamese line and writes nothing (issue 19, item 3)."""
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.hierarchy import transition
from core.hierarchy.models import Reorganisation, Unit, UnitLineage
from core.platform.extensions import db
from tests import factories

pytestmark = factories.ON_ASSIGNMENT_DAY


@dataclass(frozen=True)
class Successor:
    code: str
    name: str
    kind: str
    predecessors: tuple
    default_for: tuple = ()


@dataclass(frozen=True)
class FakeTransition:
    """The shape of :class:`core.hierarchy.transition.Transition`, on the test province's codes:
    X011 and X012 merge into X011 (continuing, renamed); X021 is split between X011 and a new N100."""

    province_code: str = "04"
    province_name: str = "Tỉnh Cao Bằng"
    old_province_codes: tuple = ("04",)
    successors: tuple = (
        Successor("X011", "Phường Trường Hà", "commune", ("X011", "X012", "X021")),
        Successor("N100", "Xã Cô Ba Mới", "commune", ("X021",)),
    )
    source: str = "bảng thử"
    unmatched: tuple = ()
    notes: tuple = field(default=())

    def split_codes(self):
        counts = Counter(code for s in self.successors for code in s.predecessors)
        return frozenset(code for code, n in counts.items() if n > 1)

    def shares(self):
        counts = Counter(code for s in self.successors for code in s.predecessors)
        return {(code, s.code): Decimal(1) / counts[code] for s in self.successors for code in s.predecessors}


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setattr(transition, "load", lambda province: FakeTransition())


@pytest.fixture
def province(app):
    with app.app_context():
        factories.province()
    return app


def test_preview_builds_one_draft_and_changes_no_unit(cli, province, fake):
    result = cli("units", "reorganise", "--province", "04", "--to", "2025")
    assert result.exit_code == 0, result.output
    assert "Bản nháp" in result.output and "1 tạo mới" in result.output and "4 đóng" in result.output
    again = cli("units", "reorganise", "--province", "04", "--to", "2025", "--preview")
    assert again.exit_code == 0, again.output
    with province.app_context():
        drafts = db.session.query(Reorganisation).all()
        assert [(r.state, r.effective) for r in drafts] == [("draft", date(2025, 7, 1))]  # one draft, brought up to date
        kinds = [s["kind"] for s in json.loads(drafts[0].steps)]
        assert kinds == ["create", "merge", "split", "remove_level"]
        assert db.session.execute(select(Unit).where(Unit.code == "N100")).first() is None


def test_apply_with_shares_from_a_csv(cli, province, fake, tmp_path):
    shares = tmp_path / "ty-le.csv"
    shares.write_text("old_code,new_code,share\nX021,X011,0.25\nX021,N100,0.75\n", encoding="utf-8")
    result = cli("units", "reorganise", "--province", "04", "--to", "2025", "--legal-basis",
                 "Nghị quyết 1657/NQ-UBTVQH15", "--shares", str(shares), "--apply")
    assert result.exit_code == 0, result.output
    assert "Đã áp dụng" in result.output
    with province.app_context():
        codes = {u.code: u for u in db.session.query(Unit)}
        assert codes["X011"].name == "Phường Trường Hà" and codes["X011"].parent.code == "04"
        assert not codes["X012"].active and not codes["H01"].active and codes["SYT"].active
        x021 = {codes_by_id(r.current_unit_id): r.share for r in
                db.session.query(UnitLineage).filter_by(unit_id=codes["X021"].id)}
        assert x021 == {"X011": Decimal("0.25"), "N100": Decimal("0.75")}
        applied = db.session.query(Reorganisation).one()
        assert (applied.state, applied.legal_basis) == ("applied", "Nghị quyết 1657/NQ-UBTVQH15")
    twice = cli("units", "reorganise", "--province", "04", "--to", "2025", "--apply")
    assert twice.exit_code == 1 and "đã được áp dụng" in twice.output


def codes_by_id(unit_id: int) -> str:
    return db.session.get(Unit, unit_id).code


def test_bad_shares_exit_1_with_one_line_and_write_nothing(cli, province, fake, tmp_path):
    shares = tmp_path / "ty-le.csv"
    shares.write_text("X021,X011,0.5\nX021,N100,0.3\n", encoding="utf-8")
    result = cli("units", "reorganise", "--province", "04", "--to", "2025", "--shares", str(shares), "--apply")
    assert result.exit_code == 1
    line = result.output.strip()
    assert "\n" not in line and "X021" in line and "tổng" in line.lower(), line
    with province.app_context():
        assert db.session.query(Reorganisation).count() == 0
        assert db.session.execute(select(Unit).where(Unit.code == "X012")).scalar_one().active


def test_an_unknown_pair_or_a_bad_date_is_refused(cli, province, fake, tmp_path):
    shares = tmp_path / "ty-le.csv"
    shares.write_text("X011,N100,0.5\n", encoding="utf-8")
    result = cli("units", "reorganise", "--province", "04", "--to", "2025", "--shares", str(shares))
    assert result.exit_code == 1 and "X011 → N100" in result.output
    bad = cli("units", "reorganise", "--province", "04", "--to", "2025", "--effective", "01/07/2025")
    assert bad.exit_code == 1 and "ngày hiệu lực" in bad.output


def test_a_code_passed_to_another_new_commune_is_retired_from_the_old_unit_first(cli, province, monkeypatch):
    """GSO passed codes round (Cao Bằng's Lý Quốc, Vinh Quý, Hạ Lang): the old X012 goes into X011, and a new
    commune takes the code X012. The old unit keeps its history under X012-2025; the new one is X012."""
    rotated = FakeTransition(successors=(
        Successor("X011", "Phường Trường Hà", "commune", ("X011", "X012")),
        Successor("X012", "Xã Trùng Mã", "commune", ("X021",)),
    ))
    monkeypatch.setattr(transition, "load", lambda province: rotated)
    result = cli("units", "reorganise", "--province", "04", "--to", "2025", "--apply")
    assert result.exit_code == 0, result.output
    with province.app_context():
        old = db.session.execute(select(Unit).where(Unit.code == "X012-2025")).scalar_one()
        new = db.session.execute(select(Unit).where(Unit.code == "X012")).scalar_one()
        assert (old.name, old.active, new.name, new.active) == ("Xã Lũng Nặm", False, "Xã Trùng Mã", True)
        into = {codes_by_id(r.current_unit_id) for r in db.session.query(UnitLineage).filter_by(unit_id=old.id)}
        assert into == {"X011"}


def test_an_old_commune_the_table_lists_as_unmatched_stays_open_and_is_named(cli, province, monkeypatch):
    @dataclass(frozen=True)
    class Unmatched:
        side: str
        code: str
        name: str
        parent: str
        reason: str

    partial = FakeTransition(
        successors=(Successor("X011", "Phường Trường Hà", "commune", ("X011", "X012")),),
        unmatched=(Unmatched("2020", "X021", "Xã Cô Ba", "Huyện Bảo Lạc", "Không đơn vị mới nào nhận đơn vị này"),))
    monkeypatch.setattr(transition, "load", lambda province: partial)
    result = cli("units", "reorganise", "--province", "04", "--to", "2025", "--apply")
    assert result.exit_code == 0, result.output
    assert "X021 Xã Cô Ba: Không đơn vị mới nào nhận đơn vị này" in result.output
    with province.app_context():
        kept = db.session.execute(select(Unit).where(Unit.code == "X021")).scalar_one()
        assert kept.active and kept.parent.code == "04"


def test_a_new_code_held_by_a_unit_outside_the_table_is_a_problem(cli, province, monkeypatch):
    clash = FakeTransition(successors=(
        Successor("X011", "Phường Trường Hà", "commune", ("X011", "X012", "X021")),
        Successor("SYT", "Xã Trùng Mã", "commune", ()),
    ))
    monkeypatch.setattr(transition, "load", lambda province: clash)
    result = cli("units", "reorganise", "--province", "04", "--to", "2025")
    assert result.exit_code == 1 and "SYT" in result.output and "trùng mã" in result.output


def test_the_real_cao_bang_table_applies_to_its_real_2020_tree(cli, app):
    """``baocao init --province cao_bang`` loads the 2020 units; the package's table for 04 becomes one event
    that leaves the 56 communes of Nghị quyết 1657 directly under the province, with no district, and
    every old commune's reports counting exactly once."""
    from core.hierarchy import reorganisation

    with app.app_context():
        factories.real_province("cao_bang")
        old_communes = db.session.query(Unit).filter_by(kind="commune", active=True).count()
    result = cli("units", "reorganise", "--province", "04", "--to", "2025", "--apply")
    assert result.exit_code == 0, result.output
    assert "Nghị quyết 1657/NQ-UBTVQH15" in result.output
    with app.app_context():
        communes = db.session.query(Unit).filter_by(kind="commune", active=True).all()
        root = db.session.query(Unit).filter_by(code="04").one()
        assert len(communes) == 56 and {c.parent_id for c in communes} == {root.id}
        assert db.session.query(Unit).filter_by(kind="district", active=True).count() == 0
        assert db.session.query(Unit).filter_by(kind="commune").count() >= old_communes  # nothing deleted
        sums = reorganisation.lineage_sums(db.session)
        assert sums and all(total == 1 for _unit, _to, total in sums)
