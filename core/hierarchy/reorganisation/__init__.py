"""Reorganisation events: validate, preview and apply merges, splits, renames, re-parenting and a
removed level, all effective on one date (issue 19; docs/reorganisation.md "Events and steps").

One planner serves all three: it replays the event's steps on a copy of the tree held in memory
(one query for the units) and yields the operations, the succession edges and every problem at
once. :func:`validate` returns the problems, :func:`preview` the plan with the open reports and the
accounts it touches (nothing written), :func:`apply` carries the plan out in the caller's transaction,
all or nothing: versions dated the effective day (:mod:`core.hierarchy.versions`), closed units kept
(``valid_to`` = the day before, ``active`` false; nothing is deleted), ``unit_succession`` written,
``unit_lineage`` recomputed, open reports handed over or closed through the workflow service, accounts
of closed units locked with their holders' handover recorded, and one audit entry for the event.

A step is a dict (the JSON list in ``Reorganisation.steps``):

* ``{"kind": "create", "code", "name", "parent", "unit_kind"}``
* ``{"kind": "merge", "sources": [codes], "target": code, "name"?, "parent"?, "unit_kind"?}`` — the
  target may be one of the sources (it continues), an open unit, or a new unit (``name`` required);
* ``{"kind": "split", "source": code, "parts": [{"code", "share", "name"?, "parent"?, "unit_kind"?}]}``
  — shares sum to 1; the source continues when it is one of the parts;
* ``{"kind": "rename", "unit": code, "name"}``, ``{"kind": "reparent", "unit": code, "parent": code}``;
* ``{"kind": "recode", "unit": code, "code": new code}`` — a unit that closes in the event gives its code up
  to a new unit (GSO passed some codes round in 2025); later steps name it by its new code;
* ``{"kind": "remove_level", "level": code, "unit_kind"?}`` — every open unit of the level (of that
  kind only, when given: Cao Bằng's district tier also holds the departments) closes; its open children
  move to its parent, and its own reports pass to that parent.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import aliased

from core.hierarchy.models import Reorganisation, Unit, UnitHolder, UnitLineage, UnitSuccession, UnitVersion
from core.hierarchy.units import Reason, level_by_kind
from core.platform import audit, clock
from core.platform.i18n import N_

STEP_KINDS = ("create", "merge", "split", "rename", "reparent", "remove_level", "recode")
OPEN_REPORT_POLICIES = ("move", "close")
#: Report states whose work is not done: what a closed unit's reports in these states become is the event's
#: ``open_reports`` choice. Approved reports (and corrections of approved ones) stay as they are: history.
OPEN_STATES = ("draft", "returned", "submitted")
#: Shares are stored with ten decimals (``Numeric(12, 10)``).
QUANTUM = Decimal("0.0000000001")


class ReorganisationError(Exception):
    """Refused, with every problem: ``[(step number or None, Reason)]``."""

    def __init__(self, problems: list):
        self.problems = problems
        super().__init__("; ".join(describe(n, why) for n, why in problems[:5]))


class AlreadyApplied(ReorganisationError):
    """The event was applied already (409): an applied event is history, it is not applied twice."""


def describe(step, reason) -> str:
    """One problem as a line: "Bước 3: …" (translated in the user's language, Vietnamese by default)."""
    from core.hierarchy.units import translated
    from flask_babel import gettext

    text = translated(reason)
    return gettext("Step %(n)s: %(reason)s", n=step, reason=text) if step else text


# --- the plan ----------------------------------------------------------------------------------------


@dataclass
class _Node:
    code: str
    name: str
    kind: str
    level: str
    parent: str | None
    open: bool = True
    id: int | None = None
    closed_in: int | None = None


@dataclass
class Plan:
    """What applying the event does; :func:`preview` fills ``reports``, ``accounts`` and ``needs_accounts``."""

    effective: date
    ops: list = field(default_factory=list)  # ("create"|"rename"|"reparent"|"close", code, ...)
    edges: dict = field(default_factory=dict)  # {(predecessor code, successor code): Decimal}
    problems: list = field(default_factory=list)
    created: list = field(default_factory=list)  # [{code, name, kind, parent}]
    closed: list = field(default_factory=list)  # [{code, name, successor}]
    moved: list = field(default_factory=list)  # [{code, name, from, to}]
    renamed: list = field(default_factory=list)  # [{code, from, to}]
    recoded: list = field(default_factory=list)  # [{from, to, name}]
    #: A recoded unit's code in the plan → its code in the database now (the queries of :func:`preview`).
    db_code: dict = field(default_factory=dict)
    reports: list = field(default_factory=list)  # [{id, form, period, unit, state, outcome, to}]
    accounts: list = field(default_factory=list)  # [{username, unit, holder}]
    needs_accounts: list = field(default_factory=list)  # [code]

    def successor(self, code: str) -> str | None:
        """Where a closed unit's open work goes: its successor with the largest share (then the lowest code)."""
        edges = [(share, succ) for (pred, succ), share in self.edges.items() if pred == code]
        return min(edges, key=lambda e: (-e[0], e[1]))[1] if edges else None


def steps_of(reorg: Reorganisation) -> list[dict]:
    try:
        steps = json.loads(reorg.steps or "[]")
    except ValueError:
        return []
    return steps if isinstance(steps, list) else []


def _share(value) -> Decimal | None:
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return share if share.is_finite() else None


def _load(session) -> dict[str, _Node]:
    parent = aliased(Unit)
    rows = session.execute(select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.level, parent.code, Unit.active,
                                  Unit.valid_to).outerjoin(parent, parent.id == Unit.parent_id)).all()
    return {code: _Node(code, name, kind, level, pcode, open=bool(active) and valid_to is None, id=uid)
            for uid, code, name, kind, level, pcode, active, valid_to in rows}


def plan(session, reorg: Reorganisation) -> Plan:
    """Replay the steps on the tree in memory; every problem is collected, nothing is written."""
    result = Plan(effective=reorg.effective)
    problems = result.problems
    if not (reorg.name or "").strip():
        problems.append((None, Reason(N_("the reorganisation needs a name"))))
    if not (reorg.legal_basis or "").strip():
        problems.append((None, Reason(N_("give the legal basis (the resolution or decision)"))))
    if reorg.open_reports not in OPEN_REPORT_POLICIES:
        problems.append((None, Reason(N_("open reports must be moved or closed"))))
    steps = steps_of(reorg)
    if not steps:
        problems.append((None, Reason(N_("the reorganisation has no steps"))))
    nodes = _load(session)
    tiers = level_by_kind()
    predecessor_in: dict[str, int] = {}

    def usable(n: int, code) -> _Node | None:
        node = nodes.get(code) if isinstance(code, str) else None
        if node is None:
            problems.append((n, Reason(N_("unit %(code)s does not exist"), code=str(code))))
        elif not node.open:
            problems.append((n, Reason(N_("unit %(code)s is already closed"), code=code)))
            return None
        return node

    def under_itself(code: str, parent: str | None) -> bool:
        while parent is not None:
            if parent == code:
                return True
            parent = nodes[parent].parent if parent in nodes else None
        return False

    def close(n: int, node: _Node, successor: str | None) -> None:
        node.open, node.closed_in = False, n
        result.ops.append(("close", node.code))
        result.closed.append({"code": node.code, "name": node.name, "successor": successor})

    def create(n: int, spec: dict, default: _Node | None) -> _Node | None:
        code, name = str(spec.get("code") or "").strip(), str(spec.get("name") or "").strip()
        kind = spec.get("unit_kind") or (default.kind if default else None)
        parent_code = spec.get("parent") or (default.parent if default else None)
        if not code or not name:
            problems.append((n, Reason(N_("a new unit needs a code and a name (%(code)s)"), code=code or "?")))
            return None
        if code in nodes:
            problems.append((n, Reason(N_("code %(code)s already belongs to a unit"), code=code)))
            return None
        if kind not in tiers:
            problems.append((n, Reason(N_("kind '%(kind)s' has no tier in this province's hierarchy"),
                                       kind=kind or "")))
            return None
        if parent_code is not None and usable(n, parent_code) is None:
            return None
        node = nodes[code] = _Node(code, name, kind, tiers[kind], parent_code)
        result.ops.append(("create", code, name, kind, tiers[kind], parent_code))
        result.created.append({"code": code, "name": name, "kind": kind, "parent": parent_code})
        return node

    def rename(node: _Node, name) -> None:
        name = str(name or "").strip()
        if name and name != node.name:
            result.ops.append(("rename", node.code, name))
            result.renamed.append({"code": node.code, "from": node.name, "to": name})
            node.name = name

    def reparent(n: int, node: _Node, parent_code) -> None:
        if parent_code is None or parent_code == node.parent:
            return
        if usable(n, parent_code) is None:
            return
        if under_itself(node.code, parent_code):
            problems.append((n, Reason(N_("%(unit)s cannot be placed under itself or one of its own units (%(parent)s)"),
                                       unit=node.code, parent=parent_code)))
            return
        result.ops.append(("reparent", node.code, parent_code))
        result.moved.append({"code": node.code, "name": node.name, "from": node.parent, "to": parent_code})
        node.parent = parent_code

    def edge(n: int, pred: str, succ: str, share: Decimal) -> None:
        if pred in predecessor_in and predecessor_in[pred] != n:
            problems.append((n, Reason(N_("unit %(code)s is already divided in step %(step)d"), code=pred,
                                       step=predecessor_in[pred])))
            return
        predecessor_in[pred] = n
        result.edges[(pred, succ)] = result.edges.get((pred, succ), Decimal(0)) + share

    for n, step in enumerate(steps, start=1):
        kind = step.get("kind") if isinstance(step, dict) else None
        if kind not in STEP_KINDS:
            problems.append((n, Reason(N_("unknown step '%(kind)s'"), kind=str(kind))))
            continue
        if kind == "create":
            create(n, step, None)
        elif kind == "rename":
            node = usable(n, step.get("unit"))
            if node is not None:
                if not str(step.get("name") or "").strip():
                    problems.append((n, Reason(N_("give the new name of %(code)s"), code=node.code)))
                rename(node, step.get("name"))
        elif kind == "reparent":
            node = usable(n, step.get("unit"))
            if node is not None:
                if not step.get("parent"):
                    problems.append((n, Reason(N_("give the new parent of %(code)s"), code=node.code)))
                reparent(n, node, step.get("parent"))
        elif kind == "recode":
            node = usable(n, step.get("unit"))
            code = str(step.get("code") or "").strip()
            if node is not None:
                if not code or code in nodes:
                    problems.append((n, Reason(N_("code %(code)s already belongs to a unit"), code=code or "?")))
                else:
                    result.ops.append(("recode", node.code, code))
                    result.recoded.append({"from": node.code, "to": code, "name": node.name})
                    result.db_code[code] = result.db_code.pop(node.code, node.code)
                    del nodes[node.code]
                    node.code = code
                    nodes[code] = node
                    for other in nodes.values():
                        if other.parent == step.get("unit"):
                            other.parent = code
        elif kind == "merge":
            _merge(n, step, nodes, problems, usable, create, rename, reparent, close, edge)
        elif kind == "split":
            _split(n, step, nodes, problems, usable, create, rename, reparent, close, edge)
        else:
            _remove_level(n, step, nodes, problems, close, reparent, edge)
    _check_dates(session, reorg, nodes, result)
    return result


def _merge(n, step, nodes, problems, usable, create, rename, reparent, close, edge) -> None:
    sources = step.get("sources") or []
    target = str(step.get("target") or "").strip()
    if not isinstance(sources, list) or not sources or not target:
        problems.append((n, Reason(N_("a merge needs its units and the unit they become"))))
        return
    if len(set(sources)) != len(sources):
        problems.append((n, Reason(N_("a unit is listed twice in the merge into %(code)s"), code=target)))
        return
    found = [usable(n, code) for code in sources]
    if any(node is None for node in found):
        return
    if target in nodes:
        node = usable(n, target)
        if node is None:
            return
    else:
        node = create(n, {**step, "code": target}, found[0])
        if node is None:
            return
    rename(node, step.get("name"))
    reparent(n, node, step.get("parent"))
    for source in found:
        if source.code != target:
            edge(n, source.code, target, Decimal(1))
            close(n, source, target)


def _split(n, step, nodes, problems, usable, create, rename, reparent, close, edge) -> None:
    source = usable(n, step.get("source"))
    parts = step.get("parts") or []
    if source is None:
        return
    if not isinstance(parts, list) or len(parts) < 2 or not all(isinstance(p, dict) for p in parts):
        problems.append((n, Reason(N_("a split of %(code)s needs at least two parts"), code=source.code)))
        return
    shares = [_share(p.get("share")) for p in parts]
    if any(s is None or s <= 0 for s in shares):
        problems.append((n, Reason(N_("every part of the split of %(code)s needs a share above 0"),
                                   code=source.code)))
        return
    if abs(sum(shares) - 1) > Decimal("0.000001"):
        problems.append((n, Reason(N_("the shares of the split of %(code)s sum to %(sum)s, not 1"),
                                   code=source.code, sum=f"{sum(shares):.4f}")))
        return
    codes = [str(p.get("code") or "").strip() for p in parts]
    if len(set(codes)) != len(codes):
        problems.append((n, Reason(N_("a part is listed twice in the split of %(code)s"), code=source.code)))
        return
    for part, share in zip(parts, _exact(shares)):
        code = str(part.get("code") or "").strip()
        if code == source.code:
            target = source
        elif code in nodes:
            target = usable(n, code)
        else:
            target = create(n, part, source)
        if target is None:
            return
        if target is not source:
            rename(target, part.get("name"))
            reparent(n, target, part.get("parent"))
        else:
            rename(source, part.get("name"))
        edge(n, source.code, target.code, share)
    if source.code not in codes:
        close(n, source, max(zip(shares, codes), key=lambda p: (p[0], [-ord(c) for c in p[1]]))[1])


def _remove_level(n, step, nodes, problems, close, reparent, edge) -> None:
    level, kind = step.get("level"), step.get("unit_kind")
    removed = [node for node in nodes.values() if node.open and node.level == level
               and (not kind or node.kind == kind)]
    if not removed:
        problems.append((n, Reason(N_("no open unit of level %(level)s to remove"), level=str(level))))
        return
    for node in sorted(removed, key=lambda x: x.code):
        if node.parent is None:
            problems.append((n, Reason(N_("unit %(code)s has no parent to take over its units"), code=node.code)))
            continue
        for child in sorted((c for c in nodes.values() if c.open and c.parent == node.code), key=lambda c: c.code):
            reparent(n, child, node.parent)
        edge(n, node.code, node.parent, Decimal(1))
        close(n, node, node.parent)


def _exact(shares: list[Decimal]) -> list[Decimal]:
    """Shares rounded to the stored ten decimals, the remainder on the largest: they sum to exactly 1."""
    rounded = [s.quantize(QUANTUM) for s in shares]
    largest = max(range(len(rounded)), key=lambda i: rounded[i])
    rounded[largest] += Decimal(1) - sum(rounded)
    return rounded


def _check_dates(session, reorg: Reorganisation, nodes, result: Plan) -> None:
    """A unit the event changes may not have a version that begins after the effective date: the event
    would rewrite later history (apply events in the order of their dates)."""
    touched = {result.db_code.get(op[1], op[1]) for op in result.ops if op[0] != "create"}
    if not touched or reorg.effective is None:
        return
    late = session.execute(
        select(Unit.code).join(UnitVersion, UnitVersion.unit_id == Unit.id)
        .where(Unit.code.in_(touched), UnitVersion.valid_from > reorg.effective).distinct()).scalars().all()
    for code in sorted(late):
        result.problems.append((None, Reason(N_("unit %(code)s changed after %(day)s: apply older events first"),
                                             code=code, day=reorg.effective.strftime("%d/%m/%Y"))))


# --- validate, preview, apply -----------------------------------------------------------------------


def validate(session, reorg: Reorganisation) -> list:
    """Every problem with the event, ``[(step number or None, Reason)]``; empty when it can be applied."""
    return plan(session, reorg).problems


def preview(session, reorg: Reorganisation) -> Plan:
    """The plan, with the open reports and accounts of the units it closes: nothing is written."""
    from core.accounts.models import Account
    from core.forms.models.form import Form
    from core.forms.models.period import Period
    from core.reporting.models import Report

    result = plan(session, reorg)
    closing = {result.db_code.get(c["code"], c["code"]): c for c in result.closed}  # by the code stored now
    plan_code = {db: c["code"] for db, c in closing.items()}
    if closing:
        taken = _taken(session, result)
        rows = session.execute(
            select(Report.id, Form.code, Form.id, Period.code, Period.id, Unit.code, Report.state)
            .join(Form, Form.id == Report.form_id).join(Period, Period.id == Report.period_id)
            .join(Unit, Unit.id == Report.unit_id)
            .where(Unit.code.in_(list(closing)), Report.state.in_(OPEN_STATES)).order_by(Unit.code, Report.id)).all()
        for report_id, form, form_id, period, period_id, unit, state in rows:
            unit = plan_code[unit]
            to = result.successor(unit)
            outcome = reorg.open_reports
            if outcome == "move" and (to is None or (form_id, period_id, to) in taken):
                outcome = "close"  # the successor has this report already: two cannot share (form, period, unit)
            if outcome == "move":
                taken.add((form_id, period_id, to))
            result.reports.append({"id": report_id, "form": form, "period": period, "unit": unit, "state": state,
                                   "outcome": outcome, "to": to if outcome == "move" else None})
        holders = dict(session.execute(select(Unit.code, UnitHolder.full_name).join(UnitHolder)
                                       .where(Unit.code.in_(list(closing)), UnitHolder.ended_at.is_(None))).all())
        for username, unit in session.execute(
                select(Account.username, Unit.code).join(Unit, Unit.id == Account.unit_id)
                .where(Unit.code.in_(list(closing)), Account.closed_at.is_(None)).order_by(Unit.code)).all():
            result.accounts.append({"username": username, "unit": plan_code[unit], "holder": holders.get(unit)})
    result.needs_accounts = [c["code"] for c in result.created]
    return result


def _taken(session, result: Plan) -> set:
    """(form, period, unit code) of the successors' own reports: a moved report may not collide with one."""
    from core.reporting.models import Report

    created = {c["code"] for c in result.created}  # a unit made by the event has no report yet
    successors = list({succ for (_pred, succ) in result.edges} - created)
    return set(session.execute(select(Report.form_id, Report.period_id, Unit.code).join(Unit, Unit.id == Report.unit_id)
                               .where(Unit.code.in_(successors))).all()) if successors else set()


def apply(session, reorg: Reorganisation, actor=None):
    """Carry the event out in the caller's transaction (the caller commits, or rolls back on any
    exception: nothing half-done). Refused when already applied or when :func:`validate` finds problems."""
    from core.hierarchy import units, versions

    if reorg.id is None:
        session.add(reorg)
        session.flush()
    claimed = session.execute(update(Reorganisation).where(Reorganisation.id == reorg.id,
                                                           Reorganisation.state == "draft")
                              .values(state="applied", applied_at=clock.utcnow(),
                                      applied_by=audit.current_actor().name if actor is None else actor.username)
                              .returning(Reorganisation.id)).first()
    if claimed is None:
        raise AlreadyApplied([(None, Reason(N_("reorganisation %(name)s was applied already"), name=reorg.name))])
    session.refresh(reorg)
    result = preview(session, reorg)
    if result.problems:
        raise ReorganisationError(result.problems)
    day, before = reorg.effective, reorg.effective - timedelta(days=1)
    by_code = {u.code: u for u in session.execute(select(Unit).where(Unit.code.in_(
        {op[1] for op in result.ops} | {op[-1] for op in result.ops if op[0] in ("create", "reparent") and op[-1]}
        | {code for edge in result.edges for code in edge}))).scalars()}
    with versions.on(session, day, reorg.id), audit.suppressed(session):
        fresh = []
        for op in result.ops:
            if op[0] == "create":
                _code, name, kind, level, parent = op[1:]
                unit = by_code[op[1]] = Unit(code=op[1], name=name, kind=kind, level=level, path="/", active=True,
                                             valid_from=day, parent=by_code.get(parent) if parent else None)
                session.add(unit)
                session.flush()
                unit.path = f"{unit.parent.path if unit.parent else '/'}{unit.id}/"
                fresh.append(unit)
            elif op[0] == "rename":
                by_code[op[1]].name = op[2]
            elif op[0] == "recode":
                unit = by_code[op[2]] = by_code.pop(op[1])
                unit.code = op[2]
                session.flush()  # the code is free before a new unit takes it
            elif op[0] == "reparent":
                session.flush()
                units.move(session, by_code[op[1]], by_code[op[2]])
            else:
                unit = by_code[op[1]]
                unit.active, unit.valid_to = False, before
        session.flush()
        if result.edges:
            session.execute(insert(UnitSuccession), [
                {"reorganisation_id": reorg.id, "predecessor_id": by_code[p].id, "successor_id": by_code[s].id,
                 "share": share} for (p, s), share in result.edges.items()])
    lineage_rows = recompute_lineage(session)
    _open_work(session, reorg, result, by_code, actor)
    audit.record("reorganisation.apply", "Reorganisation", reorg.id, {
        "name": reorg.name, "legal_basis": reorg.legal_basis, "effective": day.isoformat(),
        "created": [c["code"] for c in result.created], "closed": [c["code"] for c in result.closed],
        "moved": len(result.moved), "renamed": len(result.renamed), "edges": len(result.edges),
        "recoded": {r["from"]: r["to"] for r in result.recoded},
        "reports": {outcome: sum(1 for r in result.reports if r["outcome"] == outcome) for outcome in ("move", "close")},
        "accounts_locked": [a["username"] for a in result.accounts], "needs_accounts": result.needs_accounts,
        "lineage_rows": lineage_rows}, session=session)
    session.flush()
    return result


def _open_work(session, reorg: Reorganisation, result: Plan, by_code: dict, actor) -> None:
    """Open reports through the workflow service; accounts locked, holders' handover recorded."""
    from core.accounts import lifecycle
    from core.accounts.models import Account
    from core.reporting.models import Report
    from workflows import service

    basis = f"{reorg.legal_basis}, {reorg.effective.strftime('%d/%m/%Y')}"
    for row in result.reports:
        report = session.get(Report, row["id"])
        if row["outcome"] == "move":
            service.reassign(session, report, by_code[row["to"]], actor,
                             f"Sắp xếp đơn vị hành chính ({basis}): {row['unit']} → {row['to']}",
                             details={"reorganisation": reorg.id})
        else:
            service.close(session, report, actor,
                          f"Đơn vị {row['unit']} chấm dứt hoạt động do sắp xếp đơn vị hành chính ({basis})",
                          details={"reorganisation": reorg.id})
    closed = [by_code[c["code"]].id for c in result.closed]
    if not closed:
        return
    now = clock.utcnow()
    successors = {c["code"]: c["successor"] for c in result.closed}
    for holder in session.execute(select(UnitHolder).where(UnitHolder.unit_id.in_(closed),
                                                           UnitHolder.ended_at.is_(None))).scalars():
        with audit.suppressed(session):
            holder.ended_at = now
            session.flush()
        code = holder.unit.code
        audit.record("reorganisation.handover", "UnitHolder", holder.id, {
            "unit": code, "holder": holder.full_name, "to_unit": successors.get(code),
            "reorganisation": reorg.id}, session=session)
    for account in session.execute(select(Account).where(Account.unit_id.in_(closed),
                                                          Account.closed_at.is_(None))).scalars():
        lifecycle.lock(session, account, f"Đơn vị {account.unit.code} chấm dứt hoạt động từ "
                                         f"{reorg.effective.strftime('%d/%m/%Y')} ({reorg.legal_basis}); "
                                         f"bàn giao cho {successors.get(account.unit.code) or '—'}")


# --- lineage ----------------------------------------------------------------------------------------


def recompute_lineage(session) -> int:
    """Rebuild ``unit_lineage`` from every applied event's edges (docs/reorganisation.md "Lineage,
    precisely"); returns the rows written. ``map(u, d)``: the earliest applied event after ``d`` that
    has ``u`` as a predecessor sends it on, share by share, to where its successors' reports of that
    day go; with none, ``u`` counts for itself (no row)."""
    edges = session.execute(
        select(UnitSuccession.predecessor_id, UnitSuccession.successor_id, UnitSuccession.share,
               Reorganisation.effective, Reorganisation.id)
        .join(Reorganisation, Reorganisation.id == UnitSuccession.reorganisation_id)
        .where(Reorganisation.state == "applied")).all()
    events: dict[int, dict[tuple, dict]] = defaultdict(dict)  # unit → {(effective, event id): {succ: share}}
    for pred, succ, share, effective, event_id in edges:
        events[pred].setdefault((effective, event_id), {})[succ] = Decimal(share)
    timeline = {u: sorted(e) for u, e in events.items()}
    memo: dict[tuple, dict] = {}

    def mapped(unit: int, day: date | None) -> dict:
        """Where a report of ``unit`` dated ``day`` counts today (``day`` None: before every event)."""
        key = (unit, day)
        if key in memo:
            return memo[key]
        following = [e for e in timeline.get(unit, ()) if day is None or e[0] > day]
        if not following:
            memo[key] = {unit: Decimal(1)}
            return memo[key]
        first = following[0]
        out: dict[int, Decimal] = defaultdict(Decimal)
        for succ, share in events[unit][first].items():
            for current, part in mapped(succ, first[0]).items():
                out[current] += share * part
        memo[key] = dict(out)
        return memo[key]

    rows = []
    for unit, stops in timeline.items():
        start = None
        for effective, _event in stops:
            target = mapped(unit, None if start is None else start)
            if target != {unit: Decimal(1)}:
                exact = dict(zip(target, _exact(list(target.values()))))
                rows.extend({"unit_id": unit, "current_unit_id": current, "share": share, "reported_from": start,
                             "reported_to": effective - timedelta(days=1)} for current, share in exact.items())
            start = effective
    session.execute(delete(UnitLineage))
    if rows:
        session.execute(insert(UnitLineage), rows)
    return len(rows)


def lineage_sums(session) -> list[tuple]:
    """``(unit, reported_to, Σ share)`` per interval: each must be exactly 1 (the province total holds)."""
    return session.execute(select(UnitLineage.unit_id, UnitLineage.reported_to, func.sum(UnitLineage.share))
                           .group_by(UnitLineage.unit_id, UnitLineage.reported_to)).all()
