"""``baocao plugins new NAME``: a plugin as its own distribution, ready to install and test.

An integrator starts from a package that already works: ``pip install -e`` it next to baocao and
``pytest`` passes, the plugin appears on the Plugins screen through the ``baocao`` entry-point
group, and ``baocao init --province NAME`` sets the province up. Nothing in this repository
changes. When NAME (or ``--province``) names a province, the plugin loads its real units and its
test walks a commune's report through submit and approval; otherwise it is a plugin without units
whose test checks its form and its password policy.
"""
from __future__ import annotations

import keyword
import re
from pathlib import Path
from string import Template

NAME = re.compile(r"^[a-z][a-z0-9_]{1,48}$")

PYPROJECT = Template('''\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "baocao-$dist"
version = "0.1.0"
description = "baocao plugin: $title"
requires-python = ">=3.11"
dependencies = ["baocao"]

[project.optional-dependencies]
test = ["pytest"]

# baocao finds the plugin through this group; the entry point's name is the plugin's name.
[project.entry-points.baocao]
$name = "baocao_$name"

[tool.setuptools]
packages = ["baocao_$name"]
''')

PLUGIN = Template('''\
"""$title: a baocao plugin.

Each hook below is documented in baocao's docs/plugins.md; delete the ones the regulation does not
change and the core default answers instead.
"""
from core import hookimpl
from core.contracts import (Contact, FieldSpec, FormSpec, Level, PasswordPolicy, PluginInfo, RuleSpec,
                            ScheduleSpec, SectionSpec)

PLUGIN_INFO = PluginInfo(
    name="$name",
    title="$title",
    version="0.1.0",
    description="Số liệu báo cáo của các đơn vị: TODO mô tả hệ thống theo quy chế.",
    regulation="TODO: Quyết định số …/QĐ-UBND",
    issuer="$issuer",
    province_code="$code",
)


@hookimpl
def support_contacts():
    """Help and incident contacts shown on the help page (S9)."""
    return [Contact(organisation="$owner", role="Quản lý tài khoản, hỗ trợ xử lý sự cố",
                    phone="TODO", email="TODO@example.invalid")]


@hookimpl
def hierarchy_levels():
    """The tiers, top first: the provincial board reviews what the communes send."""
    return [
        Level(code="province", name="Cấp tỉnh", kinds=("board", "department")),
        Level(code="commune", name="Cấp xã", kinds=("commune",), reviewed_by="province"),
    ]


@hookimpl
def password_policy():
    """At least 10 characters with upper, lower, digit and special; changed every 6 months."""
    return PasswordPolicy(min_length=10, max_age_days=180)


@hookimpl
def register_forms():
    """The forms the regulation prescribes: synced into the database when the plugin is enabled."""
    return [FormSpec(
        code="$form_code", name="Báo cáo dân số và hộ nghèo", sector="dan_toc",
        sections=(SectionSpec("households", "Hộ và nhân khẩu", (
            FieldSpec("households", "Số hộ", required=True, min=0, unit_of_measure="hộ"),
            FieldSpec("poor_households", "Số hộ nghèo", min=0, unit_of_measure="hộ"),
        )),),
        rules=(RuleSpec("poor_within_households", "poor_households <= households",
                        "Số hộ nghèo không được lớn hơn số hộ."),),
        schedules=(ScheduleSpec("yearly", ("commune",)),),
    )]
''')

TEST_PROVINCE = Template('''\
"""The $name plugin on a real baocao: initialised like `baocao init --province $name`, then a commune's
report walked through the REST API."""
from datetime import date

from core.testing import officer, province_app


def test_a_commune_fills_submits_and_the_province_approves(tmp_path):
    app = province_app(tmp_path, "$name", reports_on=date(2026, 12, 5))  # the yearly report is open
    commune, board = officer(app, "$commune"), officer(app, "$board")
    report = next(r for r in commune.reports() if r["form_code"] == "$form_code")

    refused = commune.put(report["id"], {"households": 10, "poor_households": 12})
    assert refused.status_code == 422  # the form's rule: no more poor households than households
    assert commune.put(report["id"], {"households": 120, "poor_households": 12}).status_code == 200
    assert commune.act(report["id"], "submit").get_json()["state"] == "submitted"
    assert board.act(report["id"], "approve").get_json()["state"] == "approved"
''')

TEST_PLAIN = Template('''\
"""The $name plugin on a real baocao: switched on, its form synced and its password policy in force."""
from core.testing import province_app


def test_the_plugin_brings_its_form_and_password_policy(tmp_path):
    app = province_app(tmp_path, "$name")
    with app.app_context():
        from core import passwords
        from core.platform.extensions import db
        from core.models import Form

        assert db.session.query(Form).filter_by(code="$form_code").one().name == "Báo cáo dân số và hộ nghèo"
        assert passwords.policy().min_length == 10
''')

README = Template('''\
# baocao-$dist

$title — a plugin for [baocao](https://example.invalid/baocao).

    pip install -e '.[test]'     # next to baocao, in its virtualenv
    pytest                       # the plugin on a real baocao, SQLite, no server needed
    baocao plugins enable $name  # or: baocao init --province $name

How each hook works: baocao's docs/plugins.md.
''')


class ScaffoldError(Exception):
    """A name or target the scaffold cannot use, with a one-line reason."""


def _province(query: str | None) -> tuple[str, str] | None:
    from core.hierarchy.sources import find_province

    try:
        return find_province(query, "2025") if query else None
    except LookupError:
        return None


def _first_units(code: str) -> tuple[str, str]:
    """The province's own code and its first commune's, for the scaffolded test."""
    from core.hierarchy.sources import administrative_units

    rows = administrative_units(code, "2025")
    commune = next(r.code for r in rows if r.kind == "commune")
    return code, commune


def create(name: str, directory: Path, province: str | None = None) -> list[Path]:
    """Write the plugin distribution into ``directory``; return the files written."""
    if not NAME.match(name) or keyword.iskeyword(name):
        raise ScaffoldError(f"{name!r} is not a plugin name: lower-case letters, digits and _, starting with a letter")
    if directory.exists() and any(directory.iterdir()):
        raise ScaffoldError(f"{directory} exists and is not empty")
    found = _province(province) or (None if province else _province(name.replace("_", " ")))
    if province and not found:
        raise ScaffoldError(f"no province matches {province!r}")
    code, province_name = found or ("", "")
    province_name = province_name[:1].lower() + province_name[1:]  # "tỉnh Lai Châu", inside a sentence
    words = {"name": name, "dist": name.replace("_", "-"), "code": code, "form_code": f"{name.upper()[:12]}-01",
             "title": f"Hệ thống thông tin báo cáo {province_name or name}".strip(),
             "issuer": f"Ủy ban nhân dân {province_name}" if province_name else "TODO",
             "owner": f"Ban Dân tộc {province_name}" if province_name else "TODO: đơn vị quản lý"}
    if code:
        board, commune = _first_units(code)
        test = TEST_PROVINCE.substitute(words, board=board, commune=commune)
    else:
        test = TEST_PLAIN.substitute(words)
    files = {
        "pyproject.toml": PYPROJECT.substitute(words),
        "README.md": README.substitute(words),
        f"baocao_{name}/__init__.py": PLUGIN.substitute(words),
        f"tests/test_{name}.py": test,
    }
    written = []
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
