"""The no-code form designer (REQUIREMENTS F1, F2, F7): forms, their parts, and the catalogues they use.

For system administrators only: :mod:`core.hierarchy.roles` grants other roles nothing here.
"""
from core.forms.views.catalogue import CategoriesView, CategoryOptionsView, CombosView, IndicatorsView
from core.forms.views.forms import FormsView
from core.forms.views.parts import FormFieldsView, FormRulesView, FormSectionsView, SchedulesView

__all__ = ["CategoriesView", "CategoryOptionsView", "CombosView", "FormFieldsView", "FormRulesView",
           "FormSectionsView", "FormsView", "IndicatorsView", "SchedulesView"]
