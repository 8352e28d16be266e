"""The 1 July 2025 transition as data: old communes → new communes, per new province.

No app and no database: core.hierarchy.transition is plain data over the shipped
file generated from vietnamadminunits, reconciled with the units of
core.hierarchy.sources.  The split cases below were read by hand in the
package's data and in the merger list it was built from (sapnhap.bando.com.vn:
"Xã Xuân Tâm (phần còn lại sau khi sáp nhập vào xã Xuân Đông)" under Xã Xuân Hòa).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from core.hierarchy.sources import administrative_units, list_provinces
from core.hierarchy.transition import Transition, legal_basis, load


def communes_2025(code: str) -> dict[str, object]:
    return {row.code: row for row in administrative_units(code, "2025") if row.kind == "commune"}


def units_2020(old_codes) -> dict[str, object]:
    """Old communes by code, plus the island districts that had none (they stand for themselves)."""
    rows = [row for code in old_codes for row in administrative_units(code, "2020")]
    parents = {row.parent_code for row in rows}
    return {row.code: row for row in rows
            if row.kind == "commune" or (row.kind == "district" and row.code not in parents)}


def predecessors_of(transition: Transition) -> set[str]:
    return {code for successor in transition.successors for code in successor.predecessors}


def successors_by_old(transition: Transition) -> dict[str, list[str]]:
    result = defaultdict(list)
    for successor in transition.successors:
        for code in successor.predecessors:
            result[code].append(successor.name)
    return result


def test_cao_bang_every_new_commune_has_its_old_communes():
    transition = load("04")
    new = communes_2025("04")
    assert transition.province_name == "Tỉnh Cao Bằng"
    assert transition.old_province_codes == ("04",)
    assert len(transition.successors) == len(new) == 56
    for successor in transition.successors:
        assert successor.name == new[successor.code].name
        assert successor.kind == "commune" and successor.division_type == new[successor.code].division_type
        assert successor.predecessors
    # Every pre-2025 Cao Bằng commune went somewhere, none is left unmatched.
    old = units_2020(["04"])
    assert predecessors_of(transition) == set(old)
    assert transition.unmatched == ()
    # The capital's wards: Phường Thục Phán took Hợp Giang (01273, whose code it kept).
    assert "01273" in transition.successor("01273").predecessors
    assert transition.successor("01273").name == "Phường Thục Phán"


def test_cao_bang_codes_moved_between_names_follow_the_names():
    # The package numbers Lý Quốc 01537, Hạ Lang 01558, Vinh Quý 01561; the official
    # list we use numbers them 01558, 01561, 01537.  The old communes follow the name.
    transition = load("Cao Bằng")
    by_name = {successor.name: successor for successor in transition.successors}
    assert by_name["Xã Lý Quốc"].code == "01558"
    assert by_name["Xã Vinh Quý"].code == "01537"
    assert by_name["Xã Hạ Lang"].code == "01561"
    old = units_2020(["04"])
    assert "Xã Lý Quốc" in {old[code].name for code in by_name["Xã Lý Quốc"].predecessors}


def test_dong_nai_includes_binh_phuoc_and_splits_xuan_tam():
    transition = load("75")
    assert transition.province_name == "Tỉnh Đồng Nai"
    assert transition.old_province_codes == ("70", "75")
    assert len(transition.successors) == len(communes_2025("75")) == 95
    old = units_2020(["70", "75"])
    binh_phuoc = set(units_2020(["70"]))
    assert len(binh_phuoc) > 100 and binh_phuoc <= predecessors_of(transition)
    assert predecessors_of(transition) == set(old)
    # Xã Xuân Tâm (Huyện Xuân Lộc) was split: part to Xã Xuân Đông, the rest to Xã Xuân Hòa.
    assert old["26449"].name == "Xã Xuân Tâm"
    assert transition.split_codes() == {"26449"}
    assert sorted(successors_by_old(transition)["26449"]) == ["Xã Xuân Hòa", "Xã Xuân Đông"]
    shares = transition.shares()
    xuan_hoa = next(s for s in transition.successors if s.name == "Xã Xuân Hòa")
    xuan_dong = next(s for s in transition.successors if s.name == "Xã Xuân Đông")
    assert xuan_hoa.default_for == ("26449",)
    assert shares[("26449", xuan_hoa.code)] == shares[("26449", xuan_dong.code)] == Decimal("0.5")


def test_old_province_code_or_name_finds_the_new_province():
    assert load("70").province_code == "75"
    assert load("Bình Phước").province_code == "75"
    assert load("tinh ha giang").province_code == "08"
    assert load("cao_bang") is load("04")


def test_ha_noi_splits_an_khanh_three_ways():
    transition = load("Hà Nội")
    assert transition.province_code == "01"
    assert len(transition.successors) == len(communes_2025("01")) == 126
    assert predecessors_of(transition) == set(units_2020(["01"]))
    assert transition.unmatched == ()
    # Xã An Khánh (Huyện Hoài Đức): parts to Phường Tây Mỗ and Xã Sơn Đồng, the rest is Xã An Khánh.
    assert sorted(successors_by_old(transition)["09877"]) == ["Phường Tây Mỗ", "Xã An Khánh", "Xã Sơn Đồng"]
    shares = transition.shares()
    parts = {new: share for (old, new), share in shares.items() if old == "09877"}
    assert sorted(parts.values()) == [Decimal("0.333333"), Decimal("0.333333"), Decimal("0.333334")]
    assert parts["09877"] == Decimal("0.333334")  # the default successor takes the remainder
    assert len(transition.split_codes()) > 100


def test_shares_of_every_old_commune_sum_to_exactly_one():
    for code, _name in list_provinces("2025"):
        transition = load(code)
        totals = defaultdict(Decimal)
        for (old, _new), share in transition.shares().items():
            assert Decimal(0) < share <= Decimal(1)
            totals[old] += share
        assert set(totals) == predecessors_of(transition)
        assert all(total == Decimal(1) for total in totals.values()), code
        splits = transition.split_codes()
        assert all(share == 1 for (old, _new), share in transition.shares().items() if old not in splits)


def test_whole_country_lines_up_with_our_units_and_says_what_does_not():
    seen_old: set[str] = set()
    unmatched = defaultdict(list)
    splits = 0
    for code, name in list_provinces("2025"):
        transition = load(code)
        new = communes_2025(code)
        assert transition.province_name == name
        assert sorted(s.code for s in transition.successors) == sorted(new), code
        old = units_2020(transition.old_province_codes)
        assert predecessors_of(transition) <= set(old), code
        listed = {u.code for u in transition.unmatched if u.side == "2020"}
        assert predecessors_of(transition) | listed == set(old), code
        assert not seen_old & set(old)  # each old province goes to exactly one new one
        seen_old |= set(old)
        splits += len(transition.split_codes())
        for item in transition.unmatched:
            unmatched[item.side].append((code, item.code, item.name))
            assert item.reason and item.parent
    assert len(seen_old) == 10051 + 5  # every 2020 commune, and the five island districts
    assert splits == 471
    # Our 2020 file (January 2025) still has 19 communes merged into neighbours before
    # 1 July 2025; the package has three Mộc Châu wards created meanwhile.  Nothing else.
    assert len(unmatched["2020"]) == 19
    assert sorted(name for _p, _c, name in unmatched["old"]) == ["Phường Bình Minh", "Phường Cờ Đỏ", "Phường Mộc Lỵ"]
    assert "new" not in unmatched


def test_island_districts_became_special_zones_whole():
    transition = load("Quảng Ngãi")
    ly_son = next(s for s in transition.successors if s.name == "Đặc khu Lý Sơn")
    assert ly_son.division_type == "đặc khu"
    assert [units_2020(["51"])[code].name for code in ly_son.predecessors] == ["Huyện Lý Sơn"]


@pytest.mark.parametrize("query", ["99", "Atlantis", ""])
def test_unknown_province_is_refused_in_vietnamese(query):
    with pytest.raises(LookupError, match="Không tìm thấy tỉnh, thành phố"):
        load(query)


def test_legal_basis_names_the_resolution_of_each_new_province():
    assert legal_basis("04") == "Nghị quyết 1657/NQ-UBTVQH15 ngày 16/6/2025"
    assert legal_basis("75") == "Nghị quyết 1662/NQ-UBTVQH15 ngày 16/6/2025"
    numbers = {legal_basis(code) for code, _name in list_provinces("2025")}
    assert None not in numbers and len(numbers) == 34
    assert legal_basis("70") is None  # Bình Phước is no longer a province
