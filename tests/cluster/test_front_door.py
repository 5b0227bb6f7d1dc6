"""The front door: HAProxy (L4) → nginx (TLS, PROXY protocol from the balancer only) →
gunicorn on a Unix socket, on the real cluster.

Each test that needs to be "another client" binds its sockets to its own loopback
address (127.0.0.3 …), so its lines in the nginx access logs and its recorded
addresses are its own.
"""

from __future__ import annotations

import http.cookies
import json
import re
import ssl
import time
import uuid

import pytest
import requests

from client import ConnectionFailed, PlatformClient, RequestsTransport
from deploy.local.cluster import wait_for
from tests.cluster.conftest import PASSWORD, transport
from tests.cluster.net import SourceAdapter, access_log, client_from, exchange, open_tls
from tests.support import wire

MAX_BODY = 10 * 1024 * 1024  # PLATFORM_MAX_BODY_BYTES, the cluster's default
SEALED = {"Content-Type": "application/octet-stream"}


def log_lines(cluster, *, client: str, count: int = 1, **match) -> list[dict]:
    """The nginx access-log lines of `client` (and `match`), once `count` are written."""

    def found():
        lines = [line for line in access_log(cluster) if line["client"] == client]
        lines = [line for line in lines if all(line[k] == v for k, v in match.items())]
        return lines if len(lines) >= count else None

    return wait_for(found, timeout=10, interval=0.2, what=f"{count} log lines of {client}")


def test_a_login_and_a_call_go_through_haproxy_and_nginx_over_verified_tls(cluster):
    api = client_from(cluster, "127.0.0.3", retries=0)
    assert api.login("bob", PASSWORD).status == 200
    created = api.post("/api/v1/task/tasks/", {"title": "through the front door"})
    assert created.status == 201, created.data
    # Escapes and a query: signed as sent, passed on byte for byte by HAProxy and nginx.
    path = f"/api/v1/task/tasks/{created.data['id']}/"
    found = api.get(path, params={"note": "a b/ü&c=d", "x": "%2F"})
    assert found.status == 200 and found.data["title"] == "through the front door"

    [line] = log_lines(cluster, client="127.0.0.3", path=path, method="GET")
    assert line["tls"].startswith("TLSv1.")
    assert line["port"] in {node.nginx.balancer_port for node in cluster.nodes}  # via HAProxy
    assert line["request_id"] == found.headers["X-Request-Id"]

    # Without the cluster's CA the certificate is refused, before any byte of a request.
    untrusting = PlatformClient(cluster.lb.url, transport=RequestsTransport(), retries=0)
    with pytest.raises(ConnectionFailed) as refused:
        untrusting.fetch_public_keys()
    assert refused.value.sent is False


@pytest.mark.parametrize("where", ["load balancer", "node A"])
def test_plain_http_is_refused_with_a_problem(cluster, where):
    port = cluster.ports.lb if where == "load balancer" else cluster.node(1).port
    answer = requests.get(f"http://127.0.0.1:{port}/health/", timeout=10)
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "malformed_request"
    assert "X-Server-Time" not in answer.headers  # nginx's answer: the app never saw it


def test_the_admin_over_https_has_secure_cookies_and_nginx_serves_its_files(cluster):
    base = cluster.node(1).url
    browser = requests.Session()
    browser.verify = str(cluster.ca_file)
    browser.trust_env = False  # else REQUESTS_CA_BUNDLE would replace the CA given here
    browser.mount("https://", SourceAdapter("127.0.0.8"))
    form = browser.get(f"{base}/admin/login/?next=/admin/", timeout=10)
    assert form.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = browser.post(
        f"{base}/admin/login/?next=/admin/",
        data={"username": "root", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/admin/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]
    cookies = http.cookies.SimpleCookie()
    for response in (form, answer):
        for header in response.raw.headers.getlist("Set-Cookie"):
            cookies.load(header)
    assert {"csrftoken", "sessionid"} <= set(cookies)
    for name in ("csrftoken", "sessionid"):
        assert cookies[name]["secure"] is True, name
        assert cookies[name]["httponly"] is True, name
        assert cookies[name]["samesite"] == "Strict", name
    assert "max-age=31536000" in answer.headers["Strict-Transport-Security"]
    assert browser.get(f"{base}/admin/", timeout=10).status_code == 200

    css = browser.get(f"{base}/static/admin/css/base.css", timeout=10)
    assert css.status_code == 200 and css.headers["Content-Type"] == "text/css"
    [line] = log_lines(cluster, client="127.0.0.8", path="/static/admin/css/base.css")
    assert line["upstream_s"] == ""  # from nginx's disk, gunicorn never asked


def test_a_body_over_the_limit_is_refused_by_nginx_and_one_at_it_reaches_the_node(cluster):
    with open_tls(cluster.ports.lb, ca_file=cluster.ca_file, source="127.0.0.7") as sock:
        status, headers, body = exchange(
            sock, "POST", "/api/v1/task/tasks/", {**SEALED, "Content-Length": str(MAX_BODY + 1)}
        )
    assert status == 413
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body) == {
        "type": "about:blank",
        "title": "Content Too Large",
        "status": 413,
        "code": "body_too_large",
    }
    [refused] = log_lines(cluster, client="127.0.0.7", status=413)
    assert refused["upstream_s"] == ""  # gunicorn never saw it

    # A sealed body of exactly the limit goes through: the node decrypts all of it and
    # answers, sealed, that a title of ten megabytes is not one.
    api = client_from(cluster, "127.0.0.7", retries=0)
    assert api.login("bob", PASSWORD).status == 200
    payload = {"title": "x" * (MAX_BODY - len(json.dumps({"title": ""})))}
    request = wire.seal(
        key=api.session.key,
        session_id=api.session.session_id,
        method="POST",
        path="/api/v1/task/tasks/",
        payload=payload,
    )
    assert len(request.body) == MAX_BODY
    with open_tls(cluster.ports.lb, ca_file=cluster.ca_file, source="127.0.0.7") as sock:
        status, headers, _ = exchange(
            sock, "POST", request.target, {**SEALED, **request.headers}, request.body
        )
    assert status == 400 and "X-Tag" in headers

    # One the node refuses before reading it (no envelope) still gets the node's own
    # answer, not a connection reset that nginx would report as outcome_unknown.
    with open_tls(cluster.ports.lb, ca_file=cluster.ca_file, source="127.0.0.7") as sock:
        status, headers, body = exchange(sock, "POST", request.target, SEALED, request.body)
    assert status == 400 and "X-Server-Time" in headers, body[:200]


def _login_attempt(sock, server_key, username: str, extra: dict | None = None) -> int:
    request = wire.seal_login(server_key, username, "not-the-password")
    headers = {**SEALED, **request.headers, **(extra or {})}
    status, _, _ = exchange(sock, request.method, request.target, headers, request.body)
    return status


def _recorded_addresses(db, username: str) -> list[str]:
    conn = db.connect("platform")
    try:
        cursor = conn.cursor()
        cursor.execute(
            "SELECT client_address FROM credential_loginattempt WHERE username = %s", [username]
        )
        return [row[0] for row in cursor.fetchall()]
    finally:
        conn.close()


def test_a_forged_proxy_header_from_loopback_changes_no_recorded_address(cluster):
    reader = PlatformClient(cluster.node(1).url, transport=transport(cluster), retries=0)
    server_key = next(key for key in reader.fetch_public_keys() if key.primary)
    forged, control = f"forged-{uuid.uuid4().hex[:12]}", f"control-{uuid.uuid4().hex[:12]}"
    # Real accounts: attempts on a name no account has are recorded under a keyed hash
    # of it, not as typed (credential/lockout.py login_name).
    cluster.shell(
        1,
        "from django.contrib.auth import get_user_model; "
        f"[get_user_model().objects.create_user(n, password='Right-passw0rd!') "
        f"for n in ({forged!r}, {control!r})]",
    )
    cluster.wait_in_sync()
    claim = b"PROXY TCP4 203.0.113.77 127.0.0.1 40000 443\r\n"

    # Straight to node A's balancer listener, from 127.0.0.1 rather than the balancer.
    node = cluster.node(1)
    with open_tls(
        node.nginx.balancer_port, ca_file=cluster.ca_file, source="127.0.0.1", before_tls=claim
    ) as sock:
        assert _login_attempt(sock, server_key, forged) == 401
    # Through HAProxy from 127.0.0.5, with forged address headers of its own.
    spoofed = {"X-Real-IP": "203.0.113.78", "X-Forwarded-For": "203.0.113.79"}
    with open_tls(cluster.ports.lb, ca_file=cluster.ca_file, source="127.0.0.5") as sock:
        assert _login_attempt(sock, server_key, control, spoofed) == 401
    # The direct listener takes no PROXY header at all.
    with pytest.raises((ssl.SSLError, ConnectionError)):
        open_tls(node.port, ca_file=cluster.ca_file, before_tls=claim).close()

    cluster.wait_in_sync()
    for db in cluster.pair.nodes:
        assert _recorded_addresses(db, forged) == ["127.0.0.1"], db.name
        assert _recorded_addresses(db, control) == ["127.0.0.5"], db.name


def test_a_hundred_sequential_requests_of_one_client_use_one_connection(cluster):
    api = client_from(cluster, "127.0.0.4", retries=0)
    started = time.time()
    assert api.login("bob", PASSWORD).status == 200
    task = api.post("/api/v1/task/tasks/", {"title": "keep-alive"}).data["id"]
    statuses = [api.get(f"/api/v1/task/tasks/{task}/").status for _ in range(100)]
    assert statuses == [200] * 100

    assert api.adapter.connections_made() == 1
    # 2 for the login (key list, login), 1 write, 100 reads: all on one connection.
    lines = log_lines(cluster, client="127.0.0.4", count=103)
    assert all(line["msec"] >= started - 1 for line in lines)
    assert len({(line["node"], line["connection"]) for line in lines}) == 1
    assert sorted(line["connection_requests"] for line in lines) == list(range(1, 104))
