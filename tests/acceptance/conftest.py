"""What every acceptance walk shares: a fast app, and the system administrator on the API and screens."""
import pytest

from core.testing import api_token
from tests.conftest import ADMIN_PASSWORD, login
from tests.officers import Officer

#: Password hashing is not under test in the walks, which sign in dozens of officers; production: scrypt.
FAST_HASH = "pbkdf2:sha256:1000"


@pytest.fixture
def app(make_app):
    """The app with a cheap password hash (a deployment setting; what the articles ask does not depend on it)."""
    return make_app(FAB_PASSWORD_HASH_METHOD=FAST_HASH)


def admin_on_api(app) -> Officer:
    """The system administrator (created if the walk has none yet), signed in to the API."""
    with app.app_context():
        sm = app.appbuilder.sm
        if sm.find_user(username="admin") is None:
            sm.add_user("admin", "Quản trị", "hệ thống", "admin@example.vn",
                        sm.find_role(sm.auth_role_admin), password=ADMIN_PASSWORD)
    client = app.test_client()
    return Officer(app, client, "admin", {"Authorization": f"Bearer {api_token(client, 'admin', ADMIN_PASSWORD)}"})


@pytest.fixture
def api_admin(app):
    return admin_on_api(app)


@pytest.fixture
def web_admin(app):
    """The system administrator on the screens (accounts, designer, notices have no API)."""
    admin_on_api(app)
    client = app.test_client()
    assert login(client, "admin", ADMIN_PASSWORD).status_code == 302
    return client
