"""The operator's contact, configured in ``instance/config.py`` as ``OPERATOR_CONTACT``."""
from flask import current_app

from core.contracts import Contact
from core.hookspecs import hookimpl


@hookimpl(trylast=True)
def support_contacts() -> list[Contact]:
    data = current_app.config.get("OPERATOR_CONTACT")
    return [Contact(**data)] if data else []
