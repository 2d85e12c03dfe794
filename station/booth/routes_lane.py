"""The officer's endpoints: live events, the current crossing, the decision, history, images, status."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from station.booth.assessment import assessment_of
from station.booth.audit import audit
from station.booth.cosign import cosigner, needs_cosign
from station.booth.crossing_view import crossing_detail, current_crossing_id
from station.booth.decisions import DecisionRefused, DecisionRequest, reason_for
from station.booth.events import Subscriber, sse
from station.booth.guard import SESSION_COOKIE, check_csrf, ctx, json_body, require
from station.booth.history import search
from station.booth.officers import DECIDING_ROLES
from station.booth.status import status_strip
from station.lifecycle import IllegalTransition, UnknownCrossing

HEARTBEAT_S = 15.0
MAX_ROW_ID = 2**63 - 1
VIEWING_ROLES = DECIDING_ROLES | {"technician"}


def _current(request: Request) -> dict | None:
    crossing_id = current_crossing_id(ctx(request).store)
    return crossing_detail(ctx(request).lane, crossing_id) if crossing_id else None


async def current(request: Request) -> Response:
    require(request, DECIDING_ROLES)
    return JSONResponse({"crossing": _current(request)})


async def crossing(request: Request) -> Response:
    require(request, DECIDING_ROLES)
    detail = crossing_detail(ctx(request).lane, request.path_params["crossing_id"])
    if detail is None:
        raise HTTPException(404, "no_crossing")
    return JSONResponse({"crossing": detail})


async def _stream(request: Request, subscriber: Subscriber) -> AsyncIterator[str]:
    """One page's event stream; while the session is locked it carries no crossing data."""
    booth = ctx(request)
    try:
        yield "retry: 1000\n\n"  # reconnect within a second of a daemon restart
        yield sse("hello", {"crossing": _current(request) if _may_see(request) else None})
        while True:
            try:
                message = await asyncio.wait_for(subscriber.queue.get(), HEARTBEAT_S)
            except TimeoutError:
                yield ": heartbeat\n\n"
                continue
            if message is None:
                return
            session = booth.sessions.get(subscriber.token)
            if session is None:
                yield sse("signed_out", {})
                return
            if session.locked:
                yield sse("locked", {})
                continue
            yield sse(message["type"], message)
    finally:
        booth.hub.unsubscribe(subscriber)


def _may_see(request: Request) -> bool:
    session = ctx(request).sessions.get(request.cookies.get(SESSION_COOKIE))
    return session is not None and not session.locked and session.officer.role in DECIDING_ROLES


async def events(request: Request) -> Response:
    session = require(request, VIEWING_ROLES, unlocked=False)
    subscriber = ctx(request).hub.subscribe(request.cookies[SESSION_COOKIE], session.officer.role == "technician")
    headers = {"x-accel-buffering": "no"}
    return StreamingResponse(_stream(request, subscriber), media_type="text/event-stream", headers=headers)


async def decide(request: Request) -> Response:
    """Recorded (decision, audit, outbox in one commit) before the answer: the screen confirms only then."""
    check_csrf(request)
    session = require(request, DECIDING_ROLES)
    booth = ctx(request)
    crossing_id = request.path_params["crossing_id"]
    body = await json_body(request)
    wanted = DecisionRequest(str(body.get("action", "")), str(body.get("reason_code", "")),
                             str(body.get("reason_text", "")))
    assessment = assessment_of(booth.lane, crossing_id)
    recommendation = assessment["recommendation"] if assessment else None
    try:
        reason, override = reason_for(wanted, recommendation)
        supervisor = None
        if needs_cosign(booth, recommendation, wanted.action, session.officer):
            supervisor = await cosigner(booth, body, session.officer, crossing_id)
        decision_id = booth.lane.decide(crossing_id, wanted.action, session.officer.id, reason,
                                         recommendation=recommendation, second_officer_id=supervisor)
    except DecisionRefused as exc:
        raise HTTPException(422, exc.code) from None
    except UnknownCrossing:
        raise HTTPException(404, "no_crossing") from None
    except IllegalTransition:
        raise HTTPException(409, "already_decided") from None
    if override:
        audit(booth.store, f"officer:{session.officer.id}", "booth.override",
              {"recommended": recommendation, "action": wanted.action, "reason_code": wanted.reason_code,
               "cosigned_by": supervisor}, crossing_id)
    booth.sessions.touch(session)
    return JSONResponse({"decision_id": decision_id, "crossing_id": crossing_id, "action": wanted.action})


async def history(request: Request) -> Response:
    require(request, DECIDING_ROLES)
    query = request.query_params.get("q", "")[:100]
    limit = int(request.query_params.get("limit", "50")) if request.query_params.get("limit", "").isdigit() else 50
    return JSONResponse({"crossings": search(ctx(request).store, query, limit)})


async def image(request: Request) -> Response:
    require(request, VIEWING_ROLES)
    booth = ctx(request)
    if request.path_params["read_id"] > MAX_ROW_ID:  # SQLite's integers end here; past them, no such image
        raise HTTPException(404, "no_image")
    rows = booth.store.query("SELECT image_path FROM reads WHERE id = ?", (request.path_params["read_id"],))
    if not rows or not rows[0]["image_path"]:
        raise HTTPException(404, "no_image")
    images = (booth.lane.data_dir / "images").resolve()
    path = (booth.lane.data_dir / rows[0]["image_path"]).resolve()
    if not path.is_relative_to(images) or not path.is_file():  # never serve outside the image folder
        raise HTTPException(404, "no_image")
    return FileResponse(path, media_type="image/jpeg")


async def status(request: Request) -> Response:
    require(request, VIEWING_ROLES, unlocked=False)
    return JSONResponse(status_strip(ctx(request).lane))


ROUTES = [
    Route("/api/events", events, methods=["GET"]),
    Route("/api/crossings/current", current, methods=["GET"]),
    Route("/api/crossings/{crossing_id}", crossing, methods=["GET"]),
    Route("/api/crossings/{crossing_id}/decision", decide, methods=["POST"]),
    Route("/api/history", history, methods=["GET"]),
    Route("/api/images/{read_id:int}", image, methods=["GET"]),
    Route("/api/status", status, methods=["GET"]),
]
