"""The official 1 July 2025 transition of one province as ONE draft reorganisation (issue 19, item 3).

:func:`core.hierarchy.transition.load` gives each new commune with the old communes merged, wholly or
partly, into it. Here that becomes steps for :mod:`core.hierarchy.reorganisation`, in this order:

0. ``recode`` an old commune whose code GSO gave to another new commune (it becomes ``<code>-2025``;
   Cao Bằng's Lý Quốc, Vinh Quý and Hạ Lang passed their codes round);
1. ``create`` every new commune whose code no unit holds yet, under the province's root unit;
2. ``merge`` the old communes that went whole into a new commune; a new commune whose code is one of
   its old communes' codes continues that unit (renamed when the name changed). A code is never given to
   a second unit: a new commune whose code belongs to a unit outside the table is a problem;
3. ``split`` each old commune divided between several new ones, with the table's equal shares or the
   ones given (``--shares`` CSV, the screen);
4. ``remove_level`` of the districts (kind ``district`` only: a tier may hold departments too): their
   remaining units move to the province, and their own reports pass to it.

Old communes of another old province merged into the same new one (Bình Phước into Đồng Nai) are not
in this installation's tree: they are left out and named in ``notes``.

:func:`offer` is what a province plugin on the 2020 tree answers its ``reorganisations()`` hook with.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.contracts import ReorganisationOffer
from core.hierarchy.models import Reorganisation, Unit
from core.hierarchy.units import Reason, level_for_kind
from core.platform.i18n import N_

EFFECTIVE = date(2025, 7, 1)


def offer(province_code: str, runs: str = "2020") -> ReorganisationOffer:
    """The 1 July 2025 move offered to a province whose installations run the tree of ``runs``: its communes
    merged and split as the Standing Committee's resolution says, the districts removed, from the national
    transition table of ``province_code`` (a 2025 province code) with that resolution as the legal basis.
    A plugin's hook is one line: ``return [offer("04", runs=STRUCTURE)]``."""
    from core.hierarchy.transition import legal_basis

    return ReorganisationOffer(name=f"Sắp xếp đơn vị hành chính cấp xã từ {EFFECTIVE:%d/%m/%Y}", runs=runs,
                               to=str(EFFECTIVE.year), province=province_code, effective=EFFECTIVE,
                               legal_basis=legal_basis(province_code))


@dataclass
class Built:
    steps: list
    problems: list = field(default_factory=list)  # [(None, Reason)]
    notes: list = field(default_factory=list)  # [str]


def root_of(session, transition) -> Unit | None:
    """The province's root unit: the unit coded as the province (new or old code), else the one open root."""
    codes = [transition.province_code, *transition.old_province_codes]
    found = session.execute(select(Unit).where(Unit.code.in_(codes), Unit.parent_id.is_(None))).scalars().all()
    if found:
        return sorted(found, key=lambda u: codes.index(u.code))[0]
    roots = session.execute(select(Unit).where(Unit.parent_id.is_(None), Unit.active.is_(True))).scalars().all()
    return roots[0] if len(roots) == 1 else None


def read_shares(data: bytes) -> dict[tuple[str, str], Decimal]:
    """``old_code,new_code,share`` rows (a header row is allowed); ValueError naming the bad line."""
    text = data.decode("utf-8-sig")
    shares = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        if number == 1 and row[0].strip().lower() in ("old_code", "ma_cu", "old"):
            continue
        if len(row) != 3:
            raise ValueError(f"dòng {number}: cần 3 cột old_code,new_code,share")
        try:
            share = Decimal(row[2].strip().replace(",", "."))
        except ArithmeticError:
            raise ValueError(f"dòng {number}: tỷ lệ '{row[2].strip()}' không phải là số") from None
        if not share.is_finite() or share <= 0 or share > 1:
            raise ValueError(f"dòng {number}: tỷ lệ phải lớn hơn 0 và không quá 1")
        shares[(row[0].strip(), row[1].strip())] = share
    return shares


def build(session, transition, shares: dict | None = None, effective: date = EFFECTIVE) -> Built:
    """The steps of ``transition`` against this installation's units (nothing written)."""
    units = {code: (kind, active and valid_to is None) for code, kind, active, valid_to in session.execute(
        select(Unit.code, Unit.kind, Unit.active, Unit.valid_to)).all()}
    built = Built(steps=[])
    root = root_of(session, transition)
    if root is None:
        built.problems.append((None, Reason(N_("the root unit of province %(code)s is not in the tree"),
                                            code=transition.province_code)))
        return built
    table = transition.shares()
    for key in (shares or {}):
        if key not in table:
            built.problems.append((None, Reason(N_("the transition table has no pair %(old)s → %(new)s"),
                                                old=key[0], new=key[1])))
    table.update(shares or {})
    split = transition.split_codes()
    listed = {code for successor in transition.successors for code in successor.predecessors}
    # GSO gave some new communes the code of an old one that went elsewhere (Cao Bằng's Lý Quốc, Vinh Quý and
    # Hạ Lang passed their codes round): that old unit retires its code first, so the new one can hold it.
    retired = {successor.code: f"{successor.code}-{effective.year}" for successor in transition.successors
               if successor.code in units and successor.code not in successor.predecessors
               and successor.code in listed and units[successor.code][1]}
    recodes = [{"kind": "recode", "unit": old, "code": new} for old, new in sorted(retired.items())]
    table = {(retired.get(old, old), new): share for (old, new), share in table.items()}
    split = frozenset(retired.get(code, code) for code in split)
    units = {retired.get(code, code): value for code, value in units.items()}
    creates, merges, splits, renames = [], [], {}, []
    for successor in transition.successors:
        predecessors = tuple(retired.get(code, code) for code in successor.predecessors)
        present = [code for code in predecessors if code in units]
        missing = [code for code in predecessors if code not in units]
        if missing:
            built.notes.append(f"{successor.code} {successor.name}: bỏ qua {len(missing)} đơn vị cũ không có trong "
                               f"cây đơn vị ({', '.join(missing[:5])}{'…' if len(missing) > 5 else ''})")
        if successor.code in units and successor.code not in predecessors:
            built.problems.append((None, Reason(N_("new commune %(code)s %(name)s has the code of an old unit that "
                                                   "is not merged into it"), code=successor.code,
                                                name=successor.name)))
            continue
        if successor.code not in units:
            creates.append({"kind": "create", "code": successor.code, "name": successor.name, "parent": root.code,
                            "unit_kind": successor.kind})
        whole = [code for code in present if code not in split]
        if whole:
            merges.append({"kind": "merge", "sources": whole, "target": successor.code, "name": successor.name})
        elif successor.code in units:
            renames.append({"kind": "rename", "unit": successor.code, "name": successor.name})
        for code in present:
            if code in split:
                splits.setdefault(code, []).append({"code": successor.code, "share": str(table[(code, successor.code)])})
    district = level_for_kind("district")
    left = session.execute(select(Unit.code, Unit.name).where(
        Unit.kind == "commune", Unit.active.is_(True), Unit.valid_to.is_(None),
        Unit.path.startswith(root.path, autoescape=True), Unit.code.not_in(listed))).all()
    known = {u.code for u in transition.unmatched if u.side == "2020"}
    for code, name in left:
        if code in known:  # the table says it has no successor (merged or recoded before 1/7/2025): the note says so
            continue
        built.problems.append((None, Reason(N_("old commune %(code)s %(name)s is in no new commune of the table"),
                                            code=code, name=name)))
    built.steps = [*recodes, *creates, *merges,
                   *({"kind": "split", "source": code, "parts": parts} for code, parts in sorted(splits.items())),
                   *renames]
    if district and session.execute(select(Unit.id).where(Unit.kind == "district", Unit.active.is_(True),
                                                          Unit.valid_to.is_(None)).limit(1)).first():
        built.steps.append({"kind": "remove_level", "level": district, "unit_kind": "district"})
    built.notes.extend(f"{u.code} {u.name}: {u.reason}" for u in transition.unmatched)
    return built


def draft(session, transition, effective: date = EFFECTIVE, legal_basis: str | None = None,
          shares: dict | None = None, actor: str | None = None) -> tuple[Reorganisation | None, Built]:
    """The province's draft event, made or brought up to date (one draft per province and source);
    ``(None, built)`` when the steps have problems. An applied event of the same source is refused."""
    from core.hierarchy.transition import legal_basis as basis_of

    name = f"Sắp xếp đơn vị hành chính cấp xã {transition.province_name} từ {effective.strftime('%d/%m/%Y')}"
    source = f"{transition.source}; {transition.province_code}"[:255]
    existing = session.execute(select(Reorganisation).where(Reorganisation.source == source)
                               .order_by(Reorganisation.id.desc())).scalars().first()
    if existing is not None and existing.state == "applied":
        return None, Built(steps=[], problems=[(None, Reason(N_("reorganisation %(name)s was applied already"),
                                                              name=existing.name))])
    built = build(session, transition, shares, effective)
    if built.problems:
        return None, built
    reorg = existing or Reorganisation(source=source, created_by=actor)
    reorg.name, reorg.effective = name, effective
    reorg.legal_basis = legal_basis or basis_of(transition.province_code) or ""
    reorg.steps = json.dumps(built.steps, ensure_ascii=False)
    reorg.state, reorg.open_reports = "draft", reorg.open_reports or "move"
    session.add(reorg)
    session.flush()
    return reorg, built
