"""The official 1 July 2025 transition, old communes → new communes, as plain data.

What it is
    On 1 July 2025 the 63 provinces became 34 (Nghị quyết 202/2025/QH15) and
    the ~10,040 communes under districts became 3,321 communes, wards and
    special zones directly under their province (one Standing Committee
    resolution per new province, see :func:`legal_basis`).  Most old communes
    went whole into one new commune; 471 were split between several.
    :func:`load` gives, for one new province, each new commune with the old
    communes merged (wholly or partly) into it, in the codes of
    :mod:`core.hierarchy.sources` (``"2020"`` for the old side, ``"2025"`` for
    the new side), so the reorganisation engine can turn it into merge and split
    events.  No Flask and no database here, like ``sources.py``.

Where the data comes from
    The PyPI package ``vietnamadminunits`` (MIT licence, Trần Ngọc Minh Hiếu,
    github.com/tranngocminhhieu/vietnamadminunits), release 1.0.4.  Its
    ``data/converter_2025.json`` is the only published old→new commune table we
    found in a package (``vietnam-provinces`` 2025.x has the new units only, no
    mapping): per new province, the new commune → the old
    province_district_commune keys merged whole, and each split old commune →
    its new communes with one marked default.  Its ``data/dataset.db`` (SQLite)
    turns those keys into GSO codes and names.  The upstream repository also
    keeps, per new commune, the number of the resolution that created it
    (``data/raw/production.cas.so_3221_wards_2025-08-05.json``); the 34
    numbers are copied into :data:`_RESOLUTIONS` below.

Why a generated file and not the package at run time
    The package's public API is address parsing (``parse_address``,
    ``convert_address``): it has no call that lists the table, and importing
    any part of it imports ``shapely`` and ``geopy`` (it geocodes street
    addresses to choose among split communes), plus ``tqdm`` and
    ``unidecode`` — four dependencies and ~10 MB of data for a table of about
    10,000 pairs that will not change (the transition happened once).  So, as
    for the pre-2025 units, a compact file is generated once from the package's
    shipped data files and shipped here: ``core/hierarchy/data/vn_transition_2025.json``
    (its header names the package version and the SHA-256 of the two files it
    was read from).  Regenerating it, in a throwaway virtualenv::

        python3 -m venv /tmp/vau && /tmp/vau/bin/pip install --no-deps 'vietnamadminunits==1.0.4'
        cd <checkout> && /tmp/vau/bin/python core/hierarchy/transition.py --dump

    ``--no-deps`` is enough: the generator reads the data files and never
    imports the package.  ``--from DIR`` reads an unpacked wheel instead.

Reconciling the package's codes with ours
    The package's old units are GSO's list of July 2025; our ``"2020"`` file is
    ``vietnam-provinces`` 0.6.0 (January 2025): a few communes were merged,
    renamed or re-coded in between (Mộc Châu became a town, some Hồ Chí Minh
    City wards got new codes), and many names differ only in spelling (Hoà/Hòa,
    Thuỷ/Thủy).  Its new units carry the codes known in August 2025, and
    ``vietnam-provinces`` 2025.10 (ours) a later list (data of 2025-10-18), where 123
    communes have other codes and some codes moved between names
    (Cao Bằng's Lý Quốc, Vinh Quý and Hạ Lang).  So each unit is matched
    to ours by code when the names agree, else by name within its old district
    (new province), else by code alone (a renamed unit), and what still does
    not match is listed in :attr:`Transition.unmatched`, never dropped.

Predecessor codes
    5-digit commune codes of the ``"2020"`` rows.  Five island districts had no
    communes (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo): they became
    special zones whole, and their predecessor is the 3-digit district code,
    the unit that exists for them in the ``"2020"`` rows.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from pathlib import Path

if __package__ in (None, ""):  # run as a script (--dump in a bare virtualenv): no core package, no Flask
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from sources import _fold, _load_2020, _load_2025, find_province
else:
    from .sources import _fold, _load_2020, _load_2025, find_province

__all__ = ["Successor", "Transition", "Unmatched", "load", "legal_basis", "dump"]

DATA_PATH = Path(__file__).resolve().parent / "data" / "vn_transition_2025.json"
PACKAGE = "vietnamadminunits"
PACKAGE_FILES = ("data/converter_2025.json", "data/dataset.db")

#: A split commune's equal shares are cut to this many decimals; the default
#: successor takes the remainder, so each old commune's shares sum to exactly 1.
SHARE_QUANTUM = Decimal("0.000001")

#: New province code → the Standing Committee resolution on its communes, all
#: dated 16 June 2025, in force 1 July 2025.  Copied from the ``decree`` field
#: of every new commune in vietnamadminunits' repository
#: (data/raw/production.cas.so_3221_wards_2025-08-05.json, commit 780c279):
#: each province's communes all name the same resolution.
_RESOLUTIONS = {
    "01": "1656", "04": "1657", "08": "1684", "11": "1661", "12": "1670", "14": "1681",
    "15": "1673", "19": "1683", "20": "1672", "22": "1679", "24": "1658", "25": "1676",
    "31": "1669", "33": "1666", "37": "1674", "38": "1686", "40": "1678", "42": "1665",
    "44": "1680", "46": "1675", "48": "1659", "51": "1677", "52": "1664", "56": "1667",
    "66": "1660", "68": "1671", "75": "1662", "79": "1685", "80": "1682", "82": "1663",
    "86": "1687", "91": "1654", "92": "1668", "96": "1655",
}

# Flags of a predecessor in the data file.
_WHOLE, _PART, _PART_DEFAULT = 0, 1, 2


@dataclass(frozen=True)
class Successor:
    """A 2025 commune and the pre-2025 units merged, wholly or partly, into it."""

    code: str  # 2025 commune code, 5 digits, as in sources.py "2025" rows
    name: str  # full name with type, e.g. "Xã Hòa An"
    kind: str  # "commune", as sources.py rows (and Unit.kind) use for every commune-level unit
    predecessors: tuple[str, ...]  # "2020" codes merged into it, sorted
    division_type: str = ""  # "xã", "phường" or "đặc khu"
    default_for: tuple[str, ...] = ()  # split predecessors whose records it takes by default


@dataclass(frozen=True)
class Unmatched:
    """A unit the package and our files do not agree on, kept so nobody loses it silently.

    ``side`` says which list it is missing from: ``"old"`` a pre-2025 unit of the
    package absent from our 2020 file (its share goes nowhere), ``"2020"`` a
    commune of our 2020 file that no successor lists, ``"new"`` a new commune of
    the package absent from our 2025 rows (its predecessors are then unmatched too).
    """

    side: str
    code: str
    name: str
    parent: str  # old district name, or the new province name for side "new"
    reason: str  # Vietnamese, for the operator


@dataclass(frozen=True)
class Transition:
    """One new province: its successors, the old provinces merged into it, and what did not match."""

    province_code: str
    province_name: str
    old_province_codes: tuple[str, ...]
    successors: tuple[Successor, ...]
    source: str
    unmatched: tuple[Unmatched, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)  # matches made by name or by code alone

    def split_codes(self) -> frozenset[str]:
        """Old codes that went, in parts, to more than one successor."""
        seen: dict[str, int] = defaultdict(int)
        for successor in self.successors:
            for code in successor.predecessors:
                seen[code] += 1
        return frozenset(code for code, count in seen.items() if count > 1)

    def shares(self) -> dict[tuple[str, str], Decimal]:
        """(old code, new code) → share of the old unit: 1 if whole, equal parts if split.

        Equal parts because the sources give no areas or populations of the
        parts; each old code's shares sum to exactly 1 (the default successor,
        or the last by code, takes the rounding remainder).
        """
        targets: dict[str, list[str]] = defaultdict(list)
        defaults: dict[str, str] = {}
        for successor in self.successors:
            for code in successor.predecessors:
                targets[code].append(successor.code)
            for code in successor.default_for:
                defaults[code] = successor.code
        result: dict[tuple[str, str], Decimal] = {}
        for old, news in targets.items():
            if len(news) == 1:
                result[(old, news[0])] = Decimal(1)
                continue
            part = (Decimal(1) / len(news)).quantize(SHARE_QUANTUM, rounding=ROUND_DOWN)
            keeper = defaults.get(old, max(news))
            for new in news:
                result[(old, new)] = part
            result[(old, keeper)] = Decimal(1) - part * (len(news) - 1)
        return result

    def successor(self, code: str) -> Successor:
        """The successor with this 2025 code (KeyError if none)."""
        for successor in self.successors:
            if successor.code == code:
                return successor
        raise KeyError(code)


# --------------------------------------------------------------------------- loading


def _key(name: str) -> str:
    """A name for matching across the two sources: no diacritics, case, apostrophes or dashes.

    The sources write M'Drắk and M’Drắk, Chân Mây - Lăng Cô and Chân Mây – Lăng Cô,
    Hoà and Hòa for the same unit.
    """
    for mark in "'’‘`–—-":
        name = name.replace(mark, " ")
    return " ".join(_fold(name).split())


@lru_cache(maxsize=1)
def _data() -> dict:
    if not DATA_PATH.exists():  # pragma: no cover - packaging error
        raise RuntimeError(f"{DATA_PATH} is missing: the 2025 transition ships as package data.")
    return json.loads(DATA_PATH.read_text(encoding="utf-8"))


def _source() -> str:
    header = _data()
    return f"{header['source']} ({', '.join(PACKAGE_FILES)}), reconciled with {_ours_source()}"


def _ours_source() -> str:
    import vietnam_provinces

    return f"vietnam-provinces {vietnam_provinces.__version__} (2025) and core/hierarchy/data/vn_units_2020.json (2020)"


def _province_code(query: str) -> str:
    """A new province code from a new code, an old code, or a name of either."""
    text = str(query).strip()
    for structure in ("2025", "2020"):
        try:
            code, _name = find_province(text, structure)
        except LookupError:
            continue
        if structure == "2025":
            return code
        for new_code, old_codes, *_rest in _data()["provinces"]:
            if code in old_codes:
                return new_code
    raise LookupError(
        f"Không tìm thấy tỉnh, thành phố {text!r}: hãy nhập mã (2 chữ số) hoặc tên của một trong "
        "34 tỉnh, thành phố từ 01/7/2025 hoặc của 63 tỉnh, thành phố trước đó."
    )


def load(province: str) -> Transition:
    """The transition of one new province.

    ``province`` is a new code ("75"), an old code ("70" Bình Phước → Đồng Nai)
    or a name of either, as :func:`core.hierarchy.sources.find_province` takes
    them.  Raises LookupError (Vietnamese message) when nothing matches.
    """
    return _build(_province_code(province))


@lru_cache(maxsize=None)
def _build(code: str) -> Transition:
    entry = next(row for row in _data()["provinces"] if row[0] == code)
    _code, old_province_codes, successors, old_units, districts = entry
    old_units = {code: (name, d_code, districts[d_code]) for code, (name, d_code) in old_units.items()}
    province_row, new_rows = _load_2025()[code]
    notes: list[str] = []
    unmatched: list[Unmatched] = []

    old_map = _match_old(old_province_codes, old_units, notes, unmatched)
    new_map = _match_new(new_rows, successors, notes)
    by_code = {row.code: row for row in new_rows}

    result = []
    for new_code, new_name, predecessors in successors:
        ours = new_map.get(new_code)
        if ours is None:
            unmatched.append(Unmatched("new", new_code, new_name, province_row.name,
                                       "Đơn vị mới không có trong danh mục 2025 (vietnam-provinces)."))
            for old_code, _flag in predecessors:
                name, _d_code, d_name = old_units[old_code]
                unmatched.append(Unmatched("old", old_code, name, d_name,
                                           f"Thuộc đơn vị mới {new_name} ({new_code}), không khớp danh mục 2025."))
            continue
        row = by_code[ours]
        olds = [(old_map[old], flag) for old, flag in predecessors if old in old_map]
        result.append(Successor(
            code=row.code,
            name=row.name,
            kind=row.kind,
            predecessors=tuple(sorted({old for old, _flag in olds})),
            division_type=row.division_type,
            default_for=tuple(sorted(old for old, flag in olds if flag == _PART_DEFAULT)),
        ))

    accounted = {old for successor in result for old in successor.predecessors} | set(old_map.values())
    for district, row in _units_2020(old_province_codes):
        if row.code not in accounted:
            unmatched.append(Unmatched("2020", row.code, row.name, district.name,
                                       "Không đơn vị mới nào nhận đơn vị này theo dữ liệu của gói "
                                       "(có thể đã sáp nhập hoặc đổi mã trước 01/7/2025)."))
    return Transition(
        province_code=code,
        province_name=province_row.name,
        old_province_codes=tuple(old_province_codes),
        successors=tuple(sorted(result, key=lambda s: s.code)),
        source=_source(),
        unmatched=tuple(unmatched),
        notes=tuple(notes),
    )


def _units_2020(old_province_codes):
    """(district row, unit row) of every old commune; an island district without communes stands for itself."""
    for old_province in old_province_codes:
        for district, communes in _load_2020()[old_province][1]:
            for row in communes or (district,):
                yield district, row


def _match_old(old_province_codes, old_units, notes, unmatched) -> dict[str, str]:
    """Package old code → our 2020 code: code if names agree, else name in district, else code alone."""
    ours: dict[str, tuple[str, str]] = {}  # our code → (folded name, district code)
    by_name: dict[tuple[str, str], list[str]] = defaultdict(list)  # (district, folded name) → our codes
    for district, row in _units_2020(old_province_codes):
        key = (district.code, _key(row.name))
        ours[row.code] = key[::-1]
        by_name[key].append(row.code)
    taken: set[str] = set()
    result: dict[str, str] = {}

    def take(theirs: str, mine: str, how: str | None) -> None:
        result[theirs] = mine
        taken.add(mine)
        if how:
            notes.append(f"old {theirs} {old_units[theirs][0]} ({old_units[theirs][2]}) → 2020 {mine}: {how}")

    pending = []
    for theirs, (name, d_code, _d_name) in old_units.items():
        if theirs in ours and ours[theirs] == (_key(name), d_code):
            take(theirs, theirs, None)
        else:
            pending.append(theirs)
    for theirs in list(pending):
        name, d_code, _d_name = old_units[theirs]
        candidates = [code for code in by_name.get((d_code, _key(name)), ()) if code not in taken]
        if len(candidates) == 1:
            take(theirs, candidates[0], "same name in the same district, other code")
            pending.remove(theirs)
    for theirs in pending:
        name, d_code, d_name = old_units[theirs]
        if theirs in ours and theirs not in taken and ours[theirs][1] == d_code:
            take(theirs, theirs, "same code, renamed")
        else:
            unmatched.append(Unmatched("old", theirs, name, d_name,
                                       "Đơn vị cũ theo dữ liệu của gói, không có trong danh mục 2020 của baocao."))
    return result


def _match_new(new_rows, successors, notes) -> dict[str, str]:
    """Package new code → our 2025 code, by the same rule within the province."""
    ours = {row.code: _key(row.name) for row in new_rows}
    by_name: dict[str, list[str]] = defaultdict(list)
    for row in new_rows:
        by_name[_key(row.name)].append(row.code)
    taken: set[str] = set()
    result: dict[str, str] = {}
    pending = []
    for theirs, name, _olds in successors:
        if ours.get(theirs) == _key(name):
            result[theirs] = theirs
            taken.add(theirs)
        else:
            pending.append((theirs, name))
    for theirs, name in list(pending):
        candidates = [code for code in by_name.get(_key(name), ()) if code not in taken]
        if len(candidates) == 1:
            result[theirs] = candidates[0]
            taken.add(candidates[0])
            notes.append(f"new {theirs} {name} → 2025 {candidates[0]}: same name, other code")
            pending.remove((theirs, name))
    for theirs, name in pending:
        if theirs in ours and theirs not in taken:
            result[theirs] = theirs
            taken.add(theirs)
            notes.append(f"new {theirs} {name} → 2025 {theirs}: same code, renamed")
    return result


def legal_basis(province_code: str) -> str | None:
    """The resolution that set up the communes of a new province, e.g. "Nghị quyết 1657/NQ-UBTVQH15 ngày 16/6/2025".

    ``province_code`` is a 2025 province code; None for any other code.
    """
    number = _RESOLUTIONS.get(str(province_code).zfill(2))
    return f"Nghị quyết {number}/NQ-UBTVQH15 ngày 16/6/2025" if number else None


# --------------------------------------------------------------------------- generator


def _package_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec(PACKAGE)  # locates it without running its __init__ (shapely, geopy)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"--dump needs {PACKAGE} installed (pip install --no-deps {PACKAGE}) or --from DIR.")
    return Path(next(iter(spec.submodule_search_locations)))


def _package_version(root: Path) -> str:
    for info in sorted(root.parent.glob(f"{PACKAGE}-*.dist-info")):
        return info.name[len(PACKAGE) + 1:-len(".dist-info")]
    return "?"


def dump(path: Path | str = DATA_PATH, package_dir: Path | str | None = None) -> Path:
    """Write the compact transition file from the data files of an installed vietnamadminunits.

    One line per new province: ``[code, [old province codes], [[new code, new
    name, [[old code, flag], ...]], ...], {old code: [name, district
    code]}, {district code: district name}]``; flag 0 whole, 1 part, 2 part
    and the package's default.
    """
    root = Path(package_dir) if package_dir else _package_dir()
    converter = json.loads((root / PACKAGE_FILES[0]).read_text(encoding="utf-8"))
    db = sqlite3.connect(f"file:{root / PACKAGE_FILES[1]}?mode=ro", uri=True)
    old_by_key, old_province_by_key = {}, {}
    for p_key, d_key, w_key, p_code, d_code, d_name, w_code, w_name in db.execute(
        "SELECT provinceKey, districtKey, wardKey, provinceCode, districtCode, district, wardCode, ward"
        " FROM admin_units_legacy"
    ):
        # An island district without communes has no ward: it stands for itself, by district code.
        code = w_code or d_code
        old_by_key[f"{p_key}_{d_key}_{w_key or ''}"] = (code, w_name or d_name, d_code, d_name)
        old_province_by_key[p_key] = p_code
    new_by_key = {
        (p_key, w_key): (w_code, w_name, p_code)
        for p_key, w_key, w_code, w_name, p_code in db.execute(
            "SELECT provinceKey, wardKey, wardCode, ward, provinceCode FROM admin_units"
        )
    }
    db.close()

    provinces = []
    for p_key, old_keys in converter["DICT_PROVINCE"].items():
        successors: dict[str, list] = {}
        old_units: dict[str, list] = {}
        districts: dict[str, str] = {}

        def add(new_key: str, old_key: str, flag: int) -> None:
            new_code, new_name, _p = new_by_key[(p_key, new_key)]
            code, name, d_code, d_name = old_by_key[old_key]
            successors.setdefault(new_code, [new_code, new_name, []])[2].append([code, flag])
            old_units[code] = [name, d_code]
            districts[d_code] = d_name

        for new_key, olds in converter["DICT_PROVINCE_WARD_NO_DIVIDED"][p_key].items():
            for old_key in olds:
                add(new_key, old_key, _WHOLE)
        for old_key, news in converter["DICT_PROVINCE_WARD_DIVIDED"].get(p_key, {}).items():
            for new in news:
                add(new["newWardKey"], old_key, _PART_DEFAULT if new["isDefaultNewWard"] else _PART)
        new_code = next(code for (key, _w), (_c, _n, code) in new_by_key.items() if key == p_key)
        rows = sorted(successors.values())
        for row in rows:
            row[2].sort()
        old_codes = sorted(old_province_by_key[key] for key in old_keys)
        provinces.append([new_code, old_codes, rows, dict(sorted(old_units.items())), dict(sorted(districts.items()))])
    provinces.sort()

    version = _package_version(root)
    header = {
        "source": f"{PACKAGE} {version}",
        "sha256": {name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in PACKAGE_FILES},
        "format": "provinces: [new code, [old province codes], [[new code, new name, [[old code, flag 0 whole"
                  " | 1 part | 2 part+default], ...]], ...], {old code: [name, district code]}, {district code: name}]",
    }
    lines = [json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in provinces]
    text = json.dumps(header, ensure_ascii=False)[:-1] + ',"provinces":[\n' + ",\n".join(lines) + "\n]}\n"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", nargs="?", const=str(DATA_PATH), metavar="PATH",
                        help="write the transition file from vietnamadminunits' data (default: %(const)s)")
    parser.add_argument("--from", dest="package_dir", metavar="DIR",
                        help="the vietnamadminunits package directory (default: the installed one)")
    args = parser.parse_args(argv)
    if args.dump is None:
        parser.print_help()
        return 2
    path = dump(args.dump, args.package_dir)
    data = json.loads(path.read_text(encoding="utf-8"))["provinces"]
    pairs = sum(len(s[2]) for p in data for s in p[2])
    olds = sum(len(p[3]) for p in data)
    news = sum(len(p[2]) for p in data)
    print(f"wrote {path} ({path.stat().st_size} bytes): {len(data)} provinces, {news} new units, "
          f"{olds} old units, {pairs} old→new pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
