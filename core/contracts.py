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

    #: The plugin's name: the module or entry-point name, as in ``baocao plugins enable NAME``.
    name: str
    #: Vietnamese title of the system the plugin sets up, shown on the Plugins screen and help pages.
    title: str
    #: The plugin's own version, shown by ``baocao plugins list``.
    version: str = "0.1.0"
    #: A Vietnamese sentence or two on what the plugin covers.
    description: str = ""
    #: The regulation the plugin implements, e.g. "QĐ 09/2022/QĐ-UBND".
    regulation: str = ""
    #: Issuing authority of that regulation.
    issuer: str = ""
    #: GSO code of the province whose real units ``baocao init`` loads (empty: not a province plugin).
    province_code: str = ""
    #: The name of the province's root unit, the body at the top of the tree that receives and approves
    #: the province's reports, e.g. "Ban Dân tộc tỉnh Điện Biên". Empty: the province's own name
    #: ("Tỉnh Điện Biên"). Its code stays the GSO code (``province_code``), the parent of every commune.
    root_name: str = ""


@dataclass(frozen=True)
class Feature:
    """A part of a plugin another province can switch on alone, e.g. Hà Nội's deadlines.

    A plugin lists its features in ``FEATURES = {"deadlines": Feature(...)}``; each appears on the
    Plugins screen as ``<plugin>.<name>`` and, when on, contributes only ``hooks``.
    """

    #: Vietnamese title shown on the Plugins screen.
    title: str
    #: Names of the hooks (of ``core/hookspecs.py``) the feature contributes when it is on.
    hooks: tuple[str, ...]
    #: A longer Vietnamese description.
    description: str = ""


@dataclass(frozen=True)
class Contact:
    """Where users turn for help or to report an incident (REQUIREMENTS S9)."""

    #: The body to turn to, e.g. "Ban Dân tộc tỉnh Cao Bằng".
    organisation: str
    #: What it helps with, e.g. "Quản trị hệ thống".
    role: str = ""
    #: Postal address.
    address: str = ""
    #: Telephone number, as it should be dialled.
    phone: str = ""
    #: E-mail address.
    email: str = ""
    #: When it answers, e.g. "Giờ hành chính các ngày làm việc".
    hours: str = ""
    #: Anything else users should know.
    note: str = ""


@dataclass(frozen=True)
class ScheduledJob:
    """A job to run on a schedule, in cron syntax, evaluated in the app's time zone.

    ``func`` is a dotted path (``"package.module:function"``) so that the job
    can cross a process boundary; it is called with ``kwargs`` inside an app
    context and must be idempotent: it may run twice after a worker crash.
    """

    #: Unique among all enabled plugins' jobs, e.g. ``"lao_cai.weekly_export"``.
    name: str
    #: Five-field cron text (minute hour day month weekday) in the app's time zone, e.g. ``"0 22 * * 5"``.
    cron: str
    #: ``"package.module:function"`` called inside an app context.
    func: str
    #: Keyword arguments for ``func`` (JSON-compatible values).
    kwargs: dict = field(default_factory=dict)
    #: What the job does, for operators.
    description: str = ""


@dataclass(frozen=True)
class Level:
    """One tier of a province's hierarchy, top first (REQUIREMENTS H1).

    ``kinds`` are the unit kinds that sit at this tier (a department and a
    district can share one); ``reviewed_by`` names the tier whose reviewers
    approve reports of this tier's units (None at the top).
    """

    #: The tier's code, used by ``approval_chain``, ``ScheduleSpec.levels`` and ``reviewed_by``, e.g. ``"commune"``.
    code: str
    #: Vietnamese name, e.g. "Cấp xã".
    name: str
    #: Unit kinds at this tier: ``board`` (the root unit, see ``PluginInfo.root_name``), ``department``,
    #: ``district``, ``commune`` (wards and special zones import as communes).
    kinds: tuple[str, ...]
    #: The code of the tier that reviews this tier's reports; None at the top.
    reviewed_by: str | None = None


@dataclass(frozen=True)
class UnitSpec:
    """An agency of the province that is not an administrative division (H1, H3).

    vietnam-provinces knows the province, its districts and communes; the sở, ban, ngành that
    report and verify their sector's data come from the plugin. ``parent_code`` None puts the unit
    directly under the province's root unit (the board).
    """

    #: The unit's code, unique in the province (GSO codes are taken by administrative units).
    code: str
    #: Vietnamese name, e.g. "Sở Y tế".
    name: str
    #: A unit kind that some ``Level`` of the hierarchy lists.
    kind: str = "department"
    #: The parent unit's code; None: directly under the root unit.
    parent_code: str | None = None
    #: The sector whose forms the unit verifies across the province (H3), e.g. ``"y_te"``; a form's ``sector``.
    sector: str | None = None


@dataclass(frozen=True)
class PasswordPolicy:
    """How strong passwords must be and how accounts are protected (REQUIREMENTS A3, A4).

    Core's default is the stricter reading of the regulations; a province
    plugin answers ``password_policy`` to apply its own (Cao Bằng: 8
    characters; Hà Nội: 10; both change at least every 6 months).
    """

    #: Fewest characters a password may have (rule code ``min_length``).
    min_length: int = 10
    #: At least one upper-case letter, Vietnamese letters included (rule code ``upper``).
    require_upper: bool = True
    #: At least one lower-case letter (rule code ``lower``).
    require_lower: bool = True
    #: At least one digit 0–9 (rule code ``digit``).
    require_digit: bool = True
    #: At least one character that is neither a letter nor a digit (rule code ``special``).
    require_special: bool = True
    #: Days after which a password must be changed at next login; None: never expires.
    max_age_days: int | None = 180
    #: How many previous passwords may not be reused (the current one included).
    history: int = 5
    #: Failed logins in a row from one address after which that address waits, and for how long
    #: (doubling with each further failure); also how long failures from many addresses lock the
    #: account (core.accounts.lockout).
    lockout_threshold: int = 5
    #: Minutes an address (or a locked account) waits after ``lockout_threshold`` failures.
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

    #: The period's code, e.g. ``2026Q3`` (see :class:`PeriodType`).
    code: str
    #: Its kind.
    type: PeriodType
    #: Vietnamese, e.g. "Quý 3 năm 2026", "Tháng 3 năm 2026", "6 tháng đầu năm 2026".
    name: str
    #: First day of the data range.
    start: date
    #: Last day of the data range.
    end: date
    #: The day reports are due; later submissions are flagged late.
    deadline: date
    #: First day units may enter and submit.
    opens: date
    #: Last day units may enter and submit.
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

    #: ``"first"`` or ``"last"``: the period's first or last calendar month.
    anchor: str
    #: Months to move from the anchor month (-1: the month before, 1: the month after).
    months: int = 0
    #: Day of that month, 1–31, clamped to the month's length (31: its last day).
    day: int = 1
    #: Days added at the end (may be negative).
    days: int = 0

    def __post_init__(self):
        if self.anchor not in ("first", "last"):
            raise ValueError(f"PeriodDate anchor must be 'first' or 'last', not {self.anchor!r}")
        if not 1 <= self.day <= 31:
            raise ValueError(f"PeriodDate day must be 1..31, not {self.day}")


#: Where the entry window opens when a rule names none: the 1st of the period's last month.
DEFAULT_OPENS = PeriodDate("last", 0, 1)
#: Where it closes when a rule names none: the last day of the month after the period's last month
#: (submissions after the deadline are still accepted, and flagged late).
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

    #: The period type the rule dates (any but ``adhoc``).
    type: PeriodType
    #: First day of the data range.
    start: PeriodDate
    #: Last day of the data range.
    end: PeriodDate
    #: The day reports are due.
    deadline: PeriodDate
    #: First day of the entry window (default: the 1st of the period's last month).
    opens: PeriodDate = DEFAULT_OPENS
    #: Last day of the entry window (default: the last day of the month after the period's last month).
    closes: PeriodDate = DEFAULT_CLOSES
    #: Only this period of the year: month 1–12, quarter 1–4, half 1–2; None: every period of the type.
    index: int | None = None
    #: For ``phase``: how many years a phase spans.
    cycle_years: int = 5
    #: For ``phase``: the first year of one phase of the cycle.
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

    #: What is stored and exchanged, e.g. ``"kinh"``.
    code: str
    #: What users see, e.g. "Kinh".
    label: str


@dataclass(frozen=True)
class CategorySpec:
    """A dimension of disaggregation (ethnic group, sex), like a DHIS2 category."""

    #: The category's code, named by ``ComboSpec.categories``.
    code: str
    #: Vietnamese name, e.g. "Dân tộc".
    name: str
    #: Its options, in display order.
    options: tuple[Choice, ...]


@dataclass(frozen=True)
class ComboSpec:
    """Categories crossed into a grid (ethnic group × sex), like a DHIS2 category combo."""

    #: The combo's code, named by ``FieldSpec.combo``.
    code: str
    #: Vietnamese name.
    name: str
    #: Codes of the crossed ``CategorySpec``s, rows first.
    categories: tuple[str, ...]


@dataclass(frozen=True)
class IndicatorSpec:
    """A statistical indicator shared by forms and years (F2)."""

    #: The indicator's code, named by ``FieldSpec.indicator``.
    code: str
    #: Vietnamese name.
    name: str
    #: What it measures.
    definition: str = ""
    #: How it is computed or collected.
    method: str = ""
    #: e.g. "hộ", "người", "%".
    unit_of_measure: str = ""
    #: The sector that owns it, e.g. ``"dan_toc"``.
    sector: str = ""


@dataclass(frozen=True)
class FieldSpec:
    """One field. ``type`` is one of integer, decimal, percent, text, long_text, date, choice,
    yes_no, file. ``combo`` names a :class:`ComboSpec`: the field is then entered as a grid with
    one cell per option combination. ``indicator`` names an :class:`IndicatorSpec`."""

    #: Unique in the form; letters, digits and ``_``; the name rule expressions and the API use.
    code: str
    #: Vietnamese label shown on the entry screen.
    label: str
    #: One of the field type codes (below).
    type: str = "integer"
    #: A report cannot be submitted without it (409 naming the field).
    required: bool = False
    #: Smallest value allowed (numbers), inclusive.
    min: float | None = None
    #: Largest value allowed (numbers), inclusive.
    max: float | None = None
    #: Shown beside the value, e.g. "hộ".
    unit_of_measure: str = ""
    #: Help text under the field.
    help: str = ""
    #: The options of a ``choice`` field.
    choices: tuple[Choice, ...] = ()
    #: Code of a ``ComboSpec``: the field is a grid with one cell per option combination.
    combo: str | None = None
    #: Code of an ``IndicatorSpec`` the field reports.
    indicator: str | None = None


@dataclass(frozen=True)
class SectionSpec:
    """A titled group of fields on the entry screen, in order."""

    #: Unique in the form.
    code: str
    #: Vietnamese title.
    title: str
    #: Its fields, in display order.
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True)
class RuleSpec:
    """A cross-field check in the safe expression language of :mod:`core.forms.expressions`,
    e.g. ``poor_households <= households`` or ``sum(by_ethnicity) == total``."""

    #: Unique in the form.
    code: str
    #: Must be true for the values to be saved: fields by code; functions ``sum``, ``count``, ``min``, ``max``,
    #: ``abs``, ``round``; ``and``/``or``/``not``, comparisons and arithmetic (docs/forms.md).
    expression: str
    #: Vietnamese message shown (and answered as a 422) when the expression is false.
    message: str


@dataclass(frozen=True)
class ScheduleSpec:
    """The form falls due every ``period_type`` from units of these hierarchy ``levels`` (F7).

    ``indexes`` limits it to some periods of the year: months 1–12, quarters 1–4, halves 1–2
    (Hà Nội's religion report: quý I and quý III only). Empty: every period of the type.
    """

    #: A :class:`PeriodType` value: ``monthly``, ``quarterly``, ``six_monthly``, ``nine_month``, ``yearly``,
    #: ``phase`` (not ``adhoc``: ad-hoc reports are sent as requests).
    period_type: str
    #: ``Level.code``s whose units report the form.
    levels: tuple[str, ...]
    #: Only these periods of the year; empty: all.
    indexes: tuple[int, ...] = ()


@dataclass(frozen=True)
class FormSpec:
    """A whole form as a plugin registers it (``register_forms``) or a workbook describes it.

    Categories, combos and indicators it uses travel with it and are matched by code.
    """

    #: The form's code, unique in the system, e.g. ``"DB-DT01"``; the API's ``form`` parameter.
    code: str
    #: Vietnamese name.
    name: str
    #: Its sections, in display order.
    sections: tuple[SectionSpec, ...]
    #: Cross-field checks run at every save.
    rules: tuple[RuleSpec, ...] = ()
    #: The sector it belongs to (``UnitSpec.sector``): that sector's department verifies it.
    sector: str = ""
    #: Vietnamese description.
    description: str = ""
    #: Categories its combos cross.
    categories: tuple[CategorySpec, ...] = ()
    #: Combos its fields use.
    combos: tuple[ComboSpec, ...] = ()
    #: Indicators its fields report.
    indicators: tuple[IndicatorSpec, ...] = ()
    #: When it falls due and from whom; none: only sent as requests.
    schedules: tuple[ScheduleSpec, ...] = ()


@dataclass(frozen=True)
class CalendarDay:
    """A day that breaks the Monday-to-Friday rule (A8): a holiday on a weekday, or a Saturday worked.

    ``working`` True makes a weekend day a working day (the government's make-up Saturdays);
    False makes a weekday a day off (public holidays, a province's own days off).
    """

    #: The calendar day.
    day: date
    #: True: a working day (a make-up Saturday); False: a day off (a holiday, a province's own day off).
    working: bool
    #: What the day is, in Vietnamese (e.g. "Nghỉ bù Quốc khánh"), shown on the working calendar.
    name: str = ""


@dataclass(frozen=True)
class ReorganisationOffer:
    """An administrative reorganisation a province plugin declares (issue 19, docs/reorganisation.md).

    The plugin says which structure its installations run (``runs``) and the move it offers
    (``to``); the *Sắp xếp đơn vị hành chính* screen shows the offer and turns it into a draft event:
    from the national transition table of ``province`` when ``steps`` is empty, else from the plugin's
    own steps (the dicts of :mod:`core.hierarchy.reorganisation`).
    """

    #: What the screen calls it, e.g. "Sắp xếp đơn vị hành chính cấp xã năm 2025".
    name: str
    #: The structure the plugin's installations run now: "2020" (with districts) or "2025".
    runs: str
    #: The structure the event moves to.
    to: str
    #: The GSO code of the (new) province whose transition table the event comes from.
    province: str
    #: The day the event takes effect.
    effective: date
    #: The legal basis, e.g. "Nghị quyết 1657/NQ-UBTVQH15 ngày 16/6/2025".
    legal_basis: str
    #: The plugin's own steps; empty: the national transition table of ``province``.
    steps: tuple = ()

