"""Sign-in by PIN or badge, lock and unlock, sign-out, language: the session endpoints."""

from __future__ import annotations

import secrets

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from garita.station.booth import csrf
from garita.station.booth.audit_view import audit
from garita.station.booth.cosign import cosign_applies
from garita.station.booth.guard import (
    PRE_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    csrf_binding,
    ctx,
    json_body,
    require,
    session_of,
    set_cookie,
)
from garita.station.booth.i18n import LANGUAGES, pick_language
from garita.station.booth.officer_accounts import Officer, checked_pin, officer_by_badge
from garita.station.booth.sessions import Session
from garita.station.booth.throttle import Throttled

BADGE_WAIT_S = 20.0
MAX_ID = 64  # officer ids are short; a longer one is not an id


def session_json(request: Request, session: Session | None, binding: str) -> dict:
    booth = ctx(request)
    lane = booth.services.lane
    body = {"signed_in": session is not None, "locked": bool(session and session.locked),
            "csrf": csrf.token_for(booth.secret, binding), "language": booth.config.language,
            "lock_after_s": booth.config.lock_after_s, "badge": booth.config.badge_reader is not None,
            "lane": {"id": lane.id, "port_name": lane.port_name, "direction": lane.direction,
                     "joint": booth.services.joint.enabled}}
    if session is not None:
        officer = session.officer
        body.update(language=session.language, officer={"id": officer.id, "name": officer.name, "role": officer.role,
                                                         "agency": officer.agency,
                                                         "needs_cosign": cosign_applies(booth, officer)})
    return body


async def get_session(request: Request) -> Response:
    binding = csrf_binding(request) or secrets.token_urlsafe(24)
    response = JSONResponse(session_json(request, session_of(request), binding))
    if csrf_binding(request) is None:
        set_cookie(response, PRE_COOKIE, binding)
    return response


def _start_session(request: Request, officer: Officer, method: str) -> Response:
    """Sign ``officer`` in (ending whatever session this browser had) and audit it."""
    booth = ctx(request)
    old = session_of(request)
    if old is not None:
        booth.sessions.end(old)
    language = pick_language(officer.language, booth.config.language)
    token, session = booth.sessions.create(officer, language)
    audit(booth.store, f"officer:{officer.id}", "booth.signin", {"method": method, "role": officer.role})
    response = JSONResponse(session_json(request, session, token))
    set_cookie(response, SESSION_COOKIE, token, max_age=int(booth.config.session_max_s))
    return response


def _unlock(request: Request, session: Session, method: str) -> Response:
    booth = ctx(request)
    session = booth.sessions.unlock(session)
    audit(booth.store, f"officer:{session.officer.id}", "booth.unlocked", {"method": method})
    return JSONResponse(session_json(request, session, request.cookies[SESSION_COOKIE]))


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


async def signin_pin(request: Request) -> Response:
    check_csrf(request)
    body = await json_body(request)
    officer_id, pin = str(body.get("officer_id", "")).strip(), str(body.get("pin", ""))
    if not officer_id or len(officer_id) > MAX_ID:
        raise HTTPException(400, "bad_request")
    booth = ctx(request)
    try:
        officer = await checked_pin(booth.store, booth.throttle, officer_id, pin, client_of(request))
    except Throttled as refused:
        booth.failures.failed(f"officer:{officer_id}", "pin", refused=True)
        raise HTTPException(429 if refused.reason == "too_many_attempts" else 503, refused.reason) from None
    if officer is None:
        booth.failures.failed(f"officer:{officer_id}", "pin")
        raise HTTPException(401, "bad_pin")
    current = session_of(request)
    if current is not None and current.locked and current.officer.id == officer_id:
        return _unlock(request, current, "pin")
    return _start_session(request, officer, "pin")


async def signin_badge(request: Request) -> Response:
    """Long poll: answers when a badge is tapped at the booth reader, or 204 after a while."""
    check_csrf(request)
    booth = ctx(request)
    if booth.config.badge_reader is None:
        raise HTTPException(404, "no_badge_reader")
    epc = await booth.badges.wait(BADGE_WAIT_S)
    if epc is None:
        return Response(status_code=204)
    officer = officer_by_badge(booth.store, epc)
    if officer is None:
        booth.failures.failed("badge:unknown", "badge")
        raise HTTPException(401, "unknown_badge")
    current = session_of(request)
    if current is not None and current.locked and current.officer.id == officer.id:
        return _unlock(request, current, "badge")
    return _start_session(request, officer, "badge")


async def signout(request: Request) -> Response:
    check_csrf(request)
    session = require(request, unlocked=False)
    booth = ctx(request)
    booth.sessions.end(session)
    audit(booth.store, f"officer:{session.officer.id}", "booth.signout", {})
    response = JSONResponse({"signed_in": False})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def lock(request: Request) -> Response:
    check_csrf(request)
    session = ctx(request).sessions.lock(require(request, unlocked=False))
    return JSONResponse(session_json(request, session, request.cookies[SESSION_COOKIE]))


async def activity(request: Request) -> Response:
    """The page reports input (throttled); the server's inactivity clock restarts."""
    check_csrf(request)
    session = ctx(request).sessions.touch(require(request, unlocked=False))
    return JSONResponse({"locked": session.locked})


async def language(request: Request) -> Response:
    check_csrf(request)
    body = await json_body(request)
    if body.get("language") not in LANGUAGES:
        raise HTTPException(400, "bad_request")
    session = ctx(request).sessions.set_language(require(request, unlocked=False), body["language"])
    return JSONResponse(session_json(request, session, request.cookies[SESSION_COOKIE]))


ROUTES = [
    Route("/api/session", get_session, methods=["GET"]),
    Route("/api/signin/pin", signin_pin, methods=["POST"]),
    Route("/api/signin/badge", signin_badge, methods=["POST"]),
    Route("/api/signout", signout, methods=["POST"]),
    Route("/api/lock", lock, methods=["POST"]),
    Route("/api/activity", activity, methods=["POST"]),
    Route("/api/language", language, methods=["POST"]),
]
