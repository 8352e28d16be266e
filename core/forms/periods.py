"""Reporting periods: read a code, date it by the rules in force, list and find periods.

Pure logic, no database. A period's dates come from :class:`~core.contracts.PeriodRule`
data: core's national rules (:mod:`core.defaults.periods`) overridden, type by
type, by the enabled province plugin's ``period_rules`` answer (:func:`rules`).

Codes (CONTRACT, DHIS2-style ISO): ``2026``, ``2026S1``, ``2026S2``, ``2026Q3``,
``202603``; ours: ``2026N9`` (nine months) and ``2021-2025`` (phase). Anything
else of 1–40 characters from ``[A-Za-z0-9_-]`` is an ad-hoc code, except that a
code shaped like an ISO period (all digits; a year directly followed by letters
and maybe digits, as DHIS2's ``2026W10``; a year, a hyphen and digits) must be
one of the valid codes above: ``202613``, ``2026q3`` and ``2026W10`` are
errors, not ad-hoc codes, while ``2026-DX01`` or ``DX_2026_01`` are ad-hoc.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import NamedTuple

from core.contracts import Period, PeriodDate, PeriodRule, PeriodType

MIN_YEAR, MAX_YEAR = 1900, 2999

_ADHOC = re.compile(r"[A-Za-z0-9_-]{1,40}")
_RESERVED = re.compile(r"\d+|\d{4}[A-Za-z]+\d*|\d{4}-\d*")
_CANONICAL = [
    (re.compile(r"(\d{4})"), PeriodType.YEARLY),
    (re.compile(r"(\d{4})(\d{2})"), PeriodType.MONTHLY),
    (re.compile(r"(\d{4})Q(\d)"), PeriodType.QUARTERLY),
    (re.compile(r"(\d{4})S(\d)"), PeriodType.SIX_MONTHLY),
    (re.compile(r"(\d{4})N(9)"), PeriodType.NINE_MONTH),
    (re.compile(r"(\d{4})-(\d{4})"), PeriodType.PHASE),
]
#: Periods per year for the types with an index.
_PER_YEAR = {PeriodType.MONTHLY: 12, PeriodType.QUARTERLY: 4, PeriodType.SIX_MONTHLY: 2}
_EXPECTED = ("expected YYYY, YYYYMM, YYYYQ1-4, YYYYS1-2, YYYYN9, YYYY-YYYY "
             "or an ad-hoc code of 1-40 letters, digits, '_' or '-'")


class ParsedCode(NamedTuple):
    """What a code says. ``index``: month 1–12, quarter 1–4, half 1–2, a phase's
    last year; None for nine months and years. Ad-hoc codes: year and index None."""

    type: PeriodType
    year: int | None
    index: int | None


def parse(code: str) -> ParsedCode:
    """Read a period code; ValueError naming the code when it is not a valid one."""
    if not isinstance(code, str) or not _ADHOC.fullmatch(code):
        raise ValueError(f"invalid period code {code!r}: {_EXPECTED}")
    if not _RESERVED.fullmatch(code):
        return ParsedCode(PeriodType.ADHOC, None, None)
    for pattern, kind in _CANONICAL:
        match = pattern.fullmatch(code)
        if match:
            break
    else:
        raise ValueError(f"invalid period code {code!r}: it looks like an ISO period but is none of "
                         "YYYY, YYYYMM, YYYYQ1-4, YYYYS1-2, YYYYN9, YYYY-YYYY (ad-hoc codes must not look like one)")
    year = int(match.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"invalid period code {code!r}: year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    if kind is PeriodType.YEARLY:
        return ParsedCode(kind, year, None)
    if kind is PeriodType.NINE_MONTH:
        return ParsedCode(kind, year, None)
    index = int(match.group(2))
    if kind is PeriodType.PHASE:
        if not year < index <= MAX_YEAR:
            raise ValueError(f"invalid period code {code!r}: a phase's last year must come after its first")
        return ParsedCode(kind, year, index)
    if not 1 <= index <= _PER_YEAR[kind]:
        what = {PeriodType.MONTHLY: "month", PeriodType.QUARTERLY: "quarter", PeriodType.SIX_MONTHLY: "half"}[kind]
        raise ValueError(f"invalid period code {code!r}: {what} must be 1-{_PER_YEAR[kind]}, not {index}")
    return ParsedCode(kind, year, index)


def code_for(kind: PeriodType | str, year: int, index: int | None = None) -> str:
    """The code of a period: ``code_for("quarterly", 2026, 3) == "2026Q3"``."""
    kind = PeriodType(kind)
    code = {
        PeriodType.YEARLY: lambda: f"{year:04d}",
        PeriodType.MONTHLY: lambda: f"{year:04d}{index:02d}",
        PeriodType.QUARTERLY: lambda: f"{year:04d}Q{index}",
        PeriodType.SIX_MONTHLY: lambda: f"{year:04d}S{index}",
        PeriodType.NINE_MONTH: lambda: f"{year:04d}N9",
        PeriodType.PHASE: lambda: f"{year:04d}-{index:04d}",
    }.get(kind)
    if code is None:
        raise ValueError("ad-hoc period codes are chosen by whoever creates the period")
    result = code()
    parse(result)
    return result


def per_year(kind: PeriodType | str) -> int | None:
    """How many periods of ``kind`` a year has (12, 4, 2), or None when they have no index."""
    return _PER_YEAR.get(PeriodType(kind))


def check_indexes(kind: PeriodType | str, indexes) -> str | None:
    """Why ``indexes`` cannot limit a ``kind`` schedule, or None: months 1–12, quarters 1–4, halves 1–2."""
    kind = PeriodType(kind)
    if not indexes:
        return None
    if kind not in _PER_YEAR:
        return f"{kind.value} periods have no index within the year"
    bad = sorted(i for i in indexes if not 1 <= i <= _PER_YEAR[kind])
    return f"{kind.value} indexes must be 1-{_PER_YEAR[kind]}, not {', '.join(map(str, bad))}" if bad else None


def rules() -> tuple[PeriodRule, ...]:
    """The rules in force: the ``period_rules`` answer, national rules for the types it leaves out.

    Needs an app context (it asks the current app's plugins).
    """
    from core.platform import plugin_admin

    return merge(plugin_admin.registry().hook.period_rules())


def merge(answer: Iterable[PeriodRule] | None) -> tuple[PeriodRule, ...]:
    """``answer``'s rules, plus the national rules of every type it has no rule for."""
    from core.defaults.periods import NATIONAL_RULES

    answer = tuple(answer or ())
    seen: set[tuple[PeriodType, int | None]] = set()
    for rule in answer:
        if not isinstance(rule, PeriodRule):
            raise ValueError(f"period_rules must return PeriodRule objects, not {type(rule).__name__}")
        key = (PeriodType(rule.type), rule.index)
        if key in seen:
            raise ValueError(f"two period rules for {key[0].value}"
                             + (f" index {rule.index}" if rule.index is not None else ""))
        seen.add(key)
    covered = {kind for kind, _ in seen}
    return answer + tuple(r for r in NATIONAL_RULES if PeriodType(r.type) not in covered)


def _rule_for(kind: PeriodType, index: int | None, ruleset: Iterable[PeriodRule]) -> PeriodRule:
    general = None
    for rule in ruleset:
        if PeriodType(rule.type) is not kind:
            continue
        if index is not None and rule.index == index:
            return rule
        if rule.index is None and general is None:
            general = rule
    if general is None:
        raise ValueError(f"no period rule for {kind.value}" + (f" index {index}" if index is not None else ""))
    return general


def _months(kind: PeriodType, year: int, index: int | None) -> tuple[tuple[int, int], tuple[int, int]]:
    """First and last calendar month (year, month) a period covers."""
    if kind is PeriodType.MONTHLY:
        return (year, index), (year, index)
    if kind is PeriodType.QUARTERLY:
        return (year, 3 * index - 2), (year, 3 * index)
    if kind is PeriodType.SIX_MONTHLY:
        return (year, 6 * index - 5), (year, 6 * index)
    if kind is PeriodType.NINE_MONTH:
        return (year, 1), (year, 9)
    if kind is PeriodType.YEARLY:
        return (year, 1), (year, 12)
    if kind is PeriodType.PHASE:
        return (year, 1), (index, 12)
    raise ValueError(f"{kind.value} periods have no calendar months")


def resolve(ref: PeriodDate, first: tuple[int, int], last: tuple[int, int]) -> date:
    """The date a :class:`PeriodDate` names for a period covering months ``first``..``last``."""
    year, month = first if ref.anchor == "first" else last
    total = year * 12 + (month - 1) + ref.months
    year, month = divmod(total, 12)
    month += 1
    day = min(ref.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(days=ref.days)


def name_of(kind: PeriodType, year: int, index: int | None) -> str:
    """Vietnamese name of a period (data, shown as is)."""
    if kind is PeriodType.MONTHLY:
        return f"Tháng {index} năm {year}"
    if kind is PeriodType.QUARTERLY:
        return f"Quý {index} năm {year}"
    if kind is PeriodType.SIX_MONTHLY:
        return f"6 tháng {'đầu' if index == 1 else 'cuối'} năm {year}"
    if kind is PeriodType.NINE_MONTH:
        return f"9 tháng năm {year}"
    if kind is PeriodType.YEARLY:
        return f"Năm {year}"
    if kind is PeriodType.PHASE:
        return f"Giai đoạn {year}-{index}"
    raise ValueError(f"{kind.value} periods are named by whoever creates them")


def build(code: str, ruleset: Iterable[PeriodRule]) -> Period:
    """The period ``code`` dated by ``ruleset`` (e.g. :func:`rules` or ``NATIONAL_RULES``)."""
    kind, year, index = parse(code)
    if kind is PeriodType.ADHOC:
        raise ValueError(f"ad-hoc period {code!r} has no rule: its dates are set when it is created")
    rule = _rule_for(kind, index if kind in _PER_YEAR else None, ruleset)
    first, last = _months(kind, year, index)
    dates = {name: resolve(getattr(rule, name), first, last)
             for name in ("start", "end", "deadline", "opens", "closes")}
    try:
        return Period(code=code, type=kind, name=name_of(kind, year, index), **dates)
    except ValueError as exc:
        raise ValueError(f"period rule for {kind.value} gives impossible dates: {exc}") from None


def _candidates(kind: PeriodType, first_year: int, last_year: int, ruleset: tuple[PeriodRule, ...]) -> list[str]:
    """Codes of every period of ``kind`` whose calendar year falls in the (padded) range."""
    lo, hi = max(MIN_YEAR, first_year - 2), min(MAX_YEAR - 1, last_year + 2)
    if kind is PeriodType.PHASE:
        rule = _rule_for(kind, None, ruleset)
        n, anchor = rule.cycle_years, rule.cycle_start
        begin = anchor + ((lo - anchor) // n) * n - n
        return [code_for(kind, y, y + n - 1) for y in range(begin, hi + 1, n)
                if MIN_YEAR <= y and y + n - 1 <= MAX_YEAR]
    if kind in _PER_YEAR:
        return [code_for(kind, y, i) for y in range(lo, hi + 1) for i in range(1, _PER_YEAR[kind] + 1)]
    return [code_for(kind, y) for y in range(lo, hi + 1)]


def periods_between(kind: PeriodType | str, start: date, end: date,
                    ruleset: Iterable[PeriodRule]) -> list[Period]:
    """Periods of ``kind`` whose data range overlaps ``start``..``end`` (inclusive), oldest first.

    ``periods_between(kind, day, day, r) == [containing(kind, day, r)]``. Under the
    national rule, the months of data year 2026 are
    ``periods_between("monthly", date(2025, 12, 15), date(2026, 12, 14), r)``.
    """
    kind = PeriodType(kind)
    if kind is PeriodType.ADHOC:
        raise ValueError("ad-hoc periods are not generated from rules")
    if start > end:
        raise ValueError(f"range starts {start} after it ends {end}")
    ruleset = tuple(ruleset)
    found = [p for p in (build(c, ruleset) for c in _candidates(kind, start.year, end.year, ruleset))
             if p.start <= end and p.end >= start]
    return sorted(found, key=lambda p: (p.start, p.end))


def containing(kind: PeriodType | str, day: date, ruleset: Iterable[PeriodRule]) -> Period:
    """The period of ``kind`` whose data range holds ``day``; ValueError when none or several do."""
    kind = PeriodType(kind)
    found = periods_between(kind, day, day, ruleset)
    if not found:
        raise ValueError(f"no {kind.value} period holds data of {day.isoformat()}")
    if len(found) > 1:
        raise ValueError(f"{kind.value} periods overlap on {day.isoformat()}: "
                         + ", ".join(p.code for p in found))
    return found[0]
