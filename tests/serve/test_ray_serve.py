"""The same app as a Ray Serve deployment on a local Ray instance (2 CPUs, no dashboard)."""

from __future__ import annotations

import socket
import warnings
from collections.abc import Iterator

import httpx
import openai
import pytest
from serve_cases import CLINICAL, SERVER_KEY

import graderkit as gk
from graderkit.serve import ServeSettings
from graderkit.serve.ray_serve import deployment, deployment_options


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def ray_serve_url() -> Iterator[str]:
    import ray

    with warnings.catch_warnings():  # Ray Serve's own models use pydantic-v1 Field extras
        warnings.simplefilter("ignore", DeprecationWarning)
        from ray import serve

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    port = _free_port()
    try:
        serve.start(http_options={"host": "127.0.0.1", "port": port})
        settings = ServeSettings(graders={"clinical": CLINICAL}, api_key=SERVER_KEY)
        app = deployment(settings, num_replicas=2, num_cpus=0.5, max_ongoing_requests=32)
        serve.run(app, name="graderkit", route_prefix="/")
        yield f"http://127.0.0.1:{port}"
    finally:
        serve.shutdown()
        ray.shutdown()


@pytest.mark.slow
def test_the_official_client_and_the_batch_route_through_ray_serve(ray_serve_url: str) -> None:
    with openai.OpenAI(base_url=f"{ray_serve_url}/v1", api_key=SERVER_KEY, max_retries=0) as c:
        reply = c.fine_tuning.alpha.graders.run(grader=gk.to_openai(CLINICAL),
                                                model_sample="gout",
                                                item={"reference_answer": "gout"})  # fmt: skip
        assert reply.reward == 1.0
        check = c.fine_tuning.alpha.graders.validate(grader=gk.to_openai(CLINICAL))
        assert check.to_dict(warnings=False) == {"grader": gk.to_openai(CLINICAL)}
        with pytest.raises(openai.BadRequestError) as caught:
            c.fine_tuning.alpha.graders.validate(grader={"type": "nope"})
        assert caught.value.param == "grader.type"
    headers = {"Authorization": f"Bearer {SERVER_KEY}"}
    samples = ["gout", "lupus", "acute gout"] * 50
    items = [{"reference_answer": "gout"}] * len(samples)
    expected = [r.reward for r in gk.grade_many(CLINICAL, samples, items)]
    for _ in range(10):
        batch = httpx.post(f"{ray_serve_url}/v1/rewards", headers=headers, timeout=60,
                           json={"grader": "clinical", "samples": samples, "items": items})  # fmt: skip
        assert batch.json()["rewards"] == expected
    assert httpx.post(f"{ray_serve_url}/v1/rewards", json={}, timeout=60).status_code == 401
    from ray import serve

    status = serve.status().applications["graderkit"].deployments["graderkit"]
    assert status.replica_states.get("RUNNING") == 2


def test_deployment_options() -> None:
    settings = ServeSettings(api_key="k" * 16)
    options = deployment_options(settings, autoscaling={"min_replicas": 1, "max_replicas": 8,
                                 "target_ongoing_requests": 16}, num_cpus=1)  # fmt: skip
    assert options == {
        "name": "graderkit",
        "autoscaling_config": {"min_replicas": 1, "max_replicas": 8, "target_ongoing_requests": 16},
        "ray_actor_options": {"num_cpus": 1, "runtime_env": {"env_vars": {"GRADERKIT_API_KEY": "k" * 16}}},
    }  # fmt: skip
    with pytest.raises(ValueError, match="not both"):
        deployment_options(num_replicas=2, autoscaling={"max_replicas": 2})
