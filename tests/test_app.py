"""The app as a visitor meets it: a Vietnamese login page, safe headers, a refusal without a secret."""
import pytest

from core import create_app
from tests.conftest import api_token


def test_login_page_is_vietnamese_by_default(client):
    page = client.get("/login/").get_data(as_text=True)
    assert "Đăng nhập" in page


def test_every_response_carries_security_headers(client):
    resp = client.get("/login/")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_help_page_is_public(client):
    resp = client.get("/help/")
    assert resp.status_code == 200
    assert "Trợ giúp" in resp.get_data(as_text=True)


def test_the_app_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_openapi_spec_lists_the_audit_endpoint(client, admin):
    token = api_token(client, "admin", admin["password"])
    spec = client.get("/api/v1/_openapi", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert "/api/v1/audit/" in spec["paths"]
