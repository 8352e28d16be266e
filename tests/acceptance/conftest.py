"""What every acceptance walk shares."""
import pytest


@pytest.fixture
def app(make_app):
    """The app with a cheap password hash: a walk signs in dozens of officers (the hash is a deployment
    setting; what the articles ask does not depend on it)."""
    return make_app(FAB_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
