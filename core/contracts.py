"""Data that plugins hand to core.

Plugins return these frozen dataclasses from their hooks and never touch the
database: core validates them, stores what must be stored and acts on them.
Keeping every shape in one module makes the plugin API readable in one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


@dataclass(frozen=True)
class PluginInfo:
    """Who a plugin is: shown on the Plugins screen and its information page."""

    name: str
    title: str
    version: str = "0.1.0"
    description: str = ""
    #: The regulation the plugin implements, e.g. "QĐ 09/2022/QĐ-UBND".
    regulation: str = ""
    #: Issuing authority of that regulation.
    issuer: str = ""
    #: GSO code of the province whose real units ``baocao init`` loads (empty: not a province plugin).
    province_code: str = ""


@dataclass(frozen=True)
class Feature:
    """A part of a plugin another province can switch on alone, e.g. Hà Nội's deadlines.

    A plugin lists its features in ``FEATURES = {"deadlines": Feature(...)}``; each appears on the
    Plugins screen as ``<plugin>.<name>`` and, when on, contributes only ``hooks``.
    """

    title: str
    hooks: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class Contact:
    """Where users turn for help or to report an incident (REQUIREMENTS S9)."""

    organisation: str
    role: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    hours: str = ""
    note: str = ""


@dataclass(frozen=True)
class ScheduledJob:
    """A job to run on a schedule, in cron syntax, evaluated in the app's time zone.

    ``func`` is a dotted path (``"package.module:function"``) so that the job
    can cross a process boundary; it is called with ``kwargs`` inside an app
    context and must be idempotent: it may run twice after a worker crash.
    """

    name: str
    cron: str
    func: str
    kwargs: dict = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class Level:
    """One tier of a province's hierarchy, top first (REQUIREMENTS H1).

    ``kinds`` are the unit kinds that sit at this tier (a department and a
    district can share one); ``reviewed_by`` names the tier whose reviewers
    approve reports of this tier's units (None at the top).
    """

    code: str
    name: str
    kinds: tuple[str, ...]
    reviewed_by: str | None = None


@dataclass(frozen=True)
class UnitSpec:
    """An agency of the province that is not an administrative division (H1, H3).

    vietnam-provinces knows the province, its districts and communes; the sở, ban, ngành that
    report and verify their sector's data come from the plugin. ``parent_code`` None puts the unit
    directly under the province's root unit (the board).
    """

    code: str
    name: str
    kind: str = "department"
    parent_code: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class PasswordPolicy:
    """How strong passwords must be and how accounts are protected (REQUIREMENTS A3, A4).

    Core's default is the stricter reading of the regulations; a province
    plugin answers ``password_policy`` to apply its own (Cao Bằng: 8
    characters; Hà Nội: 10; both change at least every 6 months).
    """

    min_length: int = 10
    require_upper: bool = True
    require_lower: bool = True
    require_digit: bool = True
    require_special: bool = True
    #: Days after which a password must be changed at next login; None: never expires.
    max_age_days: int | None = 180
    #: How many previous passwords may not be reused (the current one included).
    history: int = 5
    #: Failed logins in a row from one address after which that address waits, and for how long
    #: (doubling with each further failure); also how long failures from many addresses lock the
    #: account (core.accounts.lockout).
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    #: Days before expiry from which every page warns the user.
    warn_days: int = 14


class PeriodType(StrEnum):
    """Kinds of reporting period (REQUIREMENTS F3, F5) and the shape of their codes.

    Codes are DHIS2-style ISO periods (CONTRACT): ``202603`` (month), ``2026Q3``
    (quarter), ``2026S1``/``2026S2`` (half year), ``2026`` (year). Two are ours:
    ``2026N9`` for the nine-month report of Vietnamese regimes (DHIS2 has no
    nine-month period) and ``2021-2025`` for a multi-year phase (giai đoạn).
    Ad-hoc periods (thematic, đột xuất) carry any code of 1–40 characters from
    ``[A-Za-z0-9_-]`` that does not have one of the shapes above; whoever
    creates one chooses its code and dates.
    """

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SIX_MONTHLY = "six_monthly"
    NINE_MONTH = "nine_month"
    YEARLY = "yearly"
    PHASE = "phase"
    ADHOC = "adhoc"


@dataclass(frozen=True)
class Period:
    """One reporting period, as core builds it from its code and the rules in force.

    ``start``..``end`` is the DATA range (both inclusive): events in it are
    counted in the period's reports. ``deadline`` is the day reports are due
    (a report submitted after it is late). ``opens``..``closes`` (inclusive)
    is the entry window: the days units may enter and submit; submissions
    between ``deadline`` and ``closes`` are accepted and flagged late.
    """

    code: str
    type: PeriodType
    #: Vietnamese, e.g. "Quý 3 năm 2026", "Tháng 3 năm 2026", "6 tháng đầu năm 2026".
    name: str
    start: date
    end: date
    deadline: date
    opens: date
    closes: date

    def __post_init__(self):
        if self.start > self.end:
            raise ValueError(f"period {self.code}: data range starts {self.start} after it ends {self.end}")
        if self.opens > self.closes:
            raise ValueError(f"period {self.code}: entry window opens {self.opens} after it closes {self.closes}")


@dataclass(frozen=True)
class PeriodDate:
    """A day named relative to a period's calendar months, so that a rule is plain data.

    A period covers calendar months: March for ``202603``, July to September
    for ``2026Q3``, January to December for ``2026``, January 2021 to December
    2025 for ``2021-2025``. ``anchor`` picks the first (``"first"``) or last
    (``"last"``) of them; ``months`` moves from there (-1: the month before);
    ``day`` is the day of that month, clamped to its length (31: its last
    day); finally ``days`` is added. ``PeriodDate("first", -1, 15)`` is the
    15th of the month before the period; ``PeriodDate("last", 0, 20)`` the
    20th of its last month; ``PeriodDate("last", 0, 31, days=10)`` ten days
    after its last month ends.
    """

    anchor: str
    months: int = 0
    day: int = 1
    days: int = 0

    def __post_init__(self):
        if self.anchor not in ("first", "last"):
            raise ValueError(f"PeriodDate anchor must be 'first' or 'last', not {self.anchor!r}")
        if not 1 <= self.day <= 31:
            raise ValueError(f"PeriodDate day must be 1..31, not {self.day}")


#: Entry window when a rule names none: from the 1st of the period's last month
#: to the last day of the month after it (late submissions are still accepted).
DEFAULT_OPENS = PeriodDate("last", 0, 1)
DEFAULT_CLOSES = PeriodDate("last", 1, 31)


@dataclass(frozen=True)
class PeriodRule:
    """How to date the periods of one type (REQUIREMENTS F3, F4), as data that crosses processes.

    A plugin answers ``period_rules`` with a list of these. ``index`` narrows
    a rule to one period of the year (quarter 1..4, month 1..12, half 1..2);
    a rule with an index beats the rule without one for the same type. For
    ``phase``, ``cycle_years`` and ``cycle_start`` say which phases follow
    each other when core lists them (five-year plans 2021-2025, 2026-2030, …);
    any ``YYYY-YYYY`` code can still be built. Ad-hoc periods have no rule.
    """

    type: PeriodType
    start: PeriodDate
    end: PeriodDate
    deadline: PeriodDate
    opens: PeriodDate = DEFAULT_OPENS
    closes: PeriodDate = DEFAULT_CLOSES
    index: int | None = None
    cycle_years: int = 5
    cycle_start: int = 2021

    def __post_init__(self):
        kind = PeriodType(self.type)  # ValueError for an unknown type
        if kind is PeriodType.ADHOC:
            raise ValueError("ad-hoc periods have no rule: their dates are set when one is created")
        most = {PeriodType.MONTHLY: 12, PeriodType.QUARTERLY: 4, PeriodType.SIX_MONTHLY: 2}.get(kind)
        if self.index is not None and (most is None or not 1 <= self.index <= most):
            raise ValueError(f"PeriodRule for {kind.value}: index {self.index} is not allowed")
        if self.cycle_years < 2:
            raise ValueError("PeriodRule cycle_years must be at least 2 (a phase spans several years)")


# --- forms (REQUIREMENTS F1, F2, F7) -------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One option of a choice list or of a disaggregation category."""

    code: str
    label: str


@dataclass(frozen=True)
class CategorySpec:
    """A dimension of disaggregation (ethnic group, sex), like a DHIS2 category."""

    code: str
    name: str
    options: tuple[Choice, ...]


@dataclass(frozen=True)
class ComboSpec:
    """Categories crossed into a grid (ethnic group × sex), like a DHIS2 category combo."""

    code: str
    name: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class IndicatorSpec:
    """A statistical indicator shared by forms and years (F2)."""

    code: str
    name: str
    definition: str = ""
    method: str = ""
    unit_of_measure: str = ""
    sector: str = ""


@dataclass(frozen=True)
class FieldSpec:
    """One field. ``type`` is one of integer, decimal, percent, text, long_text, date, choice,
    yes_no, file. ``combo`` names a :class:`ComboSpec`: the field is then entered as a grid with
    one cell per option combination. ``indicator`` names an :class:`IndicatorSpec`."""

    code: str
    label: str
    type: str = "integer"
    required: bool = False
    min: float | None = None
    max: float | None = None
    unit_of_measure: str = ""
    help: str = ""
    choices: tuple[Choice, ...] = ()
    combo: str | None = None
    indicator: str | None = None


@dataclass(frozen=True)
class SectionSpec:
    code: str
    title: str
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True)
class RuleSpec:
    """A cross-field check in the safe expression language of :mod:`core.forms.expressions`,
    e.g. ``poor_households <= households`` or ``sum(by_ethnicity) == total``."""

    code: str
    expression: str
    message: str


@dataclass(frozen=True)
class ScheduleSpec:
    """The form falls due every ``period_type`` from units of these hierarchy ``levels`` (F7).

    ``indexes`` limits it to some periods of the year: months 1–12, quarters 1–4, halves 1–2
    (Hà Nội's religion report: quý I and quý III only). Empty: every period of the type.
    """

    period_type: str
    levels: tuple[str, ...]
    indexes: tuple[int, ...] = ()


@dataclass(frozen=True)
class FormSpec:
    """A whole form as a plugin registers it (``register_forms``) or a workbook describes it.

    Categories, combos and indicators it uses travel with it and are matched by code.
    """

    code: str
    name: str
    sections: tuple[SectionSpec, ...]
    rules: tuple[RuleSpec, ...] = ()
    sector: str = ""
    description: str = ""
    categories: tuple[CategorySpec, ...] = ()
    combos: tuple[ComboSpec, ...] = ()
    indicators: tuple[IndicatorSpec, ...] = ()
    schedules: tuple[ScheduleSpec, ...] = ()


@dataclass(frozen=True)
class CalendarDay:
    """A day that breaks the Monday-to-Friday rule (A8): a holiday on a weekday, or a Saturday worked.

    ``working`` True makes a weekend day a working day (the government's make-up Saturdays);
    False makes a weekday a day off (public holidays, a province's own days off).
    """

    day: date
    working: bool
    name: str = ""
