"""The technician view (technician role only): device health, live decoded reads, a camera snapshot,
and in mock mode the scenario controls."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from garita.station.booth.guard import check_csrf, ctx, json_body, require, session_of
from garita.station.booth.mock_controls import MockControlError

TECHNICIAN = frozenset({"technician"})
STATIC = Path(__file__).parent / "static"


async def page(request: Request) -> Response:
    """The page itself is refused to every role but technician, not only its data."""
    session = session_of(request)
    if session is None or session.locked:
        return RedirectResponse("/", status_code=303)
    if session.officer.role != "technician":
        return FileResponse(STATIC / "forbidden.html", status_code=403)
    return FileResponse(STATIC / "tech.html")


async def tech_status(request: Request) -> Response:
    require(request, TECHNICIAN)
    services = ctx(request).services
    controls = services.mock
    return JSONResponse({"status": services.lane_status(), "mock": controls.describe() if controls else None})


async def snapshot(request: Request) -> Response:
    require(request, TECHNICIAN)
    name = request.path_params["device"]
    camera = ctx(request).services.cameras.get(name)
    shot = camera.snapshot() if camera is not None else None
    if not shot:
        raise HTTPException(404, "no_frame")
    return Response(shot[0], media_type="image/jpeg")


async def mock_control(request: Request) -> Response:
    check_csrf(request)
    require(request, TECHNICIAN)
    controls = ctx(request).services.mock
    if controls is None:
        raise HTTPException(404, "not_mock")
    body = await json_body(request)
    operation = body.get("op")
    try:
        if operation == "start":
            controls.start()
        elif operation == "pause":
            controls.pause()
        elif operation == "fault":
            controls.fault(str(body.get("device", "")), str(body.get("fault", "")))
        elif operation == "vehicle":
            controls.vehicle(str(body.get("vehicle", "")))
        else:
            raise MockControlError("bad_request")
    except MockControlError as exc:
        raise HTTPException(422, str(exc)) from None
    return JSONResponse({"mock": controls.describe()})


ROUTES = [
    Route("/tech", page, methods=["GET"]),
    Route("/api/tech/status", tech_status, methods=["GET"]),
    Route("/api/tech/snapshot/{device}", snapshot, methods=["GET"]),
    Route("/api/tech/mock", mock_control, methods=["POST"]),
]
