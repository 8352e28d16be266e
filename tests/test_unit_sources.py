"""Real administrative units from vietnam-provinces (2025) and the shipped pre-2025 file (2020).

No app and no database: core.hierarchy.sources is plain data, so these tests only
need the vietnam-provinces package installed.
"""
from __future__ import annotations

import unicodedata

import pytest

from core.hierarchy.sources import UnitRow, administrative_units, find_province, list_provinces

COMMUNE_TYPES_2025 = {"xã", "phường", "đặc khu"}
COMMUNE_TYPES_2020 = {"xã", "phường", "thị trấn"}
DISTRICT_TYPES = {"quận", "huyện", "thị xã", "thành phố thuộc tỉnh", "thành phố thuộc thành phố trung ương"}
PROVINCE_TYPES = {"tỉnh", "thành phố trung ương"}


def assert_nfc_with_diacritics(rows: list[UnitRow]) -> None:
    for row in rows:
        assert row.name == unicodedata.normalize("NFC", row.name), row
        assert row.name == row.name.strip() and row.name, row
    # Real Vietnamese names: most carry a diacritic, none was transliterated away.
    assert sum(any(ord(ch) > 127 for ch in row.name) for row in rows) > len(rows) * 0.9


def assert_parents_first(rows: list[UnitRow]) -> None:
    seen: set[str] = set()
    for row in rows:
        assert row.parent_code is None or row.parent_code in seen, row
        assert row.code not in seen, f"duplicate code {row.code}"
        seen.add(row.code)


def test_2025_structure_has_34_provinces_and_3321_communes():
    provinces = list_provinces("2025")
    assert len(provinces) == 34
    communes = [row for code, _ in provinces for row in administrative_units(code) if row.kind == "commune"]
    assert len(communes) == 3321
    assert {row.division_type for row in communes} == COMMUNE_TYPES_2025
    assert sum(row.division_type == "đặc khu" for row in communes) == 13
    assert len({row.code for row in communes}) == 3321


def test_2020_structure_has_63_provinces_with_districts():
    provinces = list_provinces("2020")
    assert len(provinces) == 63
    rows = [row for code, _ in provinces for row in administrative_units(code, "2020")]
    assert sum(row.kind == "district" for row in rows) == 696
    assert sum(row.kind == "commune" for row in rows) == 10051


def test_cao_bang_2025_is_province_over_communes():
    rows = administrative_units("Cao Bằng")
    province, communes = rows[0], rows[1:]
    assert province == UnitRow("04", "Tỉnh Cao Bằng", "province", None, "tỉnh")
    assert len(communes) == 56
    assert all(row.kind == "commune" and row.parent_code == "04" for row in communes)
    assert all(len(row.code) == 5 and row.code.isdigit() for row in communes)
    assert {row.division_type for row in communes} <= COMMUNE_TYPES_2025
    names = {row.name for row in communes}
    assert {"Phường Thục Phán", "Xã Hưng Đạo"} <= names
    assert_nfc_with_diacritics(rows)
    assert_parents_first(rows)


def test_cao_bang_2020_has_districts_over_communes():
    rows = administrative_units("cao_bang", "2020")
    assert rows[0] == UnitRow("04", "Tỉnh Cao Bằng", "province", None, "tỉnh")
    districts = [row for row in rows if row.kind == "district"]
    communes = [row for row in rows if row.kind == "commune"]
    assert len(districts) == 10 and len(communes) == 161
    assert all(row.parent_code == "04" for row in districts)
    assert {row.division_type for row in districts} <= DISTRICT_TYPES
    district_codes = {row.code for row in districts}
    assert all(row.parent_code in district_codes for row in communes)
    assert {row.division_type for row in communes} == COMMUNE_TYPES_2020
    assert UnitRow("040", "Thành phố Cao Bằng", "district", "04", "thành phố thuộc tỉnh") in districts
    assert any(row.name == "Huyện Trùng Khánh" and row.division_type == "huyện" for row in districts)
    assert all(len(row.code) == 3 for row in districts)
    assert all(len(row.code) == 5 for row in communes)
    assert_nfc_with_diacritics(rows)
    assert_parents_first(rows)


@pytest.mark.parametrize("province", ["ha_noi", "Quảng Ngãi", "dong nai"])
def test_two_level_seed_provinces(province):
    rows = administrative_units(province)
    assert rows[0].kind == "province" and rows[0].division_type in PROVINCE_TYPES
    assert len(rows) > 50
    assert all(row.kind == "commune" and row.parent_code == rows[0].code for row in rows[1:])
    assert_parents_first(rows)


def test_special_zone_and_city_types():
    quang_ngai = administrative_units("51")
    assert any(row.name == "Đặc khu Lý Sơn" and row.division_type == "đặc khu" for row in quang_ngai)
    assert administrative_units("01")[0] == UnitRow("01", "Thành phố Hà Nội", "province", None, "thành phố trung ương")
    ho_chi_minh = administrative_units("79", "2020")
    thu_duc = next(row for row in ho_chi_minh if row.code == "769")
    assert thu_duc.division_type == "thành phố thuộc thành phố trung ương"
    assert any(row.division_type == "quận" for row in ho_chi_minh)


@pytest.mark.parametrize("query", ["Cao Bằng", "cao_bang", "cao bang", "CAO BẰNG", "Tỉnh Cao Bằng", "04", "4"])
@pytest.mark.parametrize("structure", ["2025", "2020"])
def test_find_province_accepts_names_codenames_and_codes(query, structure):
    assert find_province(query, structure) == ("04", "Tỉnh Cao Bằng")


def test_find_province_unknown_names_it():
    with pytest.raises(LookupError, match="Atlantis"):
        find_province("Atlantis")
    with pytest.raises(LookupError, match="'99'"):
        find_province("99", "2020")


def test_find_province_suggests_close_matches():
    with pytest.raises(LookupError, match="Cao Bằng"):
        find_province("cao bagn")


def test_find_province_explains_merged_province():
    assert find_province("Kon Tum", "2020") == ("62", "Tỉnh Kon Tum")
    with pytest.raises(LookupError, match="merged in 2025 into 51 Tỉnh Quảng Ngãi"):
        find_province("kon_tum")


def test_unknown_structure_is_refused():
    with pytest.raises(ValueError, match="structure"):
        administrative_units("04", "2019")
