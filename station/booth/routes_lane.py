"""The officer's endpoints: live events, the current crossing, the decision, history, images, status."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from garita.station.booth.cosign import cosigner
from garita.station.booth.crossing_view import crossing_detail, current_crossing_id, queue_view
from garita.station.booth.decisions import DecisionRefused
from garita.station.booth.event_stream import Subscriber, is_alert, sse
from garita.station.booth.guard import SESSION_COOKIE, check_csrf, ctx, json_body, require
from garita.station.booth.history import search
from garita.station.booth.officer_accounts import DECIDING_ROLES, get_officer
from garita.station.booth.plate_images import NoImage, boxed_jpeg, crop_jpeg
from garita.station.booth.risk_panel import assessment_of
from garita.station.booth.status import status_strip
from garita.station.core.decision_service import DecisionAsk, DecisionService, View
from garita.station.core.lifecycle import IllegalTransition, UnknownCrossing
from garita.station.storage import crossings_repo

HEARTBEAT_S = 15.0
MAX_ROW_ID = 2**63 - 1
VIEWING_ROLES = DECIDING_ROLES | {"technician"}


def _current(request: Request) -> dict | None:
    crossing_id = current_crossing_id(ctx(request).store)
    return crossing_detail(ctx(request).services, crossing_id) if crossing_id else None


async def current(request: Request) -> Response:
    require(request, DECIDING_ROLES)
    return JSONResponse({"crossing": _current(request), "queue": queue_view(ctx(request).store)})


async def crossing(request: Request) -> Response:
    require(request, DECIDING_ROLES)
    detail = crossing_detail(ctx(request).services, request.path_params["crossing_id"])
    if detail is None:
        raise HTTPException(404, "no_crossing")
    return JSONResponse({"crossing": detail})


async def _stream(request: Request, subscriber: Subscriber) -> AsyncIterator[str]:
    """One page's event stream; while the session is locked it carries no crossing data."""
    booth = ctx(request)
    try:
        yield "retry: 1000\n\n"  # reconnect within a second of a daemon restart
        visible = _may_see(request)
        yield sse("hello", {"crossing": _current(request) if visible else None,
                            "queue": queue_view(booth.store) if visible else []})
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
            if session.locked:  # no crossing data while locked; an alert still shows and sounds, without details
                yield sse("alert_locked", {}) if is_alert(message) else sse("locked", {})
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


REFUSAL_STATUS = {"no_crossing": 404, "already_decided": 409, "officer_refused": 403, "awaiting_other_agency": 409,
                  "joint_changed": 409, "dispute_needs_supervisor": 403, "agency_required": 403}


async def decide(request: Request) -> Response:
    """Recorded (decision, audit, outbox in one commit) before the answer: the screen confirms only then.

    The session authenticated the officer; station/core/decision_service.py applies the rules every channel shares."""
    check_csrf(request)
    session = require(request, DECIDING_ROLES)
    booth = ctx(request)
    crossing_id = request.path_params["crossing_id"]
    body = await json_body(request)
    assessment = assessment_of(booth.services, crossing_id)
    view = View(assessment["recommendation"], tuple(assessment["waiting_for"])) if assessment else View(None)
    service = DecisionService(booth.store, booth.services.decide, booth.config.detain_override_needs_supervisor,
                              booth.services.joint)
    ask = DecisionAsk(crossing_id, str(body.get("action", "")), "booth", session.officer, session.officer.id,
                      str(body.get("reason_code", "")), str(body.get("reason_text", "")))
    try:
        service.check(ask, view)
        if service.needs_cosign(ask, view):
            try:
                supervisor_id = await cosigner(booth, body, session.officer, crossing_id)
            except DecisionRefused as exc:
                service.refuse(ask, exc.code)
            ask = replace(ask, supervisor=get_officer(booth.store, supervisor_id))
        outcome = service.submit(ask, view)
    except DecisionRefused as exc:
        raise HTTPException(REFUSAL_STATUS.get(exc.code, 422), exc.code) from None
    booth.sessions.touch(session)
    if outcome.state != "decided":  # the other screens show the proposal, or the dispute, at once
        booth.services.hooks.tell(f"joint.{outcome.state}", {"crossing_id": crossing_id})
    decided = outcome.id if outcome.state == "decided" else None
    return JSONResponse({"decision_id": decided, "crossing_id": crossing_id, "action": ask.action,
                         "state": outcome.state, "awaiting": outcome.awaiting, "expires_at": outcome.expires_at})


async def move_read(request: Request) -> Response:
    """The officer puts a read where it belongs: another undecided crossing, or one of its own (``to`` empty)."""
    check_csrf(request)
    session = require(request, DECIDING_ROLES)
    booth = ctx(request)
    body = await json_body(request)
    target = str(body.get("to") or "") or None
    try:
        moved_to = booth.services.move_read(request.path_params["read_id"], target, f"officer:{session.officer.id}",
                                            str(body.get("reason", ""))[:300])
    except KeyError:
        raise HTTPException(404, "no_read") from None
    except UnknownCrossing:
        raise HTTPException(404, "no_crossing") from None
    except IllegalTransition:
        raise HTTPException(409, "already_decided") from None
    booth.sessions.touch(session)
    return JSONResponse({"read_id": request.path_params["read_id"], "crossing_id": moved_to})


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
    relative = crossings_repo.image_path(booth.store, request.path_params["read_id"])
    if not relative:
        raise HTTPException(404, "no_image")
    images = (booth.services.data_dir / "images").resolve()
    path = (booth.services.data_dir / relative).resolve()
    if not path.is_relative_to(images) or not path.is_file():  # never serve outside the image folder
        raise HTTPException(404, "no_image")
    return FileResponse(path, media_type="image/jpeg")


def _image_file(booth, read: dict) -> Path:
    """The stored image of a read, or of the image it was read from; never a path outside the image folder."""
    relative = read["image_path"]
    source_id = read["data"].get("image_read_id")
    if not relative and isinstance(source_id, int):
        source = booth.store.read(source_id)
        relative = source["image_path"] if source else None
    images = (booth.services.data_dir / "images").resolve()
    path = (booth.services.data_dir / relative).resolve() if relative else None
    if path is None or not path.is_relative_to(images) or not path.is_file():
        raise HTTPException(404, "no_image")
    return path


async def plate_crop(request: Request) -> Response:
    """A sharp crop of one plate read, from the box the recogniser stored with it."""
    require(request, VIEWING_ROLES)
    booth = ctx(request)
    read = booth.store.read(request.path_params["read_id"])
    if read is None or read["kind"] != "plate":
        raise HTTPException(404, "no_image")
    try:
        jpeg = await asyncio.to_thread(crop_jpeg, _image_file(booth, read), read["data"].get("box"))
    except NoImage:
        raise HTTPException(404, "no_image") from None
    return Response(jpeg, media_type="image/jpeg")


async def boxed_photo(request: Request) -> Response:
    """The vehicle photo with the box of every plate read from it drawn in."""
    require(request, VIEWING_ROLES)
    booth = ctx(request)
    read = booth.store.read(request.path_params["read_id"])
    if read is None:
        raise HTTPException(404, "no_image")
    boxes = [data.get("box") for data in crossings_repo.plates_from_image(booth.store, read["id"])]
    try:
        jpeg = await asyncio.to_thread(boxed_jpeg, _image_file(booth, read), boxes)
    except NoImage:
        raise HTTPException(404, "no_image") from None
    return Response(jpeg, media_type="image/jpeg")


async def status(request: Request) -> Response:
    require(request, VIEWING_ROLES, unlocked=False)
    return JSONResponse(status_strip(ctx(request).services))


ROUTES = [
    Route("/api/events", events, methods=["GET"]),
    Route("/api/crossings/current", current, methods=["GET"]),
    Route("/api/crossings/{crossing_id}", crossing, methods=["GET"]),
    Route("/api/crossings/{crossing_id}/decision", decide, methods=["POST"]),
    Route("/api/reads/{read_id:int}/move", move_read, methods=["POST"]),
    Route("/api/history", history, methods=["GET"]),
    Route("/api/images/{read_id:int}", image, methods=["GET"]),
    Route("/api/images/{read_id:int}/boxed", boxed_photo, methods=["GET"]),
    Route("/api/images/{read_id:int}/crop", plate_crop, methods=["GET"]),
    Route("/api/status", status, methods=["GET"]),
]
