"""Real Vietnamese administrative units, in two structures, for ``baocao units import``.

Why two structures
    On 1 July 2025 Vietnam moved to two-level local government: 34 provinces,
    each directly over its communes, wards and special zones (3,321 in all), with
    no districts.  Hà Nội, Quảng Ngãi and Đồng Nai run on that structure
    (``"2025"``).  Cao Bằng's ethnic-affairs software follows Decision
    09/2022/QĐ-UBND, written for the earlier structure: province → districts and
    provincial towns → communes, wards and townships (``"2020"``: 63 provinces,
    696 districts, 10,051 communes, as last published in January 2025).

Where the data comes from
    ``"2025"`` is read from the installed PyPI package ``vietnam-provinces``
    (2025.x releases), through its public API (``Province.iter_all``,
    ``Ward.iter_all``).  Those releases dropped the district level entirely, so
    ``"2020"`` is read from ``core/hierarchy/data/vn_units_2020.json``, a compact file
    (about 0.3 MB) generated once from ``vietnam-provinces`` 0.6.0, the last
    release with districts (its data is dated 2025-01-04).  Shipping that file
    keeps one dependency version and needs no network at run time; two versions
    of one import name cannot be installed side by side anyway.

Regenerating ``core/hierarchy/data/vn_units_2020.json``
    Only needed if the pre-2025 data has to be corrected; it no longer changes
    upstream.  In a throwaway virtualenv that has 0.6 installed::

        python3 -m venv /tmp/vp06
        /tmp/vp06/bin/pip install 'vietnam-provinces==0.6.0'
        cd /work/main && /tmp/vp06/bin/python core/hierarchy/sources.py --legacy-dump

    ``python -m core.hierarchy.sources --legacy-dump`` does the same, but importing
    the ``core`` package pulls in Flask and pluggy, so that virtualenv then also
    needs ``pip install flask pluggy``.  An optional path after
    ``--legacy-dump`` writes elsewhere.

Quirks of the sources, handled here
    * 0.6.0 labels every province ``tỉnh``, every district ``huyện`` and every
      commune ``xã``, whatever it really is, so the division type is derived
      from the name prefix (``Quận``, ``Thị xã``, ``Phường``, ``Thị trấn`` ...);
      a district-level city is ``thành phố thuộc tỉnh``, or ``thành phố thuộc
      thành phố trung ương`` under Hà Nội/HCMC/Hải Phòng etc. (Thủ Đức, Thủy
      Nguyên).  Two 0.6 names spell ``Thành Phố`` with a capital P; the dump
      writes ``Thành phố``.
    * 2025.x names provinces without their type (``Cao Bằng``) but cities with it
      (``Thành phố Hà Nội``); rows here always carry the full name
      (``Tỉnh Cao Bằng``), as 0.6 did.
    * Codes are GSO codes: 2 digits for provinces, 3 for districts, 5 for
      communes, zero-padded as text.  2025 communes reuse the code of one of the
      pre-2025 communes merged into them, usually with another name, so a code
      means a different unit in each structure: never mix the two in one table.
    * A few pre-2025 island districts (Lý Sơn, Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa,
      Côn Đảo) had no communes; they come out as districts without children.
      In 2025 they are ``đặc khu`` (special zones), at commune level.

No database and no Flask here: the import command maps these rows onto
:class:`core.models.Unit`, and keeping this module free of the app lets the
generator run in a bare virtualenv and the tests run without an app.
"""
from __future__ import annotations

import difflib
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = [
    "STRUCTURES",
    "UnitRow",
    "administrative_units",
    "find_province",
    "list_provinces",
    "legacy_dump",
]

#: "2025": province → communes (two-level, from 1 July 2025).
#: "2020": province → districts → communes (as in force until 30 June 2025).
STRUCTURES = ("2025", "2020")
LEGACY_DATA_PATH = Path(__file__).resolve().parent / "data" / "vn_units_2020.json"
LEGACY_SOURCE_VERSION = "0.6.0"

# Name prefix → division type, longest prefix first.  Used for the pre-2025 data,
# whose own division_type field is wrong in 0.6.0 (see the module docstring).
_PROVINCE_PREFIXES = (("Thành phố ", "thành phố trung ương"), ("Tỉnh ", "tỉnh"))
_DISTRICT_PREFIXES = (
    ("Thành phố ", "thành phố"),  # refined by the province's type below
    ("Thị xã ", "thị xã"),
    ("Quận ", "quận"),
    ("Huyện ", "huyện"),
)
_COMMUNE_PREFIXES = (("Thị trấn ", "thị trấn"), ("Phường ", "phường"), ("Xã ", "xã"), ("Đặc khu ", "đặc khu"))


@dataclass(frozen=True)
class UnitRow:
    """One administrative unit, ready to be mapped onto a ``Unit`` row.

    Frozen so cached lists can be handed out without callers changing them.
    """

    code: str  # official GSO code as text: "04" province, "040" district, "01273" commune
    name: str  # full Vietnamese name with diacritics (NFC), e.g. "Xã Hưng Đạo"
    kind: str  # "province", "district" or "commune"
    parent_code: str | None  # None only for the province row
    division_type: str  # e.g. "tỉnh", "huyện", "thành phố thuộc tỉnh", "xã", "phường", "đặc khu"


# --------------------------------------------------------------------------- helpers


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def _fold(text: str) -> str:
    """Lower-case ASCII form for matching: "Thành phố Hồ Chí Minh" → "thanh pho ho chi minh".

    Accepts codenames too ("cao_bang", "tinh_cao_bang"), so a plugin name works
    as a query.
    """
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    text = re.sub(r"[\s_\-.]+", " ", text)
    return text.strip()


def _bare(folded: str) -> str:
    """Drop a leading province type, so "tinh cao bang" and "cao bang" meet."""
    for prefix in ("thanh pho ", "tinh ", "tp "):
        if folded.startswith(prefix):
            return folded[len(prefix):]
    return folded


def _division_type(name: str, prefixes: tuple[tuple[str, str], ...]) -> str:
    for prefix, division_type in prefixes:
        if name.startswith(prefix):
            return division_type
    raise ValueError(f"cannot tell the division type of {name!r} from its name")


def _district_type(name: str, province_type: str) -> str:
    division_type = _division_type(name, _DISTRICT_PREFIXES)
    if division_type == "thành phố":
        return "thành phố thuộc tỉnh" if province_type == "tỉnh" else "thành phố thuộc thành phố trung ương"
    return division_type


def _check_structure(structure: str) -> str:
    structure = str(structure)
    if structure not in STRUCTURES:
        raise ValueError(f"Unknown structure {structure!r}: use '2025' (no districts) or '2020' (with districts).")
    return structure


# --------------------------------------------------------------------------- loaders


@lru_cache(maxsize=None)
def _load_2025() -> dict[str, tuple[UnitRow, tuple[UnitRow, ...]]]:
    """Province code → (province row, its communes sorted by code), from vietnam-provinces 2025.x."""
    try:
        import vietnam_provinces
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("The 2025 structure needs the 'vietnam-provinces' package (2025.x) installed.") from exc
    version = getattr(vietnam_provinces, "__version__", "0")
    if int(version.split(".")[0]) < 2025:
        raise RuntimeError(
            f"vietnam-provinces {version} is installed, but the 2025 structure needs a 2025.x release "
            "(0.x releases only have the pre-2025 districts)."
        )
    from vietnam_provinces import Province, Ward

    provinces: dict[str, UnitRow] = {}
    for province in Province.iter_all():
        code = f"{int(province.code):02d}"
        division_type = province.division_type.value
        name = _nfc(province.name)
        if division_type == "tỉnh" and not name.startswith("Tỉnh "):
            name = f"Tỉnh {name}"
        provinces[code] = UnitRow(code, name, "province", None, division_type)
    communes: dict[str, list[UnitRow]] = {code: [] for code in provinces}
    for ward in Ward.iter_all():
        parent = f"{int(ward.province_code):02d}"
        communes[parent].append(
            UnitRow(f"{int(ward.code):05d}", _nfc(ward.name), "commune", parent, ward.division_type.value)
        )
    return {
        code: (provinces[code], tuple(sorted(communes[code], key=lambda row: row.code)))
        for code in sorted(provinces)
    }


@lru_cache(maxsize=None)
def _load_2020() -> dict[str, tuple[UnitRow, tuple[tuple[UnitRow, tuple[UnitRow, ...]], ...]]]:
    """Province code → (province row, ((district row, its communes), ...)), from the shipped file."""
    if not LEGACY_DATA_PATH.exists():  # pragma: no cover - packaging error
        raise RuntimeError(f"{LEGACY_DATA_PATH} is missing: the pre-2025 structure ships as package data.")
    data = json.loads(LEGACY_DATA_PATH.read_text(encoding="utf-8"))
    result = {}
    for p_code, p_name, districts in data["provinces"]:
        p_code = f"{p_code:02d}"
        p_type = _division_type(p_name, _PROVINCE_PREFIXES)
        province = UnitRow(p_code, p_name, "province", None, p_type)
        children = []
        for d_code, d_name, communes in districts:
            d_code = f"{d_code:03d}"
            district = UnitRow(d_code, d_name, "district", p_code, _district_type(d_name, p_type))
            rows = tuple(
                UnitRow(f"{c_code:05d}", c_name, "commune", d_code, _division_type(c_name, _COMMUNE_PREFIXES))
                for c_code, c_name in communes
            )
            children.append((district, rows))
        result[p_code] = (province, tuple(children))
    return result


def _province_rows(structure: str) -> list[UnitRow]:
    loaded = _load_2025() if structure == "2025" else _load_2020()
    return [entry[0] for entry in loaded.values()]


# --------------------------------------------------------------------------- public API


def list_provinces(structure: str = "2025") -> list[tuple[str, str]]:
    """All provinces of a structure as (code, full name), by code: 34 for "2025", 63 for "2020"."""
    return [(row.code, row.name) for row in _province_rows(_check_structure(structure))]


def find_province(query: str, structure: str = "2025") -> tuple[str, str]:
    """Resolve what an operator typed to (code, full name).

    ``query`` may be the GSO code ("04" or "4"), the name with or without
    diacritics and with or without its type ("Cao Bằng", "cao bang", "Tỉnh Cao
    Bằng"), or a codename/plugin name ("cao_bang").  Raises LookupError naming
    the query and the close matches, so a typo on the command line says what
    was meant; a pre-2025 province asked for in 2025 says what it became.
    """
    structure = _check_structure(structure)
    rows = _province_rows(structure)
    text = _nfc(str(query))
    if text.isdigit():
        code = f"{int(text):02d}"
        for row in rows:
            if row.code == code:
                return row.code, row.name
    else:
        wanted = _bare(_fold(text))
        for row in rows:
            if _bare(_fold(row.name)) == wanted:
                return row.code, row.name

    message = f"No province matches {str(query)!r} in the {structure} structure."
    if structure == "2025":
        successor = _successor_hint(text)
        if successor:
            message += " " + successor
    keys = {_bare(_fold(row.name)): row for row in rows}
    wanted = _bare(_fold(text))
    close = difflib.get_close_matches(wanted, keys, n=5, cutoff=0.6) if wanted else []
    close += [key for key in keys if wanted and wanted in key and key not in close]
    if close:
        message += " Close matches: " + ", ".join(f"{keys[k].code} {keys[k].name}" for k in close[:8]) + "."
    else:
        message += f" Give a 2-digit province code or a name; the {structure} structure has {len(rows)} provinces."
    raise LookupError(message)


def _successor_hint(text: str) -> str:
    """For a pre-2025 province asked for in 2025: the 2025 province(s) holding its communes' codes."""
    try:
        old_code, old_name = find_province(text, "2020")
    except LookupError:
        return ""
    old_communes = {
        row.code for _district, communes in _load_2020()[old_code][1] for row in communes
    }
    successors = sorted(
        {province.code for province, communes in _load_2025().values() for row in communes if row.code in old_communes}
    )
    if not successors:
        return f"{old_name} ({old_code}) is a pre-2025 province; pass structure '2020' for it."
    names = ", ".join(f"{code} {_load_2025()[code][0].name}" for code in successors)
    return f"{old_name} ({old_code}) is a pre-2025 province, merged in 2025 into {names}."


def administrative_units(province: str, structure: str = "2025") -> list[UnitRow]:
    """Every unit of one province, parents before children.

    ``"2025"``: the province row, then its communes, wards and special zones,
    each parented to the province.  ``"2020"``: the province row, then each
    district followed by its communes, communes parented to their district.
    Children are sorted by code.  ``province`` is anything :func:`find_province`
    accepts.
    """
    structure = _check_structure(structure)
    code, _name = find_province(province, structure)
    if structure == "2025":
        row, communes = _load_2025()[code]
        return [row, *communes]
    row, districts = _load_2020()[code]
    rows = [row]
    for district, communes in districts:
        rows.append(district)
        rows.extend(communes)
    return rows


# --------------------------------------------------------------------------- generator


def legacy_dump(path: Path | str = LEGACY_DATA_PATH) -> Path:
    """Write the pre-2025 structure from an installed vietnam-provinces 0.6 to ``path``.

    Keeps only codes and names (types are derived from names at load time, as
    0.6's own types are wrong), sorted by code, one province per line so a
    regenerated file diffs readably.  Fails if a name has no known type prefix.
    """
    import vietnam_provinces

    version = getattr(vietnam_provinces, "__version__", "?")
    if not version.startswith("0.6"):
        raise SystemExit(f"--legacy-dump needs vietnam-provinces 0.6 installed, found {version}.")
    nested = json.loads(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))

    def clean(name: str) -> str:
        name = _nfc(name)
        return "Thành phố " + name[len("Thành Phố "):] if name.startswith("Thành Phố ") else name

    provinces = []
    for province in sorted(nested, key=lambda p: p["code"]):
        p_name = clean(province["name"])
        p_type = _division_type(p_name, _PROVINCE_PREFIXES)
        districts = []
        for district in sorted(province["districts"], key=lambda d: d["code"]):
            d_name = clean(district["name"])
            _district_type(d_name, p_type)
            communes = []
            for ward in sorted(district["wards"], key=lambda w: w["code"]):
                w_name = clean(ward["name"])
                _division_type(w_name, _COMMUNE_PREFIXES)
                communes.append([ward["code"], w_name])
            districts.append([district["code"], d_name, communes])
        provinces.append([province["code"], p_name, districts])

    header = {
        "source": f"vietnam-provinces {version}",
        "data_version": getattr(vietnam_provinces, "__data_version__", "?"),
        "format": "provinces: [code, name, [[district code, name, [[commune code, name], ...]], ...]]",
    }
    lines = [json.dumps(provinces_row, ensure_ascii=False, separators=(",", ":")) for provinces_row in provinces]
    text = json.dumps(header, ensure_ascii=False)[:-1] + ',"provinces":[\n' + ",\n".join(lines) + "\n]}\n"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--legacy-dump",
        nargs="?",
        const=str(LEGACY_DATA_PATH),
        metavar="PATH",
        help="write the pre-2025 structure from vietnam-provinces 0.6 (default: %(const)s)",
    )
    args = parser.parse_args(argv)
    if args.legacy_dump is None:
        parser.print_help()
        return 2
    path = legacy_dump(args.legacy_dump)
    data = json.loads(path.read_text(encoding="utf-8"))["provinces"]
    districts = sum(len(p[2]) for p in data)
    communes = sum(len(d[2]) for p in data for d in p[2])
    print(f"wrote {path} ({path.stat().st_size} bytes): {len(data)} provinces, {districts} districts, {communes} communes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
