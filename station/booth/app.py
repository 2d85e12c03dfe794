"""The booth's Starlette application: pages, static files, API routes, security headers."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from garita.station.booth import routes_auth, routes_lane, routes_tech
from garita.station.booth.context import BoothContext
from garita.station.booth.headers import SecurityHeaders
from garita.station.booth.i18n import LANGUAGES, catalog
from garita.station.booth.limits import RequestLimits

STATIC = Path(__file__).parent / "static"


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html")


async def messages(request: Request) -> Response:
    language = request.path_params["language"]
    if language not in LANGUAGES:
        raise HTTPException(404, "no_language")
    return JSONResponse(catalog(language))


async def error_json(request: Request, exc: Exception) -> Response:
    """Errors are codes the page looks up in its catalog, never English text."""
    if isinstance(exc, HTTPException):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    return JSONResponse({"error": "server_error"}, status_code=500)


def build_app(context: BoothContext) -> Starlette:
    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/i18n/{language}", messages, methods=["GET"]),
        *routes_auth.ROUTES, *routes_lane.ROUTES, *routes_tech.ROUTES,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    names = [context.config.host, *context.config.server_names]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders), Middleware(RequestLimits, names=names)],
                    exception_handlers={HTTPException: error_json, 500: error_json})
    app.state.booth = context
    return app
