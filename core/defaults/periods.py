"""Default period rules: the national regime of Nghị định 09/2019/NĐ-CP, Điều 12.

Data are cut off on the 14th: a month runs from the 15th of the month before
to the 14th; a quarter from the 15th of the month before it to the 14th of
its last month; six months from 15/12 of the year before to 14/06; nine
months from 15/12 to 14/09; a year from 15/12 of the year before to 14/12.
The second half (``S2``) is not named by the decree: it runs 15/06–14/12, so
that S1 and S2 tile the year. Reports are due on the 20th of the period's
last month. A phase (giai đoạn) covers 01/01 of its first year to 31/12 of
its last and is due 20/12 of its last year.

Entry window, for every type (our choice, the decree names none): it opens on
the 1st of the period's last month, so units can prepare as data come in, and
closes on the last day of the month after it, so that a late report can still
be submitted and is flagged late (F4: late units are accountable).
"""
from core.contracts import PeriodDate, PeriodRule, PeriodType
from core.hookspecs import hookimpl

CUT_OFF = 14
DUE = 20

#: From the 15th of the month before the period to the 14th of its last month, due the 20th.
_CUT_OFF_RULE = dict(
    start=PeriodDate("first", -1, CUT_OFF + 1),
    end=PeriodDate("last", 0, CUT_OFF),
    deadline=PeriodDate("last", 0, DUE),
)

NATIONAL_RULES = [
    PeriodRule(PeriodType.MONTHLY, **_CUT_OFF_RULE),
    PeriodRule(PeriodType.QUARTERLY, **_CUT_OFF_RULE),
    PeriodRule(PeriodType.SIX_MONTHLY, **_CUT_OFF_RULE),
    PeriodRule(PeriodType.NINE_MONTH, **_CUT_OFF_RULE),
    PeriodRule(PeriodType.YEARLY, **_CUT_OFF_RULE),
    PeriodRule(
        PeriodType.PHASE,
        start=PeriodDate("first", 0, 1),
        end=PeriodDate("last", 0, 31),
        deadline=PeriodDate("last", 0, DUE),
        cycle_years=5,
        cycle_start=2021,
    ),
]


@hookimpl(trylast=True)
def period_rules():
    return NATIONAL_RULES
