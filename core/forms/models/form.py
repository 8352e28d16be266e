"""Forms as data (REQUIREMENTS F1, F2, F9): designed in the browser, frozen into versions.

The designer edits a form's *draft*: sections, fields and rules in ordinary
rows. Publishing freezes the draft into a :class:`FormVersion` whose
``definition`` is a JSON snapshot, and a report keeps the version it was
filled with, so a later change never alters a filed report's meaning.

Disaggregations are DHIS2-style: a :class:`Category` (ethnic group, sex) has
options; a :class:`CategoryCombo` is an ordered set of categories whose
options' cross product gives a field's cells (ethnic group × sex).
"""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import (JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, true)
from flask import current_app, has_app_context
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.platform import clock

FIELD_TYPES = ("integer", "decimal", "percent", "text", "long_text", "date", "choice", "yes_no", "file")
NUMERIC_TYPES = ("integer", "decimal", "percent")


class Indicator(Model):
    """A statistical indicator (chỉ tiêu) with one meaning across forms and years (F2, R9)."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    definition: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str | None] = mapped_column(Text)
    unit_of_measure: Mapped[str | None] = mapped_column(String(60))
    sector: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())

    def __repr__(self) -> str:
        return f"{self.name} ({self.code})"


class Category(Model):
    """One dimension of disaggregation, e.g. ethnic group or sex."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)

    options: Mapped[list["CategoryOption"]] = relationship(
        back_populates="category", order_by="CategoryOption.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return self.name


class CategoryOption(Model):
    __tablename__ = "category_option"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), nullable=False)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    category: Mapped[Category] = relationship(back_populates="options")

    __table_args__ = (UniqueConstraint("category_id", "code", name="uq_category_option_code"),)

    def __repr__(self) -> str:
        return self.name


class CategoryCombo(Model):
    """An ordered set of categories; a field with a combo is entered as a grid of their options."""

    __tablename__ = "category_combo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)

    members: Mapped[list["ComboCategory"]] = relationship(
        order_by="ComboCategory.position", cascade="all, delete-orphan")

    @property
    def categories(self) -> list[Category]:
        return [m.category for m in self.members]

    def __repr__(self) -> str:
        return self.name


class ComboCategory(Model):
    __tablename__ = "combo_category"

    combo_id: Mapped[int] = mapped_column(ForeignKey("category_combo.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    category: Mapped[Category] = relationship()


class Form(Model):
    """A collection form or report template; its draft is edited, its versions are frozen."""

    __tablename__ = "form"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    #: The sector whose departments see this form's reports across units (H3).
    sector: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    #: "board" for forms designed here, "plugin:<name>" for forms a plugin registers.
    source: Mapped[str] = mapped_column(String(100), nullable=False, default="board")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())
    #: The latest published version number; None until first published.
    published_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = clock.stamped_column()

    sections: Mapped[list["FormSection"]] = relationship(
        back_populates="form", order_by="FormSection.position", cascade="all, delete-orphan")
    fields: Mapped[list["FormField"]] = relationship(
        back_populates="form", order_by="FormField.position", cascade="all, delete-orphan")
    rules: Mapped[list["FormRule"]] = relationship(
        back_populates="form", order_by="FormRule.position", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"{self.name} ({self.code})"


class FormSection(Model):
    __tablename__ = "form_section"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id", ondelete="CASCADE"), nullable=False)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    form: Mapped[Form] = relationship(back_populates="sections")

    __table_args__ = (UniqueConstraint("form_id", "code", name="uq_form_section_code"),)

    def __repr__(self) -> str:
        return self.title


class FormField(Model):
    """One question or indicator cell group of a form's draft."""

    __tablename__ = "form_field"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id", ondelete="CASCADE"), nullable=False)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("form_section.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    label: Mapped[str] = mapped_column(String(500), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False, default="integer")
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    unit_of_measure: Mapped[str | None] = mapped_column(String(60))
    help_text: Mapped[str | None] = mapped_column(Text)
    #: For ``choice`` fields: ``[{"code": ..., "label": ...}, ...]``.
    choices: Mapped[list | None] = mapped_column(JSON)
    combo_id: Mapped[int | None] = mapped_column(ForeignKey("category_combo.id"))
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id"))
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    form: Mapped[Form] = relationship(back_populates="fields")
    section: Mapped[FormSection | None] = relationship()
    combo: Mapped[CategoryCombo | None] = relationship()
    indicator: Mapped[Indicator | None] = relationship()

    __table_args__ = (UniqueConstraint("form_id", "code", name="uq_form_field_code"),)

    def __repr__(self) -> str:
        return f"{self.label} ({self.code})"


class FormRule(Model):
    """A cross-field check, e.g. ``poor_households <= households`` (safe evaluator, no eval)."""

    __tablename__ = "form_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id", ondelete="CASCADE"), nullable=False)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    expression: Mapped[str] = mapped_column(Text, nullable=False)
    message: Mapped[str] = mapped_column(String(500), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    form: Mapped[Form] = relationship(back_populates="rules")

    __table_args__ = (UniqueConstraint("form_id", "code", name="uq_form_rule_code"),)


#: Parsed definitions per app: ``{(version id, form id, number): dict}``. A version never changes once
#: published, so each process parses a snapshot once instead of on every load of a report (a 200-field
#: form is ~40 KB of JSON, read by every save and submit). Bounded: the oldest entries go first.
_CACHE_KEY = "baocao.form_definitions"
CACHE_SIZE = 512


def _remember(cache: dict, key, definition: dict) -> dict:
    """Keep ``definition`` under ``key``, the oldest entries going first past ``CACHE_SIZE``."""
    cache[key] = definition
    while len(cache) > CACHE_SIZE:
        cache.pop(next(iter(cache)))
    return definition


class FormVersion(Model):
    """A published, frozen form: the JSON snapshot reports are filled and read with.

    ``definition`` is read through a per-app cache and must be treated as read-only; the column
    itself is deferred so that loading a report with its version does not fetch the JSON.
    """

    __tablename__ = "form_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    stored_definition: Mapped[dict] = mapped_column("definition", JSON, nullable=False, deferred=True)
    published_at: Mapped[datetime] = clock.stamped_column()
    published_by: Mapped[str | None] = mapped_column(String(100))

    form: Mapped[Form] = relationship()

    __table_args__ = (UniqueConstraint("form_id", "version", name="uq_form_version"),)

    def __init__(self, definition: dict | None = None, **kwargs):
        super().__init__(stored_definition=definition, **kwargs)

    @property
    def definition(self) -> dict:
        if self.id is None or not has_app_context():
            return self.stored_definition
        cache = current_app.extensions.setdefault(_CACHE_KEY, {})
        key = (self.id, self.form_id, self.version)
        found = cache.get(key)
        if found is None:
            found = _remember(cache, key, self.stored_definition)
        return found

    @classmethod
    def definition_of(cls, session, version_id: int, form_id: int) -> dict:
        """The definition of version ``version_id`` (of form ``form_id``, which guards against a stale
        id), from the per-app cache when there: a hot path that knows the id (the autosave) asks
        without loading the version."""
        index = current_app.extensions.setdefault(_CACHE_KEY + ".by_id", {})
        found = index.get((version_id, form_id))
        if found is None:
            version = session.get(cls, version_id)
            if version is None or version.form_id != form_id:
                raise LookupError(f"form version {version_id} of form {form_id}")
            found = _remember(index, (version_id, form_id), version.definition)
        return found

    def __repr__(self) -> str:
        return f"{self.form.code} v{self.version}"
