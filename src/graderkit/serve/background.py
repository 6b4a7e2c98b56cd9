"""Running a server: in a background thread (tests, notebooks, docs) or in the foreground.

Both bind the socket themselves before uvicorn starts, so port 0 means "any free port" and the
URL is known before the first request.
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.config
import os
import signal
import socket
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from graderkit.serve.app_factory import create_app
from graderkit.serve.server_settings import API_KEY_ENV, SETTINGS_ENV, ServeSettings

__all__ = ["LOG_CONFIG", "bind", "run_server", "serve_in_thread"]

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(message)s"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "graderkit.serve": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
"""Logging for ``graderkit serve``: the access log's JSON lines and uvicorn's own messages on
stderr (uvicorn's access log is off: it would print query strings)."""


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port=0``: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
    # socket says TCP; without it a client writing headers and body apart waits 40 ms for the
    # delayed ACK (measured: 46 ms per graders/run call instead of 1.9 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(2048)
    return sock


def _config(app: Any, **options: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app, access_log=False, log_config=None, lifespan="on", timeout_graceful_shutdown=30,
        **options,
    )  # fmt: skip


@contextlib.contextmanager
def serve_in_thread(
    settings: ServeSettings | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve the graderkit app from a background thread; yields its base URL.

    Examples:
        >>> import httpx
        >>> with serve_in_thread() as url:
        ...     httpx.get(f"{url}/healthz").json()["status"]
        'ok'
    """
    settings = settings or ServeSettings()
    settings.check_binding(host)
    sock = bind(host, port)
    server = uvicorn.Server(_config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the graderkit server did not start (see its log)")
            threading.Event().wait(0.01)
        yield _url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=35)
        sock.close()


def run_server(
    settings: ServeSettings, *, host: str, port: int, workers: int = 1, log_level: str = "info"
) -> None:
    """Serve in the foreground until SIGINT / SIGTERM (then finish in-flight requests).

    With ``workers > 1`` uvicorn starts that many processes; each rebuilds the app from the
    settings JSON (``GRADERKIT_SERVE_SETTINGS``) and the key (``GRADERKIT_API_KEY``).
    """
    settings.check_binding(host)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal with the
    # handlers it found; this one turns that into a normal exit (status 0).
    signal.signal(signal.SIGTERM, _exit_normally)
    logging.config.dictConfig(LOG_CONFIG)
    logging.getLogger("graderkit.serve").setLevel(log_level.upper())
    if workers == 1:
        sock = bind(host, port)
        config = _config(create_app(settings), log_level=log_level)
        _announce(sock, workers)
        uvicorn.Server(config).run(sockets=[sock])
        return
    os.environ[SETTINGS_ENV] = settings.to_json()
    if settings.api_key:
        os.environ[API_KEY_ENV] = settings.api_key
    config = uvicorn.Config(
        "graderkit.serve.app_factory:app_from_environment", factory=True, workers=workers,
        access_log=False, log_config=LOG_CONFIG, log_level=log_level, lifespan="on",
        timeout_graceful_shutdown=30,
    )  # fmt: skip
    sock = bind(host, port)
    _announce(sock, workers)
    Multiprocess(config, sockets=[sock]).run()


def _exit_normally(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _announce(sock: socket.socket | None, workers: int, url: str = "") -> None:
    """One JSON line saying where the server listens (the port when ``--port 0``)."""
    record = {"event": "listening", "url": _url(sock) if sock else url, "workers": workers}
    logging.getLogger("graderkit.serve").info(json.dumps(record))
