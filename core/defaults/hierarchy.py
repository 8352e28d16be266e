"""Default hierarchy: the two-level local government in force since July 2025."""
from core.contracts import Level
from core.hookspecs import hookimpl

TWO_LEVEL = [
    Level(code="province", name="Cấp tỉnh", kinds=("board", "department")),
    Level(code="commune", name="Cấp xã", kinds=("commune",), reviewed_by="province"),
]


@hookimpl(trylast=True)
def hierarchy_levels():
    return TWO_LEVEL
