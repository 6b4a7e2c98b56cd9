"""``graderkit serve``: OpenAI's graders API and reward routes for trainers, over HTTP.

What lives here: the ASGI application (Starlette, served by uvicorn) and its parts, one concept
per module: [`create_app`][graderkit.serve.app_factory.create_app] (routes and lifespan: one
[`Runner`][graderkit.Runner] per server process), the OpenAI-shaped error bodies, the request
readers (size limit, typed JSON paths), the registry of named graders, the guards (API key,
structured access log), the reward routes (batch, OpenRLHF's ``/get_reward``), running a server
in a thread or from the command line, and the Ray Serve deployment. It is a layer-3 package
like ``integrations``: it may import ``errors``, ``_core`` and ``_run`` (never ``cli``), plus
starlette, uvicorn and orjson (the ``serve`` extra); ``import graderkit`` never imports it.

Examples:
    >>> import graderkit as gk
    >>> from openai import OpenAI
    >>> from graderkit.serve import ServeSettings, serve_in_thread
    >>> exact = gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", name="exact")
    >>> with serve_in_thread(ServeSettings(graders={"exact": exact})) as url:
    ...     client = OpenAI(base_url=f"{url}/v1", api_key="unused-on-loopback")
    ...     reply = client.fine_tuning.alpha.graders.run(
    ...         grader=gk.to_openai(exact), model_sample="Paris", item={"answer": "Paris"}
    ...     )
    ...     client.close()
    >>> reply.reward
    1.0
"""

from __future__ import annotations

from graderkit._optional import requires

with requires("graderkit serve"):
    import orjson  # noqa: F401
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401

from graderkit.serve.app_factory import create_app
from graderkit.serve.background import serve_in_thread
from graderkit.serve.server_settings import ServeSettings

__all__ = ["ServeSettings", "create_app", "serve_in_thread"]
