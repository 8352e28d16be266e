"""A small baocao REST API client: a commune fills its report, attaches the signed scan and submits it;
the reviewers approve it up the chain; the board reads the province's total.

Written from docs/api.md alone (no baocao code is imported); it needs Python 3.10+ and ``requests``.
Run it against a running instance, with the accounts the board issued (``baocao accounts issue CODE``
prints ``username<TAB>one-time password``; a one-time password is changed at first login)::

    python docs/examples/api_client.py --url http://127.0.0.1:5000 \\
        --reporter 03151:ONE-TIME-PASSWORD --reviewer 11:ONE-TIME-PASSWORD --new-password 'Mật-Khẩu-Mới-2026!' \\
        --form DB-DT01 --period 2026 --values '{"households": 10, "population": 40}' --scan bien-ban.pdf

It prints one line per step and exits 1 with the server's message when a step is refused.
"""
from __future__ import annotations

import argparse
import json
import sys

import requests


class Refused(Exception):
    """The server said no: the status and its JSON message and errors (docs/api.md, "Errors")."""

    def __init__(self, what: str, resp: requests.Response):
        try:
            body = resp.json()
        except ValueError:
            body = {"message": resp.text[:200]}
        super().__init__(f"{what}: {resp.status_code} {body.get('message', '')} {body.get('errors') or ''}".strip())
        self.status, self.body = resp.status_code, body


class Client:
    """One account on ``/api/v1``: logs in, changes a one-time password, then calls the endpoints."""

    def __init__(self, url: str, username: str, password: str, new_password: str | None = None):
        self.url, self.username = url.rstrip("/"), username
        self.http = requests.Session()
        self.login(password)
        me = self.http.get(f"{self.url}/api/v1/me/", timeout=30)
        if me.status_code == 403 and (me.json().get("errors") or {}).get("password") == "must_change":
            if not new_password:
                raise SystemExit(f"{username}: the password must be changed first: give --new-password")
            self.call("post", "/api/v1/me/password", "change the one-time password",
                      json={"old_password": password, "new_password": new_password})
            self.login(new_password)  # the old token is revoked: log in again

    def login(self, password: str) -> None:
        resp = self.http.post(f"{self.url}/api/v1/security/login", timeout=30,
                              json={"username": self.username, "password": password, "provider": "db", "refresh": True})
        if resp.status_code != 200:
            raise Refused(f"log in as {self.username}", resp)
        self.http.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"

    def call(self, method: str, path: str, what: str, **kwargs) -> dict:
        resp = self.http.request(method, f"{self.url}{path}", timeout=60, **kwargs)
        if resp.status_code >= 400:
            raise Refused(what, resp)
        return resp.json()

    def find_report(self, form: str, period: str) -> dict:
        """The caller's report of ``form`` for ``period`` (FAB's rison filters on the list)."""
        q = f"(filters:!((col:form_code,opr:eq,value:'{form}'),(col:period_code,opr:eq,value:'{period}')))"
        found = self.call("get", "/api/v1/report/", "list reports", params={"q": q})["result"]
        if not found:
            raise SystemExit(f"{self.username} has no report of {form} for {period}")
        return self.call("get", f"/api/v1/report/{found[0]['id']}", "read the report")["result"]

    def fill(self, pk: int, values: dict) -> dict:
        return self.call("put", f"/api/v1/report/{pk}/values", "save values", json={"values": values})

    def attach(self, pk: int, path: str, kind: str = "scan") -> dict:
        with open(path, "rb") as handle:
            return self.call("post", f"/api/v1/report/{pk}/attachments", "attach the scan",
                             files={"file": (path.rsplit("/", 1)[-1], handle)}, data={"kind": kind})["result"]

    def act(self, pk: int, action: str, comment: str = "", lock_version: int | None = None) -> dict:
        body = {"action": action, "comment": comment}
        if lock_version is not None:
            body["lock_version"] = lock_version
        return self.call("post", f"/api/v1/report/{pk}/transition", action, json=body)

    def total(self, form: str, period: str, unit: str | None = None) -> dict:
        params = {"form": form, "period": period, **({"unit": unit} if unit else {})}
        return self.call("get", "/api/v1/aggregate/", "read the total", params=params)


def account(text: str) -> tuple[str, str]:
    username, _, password = text.partition(":")
    if not password:
        raise argparse.ArgumentTypeError("give USERNAME:PASSWORD")
    return username, password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the instance, e.g. http://127.0.0.1:5000")
    parser.add_argument("--reporter", type=account, required=True, help="the reporting unit's USERNAME:PASSWORD")
    parser.add_argument("--reviewer", type=account, action="append", required=True,
                        help="USERNAME:PASSWORD of a reviewing unit, bottom-up; repeat for each level of the chain")
    parser.add_argument("--new-password", help="the password that replaces one-time passwords")
    parser.add_argument("--form", required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--values", required=True, type=json.loads, help='JSON, e.g. {"households": 10}')
    parser.add_argument("--scan", help="PDF, JPEG or PNG of the signed, stamped report, attached as kind scan")
    args = parser.parse_args(argv)
    try:
        reporter = Client(args.url, *args.reporter, args.new_password)
        report = reporter.find_report(args.form, args.period)
        pk = report["id"]
        print(f"report {pk}: {report['form_code']} {report['period_code']} of {report['unit_code']}, {report['state']}")
        print("saved:", json.dumps(reporter.fill(pk, args.values)["values"], ensure_ascii=False))
        if args.scan:
            print("attached:", reporter.attach(pk, args.scan)["filename"])
        moved = reporter.act(pk, "submit")
        print(f"submitted: held at level {moved['level']}")
        for username, password in args.reviewer:
            reviewer = Client(args.url, username, password, args.new_password)
            seen = reviewer.call("get", f"/api/v1/report/{pk}", "read the report")["result"]["lock_version"]
            moved = reviewer.act(pk, "approve", lock_version=seen)
            print(f"approved by {username}: {moved['state']}")
        total = reviewer.total(args.form, args.period)  # the last reviewer: the top of the chain
        print(f"total of {total['unit']} ({total['reports']} report(s)):",
              json.dumps(total["values"], ensure_ascii=False, sort_keys=True))
    except Refused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
