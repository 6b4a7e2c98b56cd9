"""The graderkit app as a Ray Serve deployment: replicas and autoscaling on an existing cluster.

Each replica builds the same Starlette app [`create_app`][graderkit.serve.create_app] builds, from
the settings JSON (graders travel as their wire JSON), with its own Runner; Ray's proxy spreads
requests over the replicas. The server's key reaches the replicas in ``GRADERKIT_API_KEY``
through the deployment's ``runtime_env``; the judge's key must be in the replicas' environment
(``OPENAI_API_KEY``; on a cluster, put it in the runtime_env or the nodes' environment).

Examples:
    >>> from graderkit.serve.ray_serve import deployment_options
    >>> deployment_options(autoscaling={"min_replicas": 1, "max_replicas": 4})["autoscaling_config"]
    {'min_replicas': 1, 'max_replicas': 4}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graderkit.errors import MissingDependency
from graderkit.serve.app_factory import create_app
from graderkit.serve.server_settings import API_KEY_ENV, ServeSettings

__all__ = ["deployment", "deployment_options"]


def deployment_options(
    settings: ServeSettings | None = None,
    *,
    num_replicas: int | None = None,
    autoscaling: Mapping[str, Any] | None = None,
    max_ongoing_requests: int | None = None,
    num_cpus: float | None = None,
    name: str = "graderkit",
) -> dict[str, Any]:
    """The ``serve.deployment`` options for the graderkit app.

    Args:
        settings: the server settings (their ``api_key`` goes to the replicas' environment).
        num_replicas: a fixed number of replicas (exclusive with ``autoscaling``).
        autoscaling: Ray Serve's ``autoscaling_config`` (``min_replicas``, ``max_replicas``,
            ``target_ongoing_requests``, ...).
        max_ongoing_requests: requests one replica takes at once (Ray's default when unset).
        num_cpus: CPUs reserved per replica (python graders use more: one per sandbox worker).
        name: the deployment's name.

    Raises:
        ValueError: both ``num_replicas`` and ``autoscaling`` were given.
    """
    if num_replicas is not None and autoscaling is not None:
        raise ValueError("give num_replicas or autoscaling, not both")
    options: dict[str, Any] = {"name": name}
    if num_replicas is not None:
        options["num_replicas"] = num_replicas
    if autoscaling is not None:
        options["autoscaling_config"] = dict(autoscaling)
    if max_ongoing_requests is not None:
        options["max_ongoing_requests"] = max_ongoing_requests
    actor: dict[str, Any] = {}
    if num_cpus is not None:
        actor["num_cpus"] = num_cpus
    if settings is not None and settings.api_key:
        actor["runtime_env"] = {"env_vars": {API_KEY_ENV: settings.api_key}}
    if actor:
        options["ray_actor_options"] = actor
    return options


class _Replica:
    """One replica: builds the app from the settings JSON when Ray starts it."""

    def __init__(self, settings_json: str) -> None:
        self.settings_json = settings_json

    def __serve_build_asgi_app__(self) -> Any:
        return create_app(ServeSettings.from_json(self.settings_json))


def deployment(settings: ServeSettings | None = None, **options: Any) -> Any:
    """A bound Ray Serve application serving the graderkit app; run it with ``serve.run``.

    It needs a running Ray (``ray.init()``); docs/serve-scaling.md shows the calls and
    ``tests/serve/test_ray_serve.py`` runs them on a local Ray instance.

    Args:
        settings: the server settings (default ``ServeSettings()``).
        **options: [`deployment_options`][graderkit.serve.ray_serve.deployment_options]'s.
    """
    try:
        from ray import serve
    except ImportError as exc:  # ray itself, or one of ray[serve]'s own libraries (grpc, ...)
        missing = (exc.name or "ray").partition(".")[0]
        raise MissingDependency(
            missing, "graderkit's Ray Serve deployment", "pip install 'graderkit[ray-serve]'"
        ) from exc
    settings = settings or ServeSettings()
    ingress = serve.ingress()(_Replica)
    made = serve.deployment(**deployment_options(settings, **options))(ingress)
    return made.bind(settings.to_json())
