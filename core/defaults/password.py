"""Default password policy: the strictest reading of the regulations (A4), and the lockout of A10."""
from core.contracts import PasswordPolicy
from core.hookspecs import hookimpl

DEFAULT_POLICY = PasswordPolicy()


@hookimpl(trylast=True)
def password_policy() -> PasswordPolicy:
    return DEFAULT_POLICY
