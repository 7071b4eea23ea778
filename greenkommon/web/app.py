"""The Starlette application behind ``greenkommon serve``: the page, its static files, the API.

Routes (every ``POST`` takes the evaluate body ``{"scenario": ..., "set": {...}}`` as JSON, except
the upload)::

    GET  /                          the page (French; ?lang=en for English)
    GET  /static/...                its script and style sheet (package data)
    GET  /api/scenarios             the scenarios of the folder and the default one
    POST /api/evaluate              results as JSON (units in the field names)
    POST /api/monthly.svg?lang=fr   monthly energy plot (SVG, matplotlib)
    POST /api/plan?lang=fr          the plan's ranked eligible configurations (greenkommon plan)
    POST /api/download/scenario.toml | report.html?lang=&operation= | workbook.xlsx?lang=&operation=
         | enedis-key.zip
    POST /api/upload?kind=scenario|load&filename=NAME   raw file body -> {"token": "upload:..."}

A refused request gets a 4xx and ``{"error": "<one line>"}``; an unexpected failure a 500 with a
one-line message (the traceback goes to the server's log only).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import GreenkommonError
from .service import LANGS, MAX_JSON_BYTES, Service
from .store import MAX_UPLOAD_BYTES, RequestError

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"

#: The page loads nothing but its own files; plots arrive as blob: images.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)

#: Host names a browser uses for a server bound to the loopback (DNS-rebinding guard).
LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]

#: Beyond this many bytes a too-large body is no longer read (the connection is closed).
_DRAIN_BYTES = 64 * 1024 * 1024

_DOWNLOADS = {
    "scenario.toml": ("application/toml; charset=utf-8", "scenario"),
    "report.html": ("text/html; charset=utf-8", "report"),
    "workbook.xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "workbook",
    ),
    "enedis-key.zip": ("application/zip", "key"),
}


def create_app(
    folder: str | Path, default: str | None = None, local_only: bool = True
) -> Starlette:
    """The web application serving the scenarios of ``folder``.

    Parameters
    ----------
    folder : Path
        Scenarios folder (the page's picker lists its ``*.toml``).
    default : str, optional
        File name of the scenario the page opens with.
    local_only : bool
        Answer only requests addressed to the loopback host names (default); ``False`` when the
        server listens on the network (``--host``).
    """
    service = Service(folder, default)

    def error(message: str, status: int) -> JSONResponse:
        return JSONResponse({"error": service.public_message(message)}, status_code=status)

    def guarded(
        handler: Callable[[Request], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestError as exc:
                return error(str(exc), exc.status)
            except GreenkommonError as exc:
                return error(str(exc), 400)
            except Exception as exc:  # a bug: one line to the user, the traceback to the log
                log.exception("internal error on %s", request.url.path)
                return error(f"internal error: {type(exc).__name__}: {exc}", 500)

        return endpoint

    async def body(request: Request, limit: int) -> bytes:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size <= limit:
                chunks.append(chunk)
            elif size > _DRAIN_BYTES:
                break  # read (and drop) a too-large body so the client sees the answer, up to a point
        if size > limit:
            raise RequestError(f"request body larger than {limit:,} bytes", 413)
        return b"".join(chunks)

    def json_body_required(request: Request) -> None:
        # a JSON content type makes a cross-site page ask first (CORS preflight), which we refuse
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise RequestError("expected Content-Type: application/json", 415)

    def lang_of(request: Request) -> str:
        lang = request.query_params.get("lang", "fr")
        if lang not in LANGS:
            raise RequestError(f"lang = {lang!r}: expected one of {', '.join(LANGS)}")
        return lang

    async def evaluated(request: Request) -> Any:
        json_body_required(request)
        raw = await body(request, MAX_JSON_BYTES)
        return await run_in_threadpool(service.evaluate, raw)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    async def scenarios(request: Request) -> Response:
        listing = await run_in_threadpool(lambda: list(service.store.describe()))
        return JSONResponse({"scenarios": listing, "default": service.default})

    async def evaluate(request: Request) -> Response:
        evaluation = await evaluated(request)
        return JSONResponse(await run_in_threadpool(service.payload, evaluation))

    async def plan(request: Request) -> Response:
        lang = lang_of(request)
        json_body_required(request)
        raw = await body(request, MAX_JSON_BYTES)
        return JSONResponse(await run_in_threadpool(service.plan, raw, lang))

    async def monthly_svg(request: Request) -> Response:
        lang = lang_of(request)
        evaluation = await evaluated(request)
        svg = await run_in_threadpool(service.monthly_svg, evaluation, lang)
        return Response(svg, media_type="image/svg+xml")

    async def download(request: Request) -> Response:
        what = request.path_params["what"]
        if what not in _DOWNLOADS:
            raise RequestError(
                f"no download {what!r} (expected one of {', '.join(_DOWNLOADS)})", 404
            )
        media, kind = _DOWNLOADS[what]
        lang = lang_of(request)
        operation = request.query_params.get("operation")
        evaluation = await evaluated(request)
        if kind == "scenario":
            content: bytes = (await run_in_threadpool(service.scenario_toml, evaluation)).encode()
        elif kind == "report":
            content = await run_in_threadpool(service.report_html, evaluation, lang, operation)
        elif kind == "workbook":
            content = await run_in_threadpool(service.workbook, evaluation, lang, operation)
        else:
            content = await run_in_threadpool(service.enedis_key_zip, evaluation)
        stem = Path(evaluation.variant.label).stem
        filename = f"{stem}-{what}" if kind != "scenario" else f"{stem}-page.toml"
        return Response(
            content,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{_ascii(filename)}"'},
        )

    async def upload(request: Request) -> Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/octet-stream":
            raise RequestError("expected the file as Content-Type: application/octet-stream", 415)
        kind = request.query_params.get("kind", "")
        filename = request.query_params.get("filename", "")
        data = await body(request, MAX_UPLOAD_BYTES)
        token = await run_in_threadpool(service.store.save_upload, data, kind, filename)
        return JSONResponse({"token": token, "kind": kind})

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
        return error(f"{request.url.path}: {detail}", status)

    routes = [
        Route("/", guarded(index)),
        Route("/api/scenarios", guarded(scenarios)),
        Route("/api/evaluate", guarded(evaluate), methods=["POST"]),
        Route("/api/monthly.svg", guarded(monthly_svg), methods=["POST"]),
        Route("/api/plan", guarded(plan), methods=["POST"]),
        Route("/api/download/{what}", guarded(download), methods=["POST"]),
        Route("/api/upload", guarded(upload), methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [Middleware(SecurityHeaders)]
    if local_only:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=LOCAL_HOSTS))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            service.close()

    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: not_found},
        lifespan=lifespan,
    )
    app.state.service = service
    return app


class SecurityHeaders:
    """ASGI middleware adding the content policy and no-cache headers to every response."""

    _HEADERS = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cache-control", b"no-store"),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self._HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
