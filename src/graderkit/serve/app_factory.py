"""The ASGI application: routes, middleware, and a lifespan owning one Runner.

[`create_app`][graderkit.serve.app_factory.create_app] builds it from
[`ServeSettings`][graderkit.serve.ServeSettings]; ``app_from_environment`` builds it from the
settings JSON in ``GRADERKIT_SERVE_SETTINGS`` (how uvicorn's worker processes and Ray Serve
replicas get theirs). The runner is created at start-up and closed at shutdown, after uvicorn
has let in-flight requests finish.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graderkit._run.runner import Runner
from graderkit.serve import graders_api, reward_routes
from graderkit.serve.api_errors import error_body
from graderkit.serve.endpoints import Context, internal_error, json_response, secrets_from_env
from graderkit.serve.grader_registry import GraderRegistry
from graderkit.serve.grading_service import GradingService
from graderkit.serve.guards import AccessLog, ApiKeyGuard
from graderkit.serve.server_settings import SETTINGS_ENV, ServeSettings

__all__ = ["app_from_environment", "build_runner", "create_app"]


def build_runner(settings: ServeSettings) -> Runner:
    """The one runner of a server process, with the settings' judge and sandbox options."""
    models: Any = None
    python: Any = None
    if settings.judge:
        from graderkit._run.judge.engine import ModelEngine

        models = ModelEngine.from_env(**settings.judge)
    if settings.sandbox_workers is not None:
        from graderkit._run.sandbox.supervisor import PythonSandbox

        python = PythonSandbox(workers=settings.sandbox_workers)
    return Runner(models=models, python=python, concurrency=settings.concurrency)


def create_app(settings: ServeSettings | None = None) -> Starlette:
    """The graderkit server as an ASGI application (serve it with uvicorn, or Ray Serve).

    Args:
        settings: graders, limits, key and judge options (default: ``ServeSettings()``).

    Examples:
        >>> from starlette.testclient import TestClient
        >>> with TestClient(create_app()) as client:
        ...     client.get("/healthz").json()["status"]
        'ok'
    """
    settings = settings or ServeSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runner = build_runner(settings)
        app.state.context = Context(
            settings=settings,
            registry=GraderRegistry(settings.graders),
            service=GradingService(runner),
            secrets=secrets_from_env(settings),
        )
        try:
            yield
        finally:
            await runner.aclose()
            runner.close()

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            *graders_api.routes(),
            *reward_routes.routes(),
        ],
        middleware=_middleware(settings),
        exception_handlers={HTTPException: http_error, Exception: internal_error},
        lifespan=lifespan,
    )


def _middleware(settings: ServeSettings) -> list[Middleware]:
    stack = [Middleware(AccessLog)] if settings.access_log else []
    if settings.cors_origins:  # off by default: no CORS headers at all
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type"],
            )
        )
    key = settings.key
    if key:
        stack.append(Middleware(ApiKeyGuard, key=key))
    return stack


async def healthz(request: Request) -> Response:
    """``GET /healthz``: the process is up and its runner is ready."""
    context: Context = request.app.state.context
    body = {"status": "ok", "graders": context.registry.names(), "pid": os.getpid()}
    return json_response(context.encode(body))


async def http_error(request: Request, exc: Exception) -> Response:
    """404 / 405 in OpenAI's error shape."""
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
    body = error_body(f"{exc.detail}: {request.method} {request.url.path}", param=None, code=code)
    return json_response(orjson.dumps(body), exc.status_code)


def app_from_environment() -> Starlette:
    """The app for uvicorn's ``--factory`` workers: settings from ``GRADERKIT_SERVE_SETTINGS``."""
    text = os.environ.get(SETTINGS_ENV)
    return create_app(ServeSettings.from_json(text) if text else ServeSettings())
