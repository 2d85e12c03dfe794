"""Request checks shared by the routes: who is signed in, may they do this, is the CSRF token right."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from garita.station.booth import csrf
from garita.station.booth.context import BoothContext
from garita.station.booth.sessions import Session

SESSION_COOKIE = "garita_session"
PRE_COOKIE = "garita_pre"  # binds the CSRF token of the sign-in form before a session exists


def ctx(request: Request) -> BoothContext:
    return request.app.state.booth


def session_of(request: Request) -> Session | None:
    return ctx(request).sessions.get(request.cookies.get(SESSION_COOKIE))


def csrf_binding(request: Request) -> str | None:
    """The cookie the CSRF token is bound to: the session's, else the pre-sign-in one."""
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_COOKIE)


def check_csrf(request: Request) -> None:
    if not csrf.valid(request, ctx(request).secret, csrf_binding(request)):
        raise HTTPException(403, "csrf")


def require(request: Request, roles: frozenset[str] | None = None, unlocked: bool = True) -> Session:
    """The caller's session, or 401 (not signed in), 423 (locked) or 403 (wrong role)."""
    session = session_of(request)
    if session is None:
        raise HTTPException(401, "signed_out")
    if unlocked and session.locked:
        raise HTTPException(423, "locked")
    if roles is not None and session.officer.role not in roles:
        raise HTTPException(403, "forbidden")
    return session


def set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    # HttpOnly: page scripts never see it; SameSite=Strict: other sites cannot send it.
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", path="/")



async def json_body(request: Request) -> dict:
    """The request's JSON object, or 400."""
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(400, "bad_request") from None
    if not isinstance(body, dict):
        raise HTTPException(400, "bad_request")
    return body
