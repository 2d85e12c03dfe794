"""The booth's HTTP surface without a browser: CSRF, headers, roles, the override rule on the server."""

from __future__ import annotations

import httpx


def signed_in(lane, officer_id: str, pin: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=lane.url, timeout=5)
    csrf = client.get("/api/session").json()["csrf"]
    answer = client.post("/api/signin/pin", json={"officer_id": officer_id, "pin": pin},
                         headers={"x-csrf-token": csrf})
    assert answer.status_code == 200, answer.text
    return client, answer.json()["csrf"]


def test_security_headers_are_strict(lane):
    response = httpx.get(lane.url + "/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text and "style=" not in response.text  # nothing inline


def test_a_post_without_csrf_token_is_refused(lane):
    client = httpx.Client(base_url=lane.url, timeout=5)
    client.get("/api/session")
    refused = client.post("/api/signin/pin", json={"officer_id": "o-100", "pin": "4321"})
    assert refused.status_code == 403 and refused.json() == {"error": "csrf"}
    client, csrf = signed_in(lane, "o-100", "4321")
    crossing_id = "00000000-0000-0000-0000-000000000000"
    assert client.post(f"/api/crossings/{crossing_id}/decision", json={"action": "release"}).status_code == 403
    wrong = client.post("/api/lock", headers={"x-csrf-token": "0" * 64})
    assert wrong.status_code == 403
    foreign = client.post("/api/lock", headers={"x-csrf-token": csrf, "origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert client.post("/api/signout", headers={"x-csrf-token": csrf}).status_code == 200


def test_a_token_only_works_with_the_cookie_it_was_issued_for(lane):
    """One session's token under another session's cookie is refused: the token is bound to the cookie."""
    first, first_csrf = signed_in(lane, "o-100", "4321")
    second, second_csrf = signed_in(lane, "s-200", "5555")
    assert first_csrf != second_csrf
    assert first.post("/api/lock", headers={"x-csrf-token": second_csrf}).json() == {"error": "csrf"}
    assert second.post("/api/lock", headers={"x-csrf-token": first_csrf}).status_code == 403
    stranger = httpx.Client(base_url=lane.url, timeout=5)
    stranger_csrf = stranger.get("/api/session").json()["csrf"]  # a pre-sign-in cookie of its own
    assert first.post("/api/lock", headers={"x-csrf-token": stranger_csrf}).status_code == 403
    assert first.post("/api/lock", headers={"x-csrf-token": first_csrf}).status_code == 200


def test_bad_pin_is_refused_and_audited(lane):
    client = httpx.Client(base_url=lane.url, timeout=5)
    csrf = client.get("/api/session").json()["csrf"]
    answer = client.post("/api/signin/pin", json={"officer_id": "s-200", "pin": "0000"}, headers={"x-csrf-token": csrf})
    assert answer.status_code == 401 and answer.json()["error"] == "bad_pin"
    audited = lane.query("SELECT * FROM audit WHERE action = 'booth.signin_failed' AND actor = 'officer:s-200'")
    assert audited


def test_technician_api_refuses_an_officer_and_data_refuses_a_technician(lane):
    officer, _ = signed_in(lane, "o-100", "4321")
    assert officer.get("/api/tech/status").status_code == 403
    assert officer.get("/tech").status_code == 403
    technician, _ = signed_in(lane, "t-300", "7777")
    assert technician.get("/api/tech/status").status_code == 200
    assert technician.get("/api/crossings/current").status_code == 403


def test_override_without_reason_is_refused_by_the_server(lane):
    lane.send("rfid-1", "rfid", "WATCH-HTTP-1")
    client, csrf = signed_in(lane, "s-200", "5555")
    crossing = client.get("/api/crossings/current").json()["crossing"]
    assert crossing["assessment"]["recommendation"] == "detain"
    url = f"/api/crossings/{crossing['id']}/decision"
    refused = client.post(url, json={"action": "release"}, headers={"x-csrf-token": csrf})
    assert refused.status_code == 422 and refused.json()["error"] == "override_reason_required"
    assert not lane.query("SELECT * FROM decisions WHERE crossing_id = ?", (crossing["id"],))
    done = client.post(url, json={"action": "release", "reason_code": "false_match"}, headers={"x-csrf-token": csrf})
    assert done.status_code == 200
    assert lane.query("SELECT * FROM audit WHERE action = 'booth.override' AND crossing_id = ?", (crossing["id"],))


def test_an_officer_lets_a_detain_go_only_with_a_supervisors_pin(lane):
    lane.send("rfid-1", "rfid", "WATCH-HTTP-2")
    client, csrf = signed_in(lane, "o-100", "4321")
    crossing = client.get("/api/crossings/current").json()["crossing"]
    assert crossing["assessment"]["recommendation"] == "detain"
    url, headers = f"/api/crossings/{crossing['id']}/decision", {"x-csrf-token": csrf}
    release = {"action": "release", "reason_code": "false_match"}
    tries = {"supervisor_required": {}, "supervisor_refused": {"supervisor_id": "s-200", "supervisor_pin": "1"}}
    tries |= {f"not a supervisor {who}": {"supervisor_id": who, "supervisor_pin": pin}
              for who, pin in (("o-100", "4321"), ("t-300", "7777"))}
    for name, cosign in tries.items():
        refused = client.post(url, json={**release, **cosign}, headers=headers)
        assert refused.status_code == 422, name
        assert refused.json()["error"] == ("supervisor_required" if not cosign else "supervisor_refused"), name
    assert not lane.query("SELECT * FROM decisions WHERE crossing_id = ?", (crossing["id"],))
    done = client.post(url, json={**release, "supervisor_id": "s-200", "supervisor_pin": "5555"}, headers=headers)
    assert done.status_code == 200
    (decision,) = lane.query("SELECT * FROM decisions WHERE crossing_id = ?", (crossing["id"],))
    assert (decision["officer_id"], decision["second_officer_id"]) == ("o-100", "s-200")
    assert len(lane.query("SELECT * FROM audit WHERE action = 'booth.cosign_failed'")) >= 3


def test_the_session_says_whose_detain_overrides_need_a_supervisor(lane):
    officer, _ = signed_in(lane, "o-100", "4321")
    supervisor, _ = signed_in(lane, "s-200", "5555")
    assert officer.get("/api/session").json()["officer"]["needs_cosign"] is True
    assert supervisor.get("/api/session").json()["officer"]["needs_cosign"] is False


def test_history_search_is_parameterised(lane):
    client, _ = signed_in(lane, "o-100", "4321")
    hostile = client.get("/api/history", params={"q": "' OR 1=1 --"}).json()["crossings"]
    assert hostile == []
    found = client.get("/api/history", params={"q": "WATCH-HTTP-1"}).json()["crossings"]
    assert found and found[0]["action"] == "release" and found[0]["officer_id"] == "s-200"
