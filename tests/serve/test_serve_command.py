"""``graderkit serve`` as a real process: start-up, refusal off loopback, JSON access log,
graceful shutdown on SIGTERM with a request in flight, several workers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import openai
import pytest
from serve_cases import CLINICAL, SERVER_KEY

import graderkit as gk
from graderkit.testing.fake_openai import FakeOpenAI, FakeRequest, Response, judge_reply

GRADERKIT = [sys.executable, "-m", "graderkit.cli"]
RUN = "/v1/fine_tuning/alpha/graders/run"


class Served:
    """A ``graderkit serve`` subprocess and the lines of its stderr."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [*GRADERKIT, "serve", *args], stderr=subprocess.PIPE, text=True, env=env
        )
        assert self.proc.stderr is not None
        self.lines: list[str] = []
        self.url = self._wait_listening(self.proc.stderr)
        self._reader = threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True)
        self._reader.start()

    def _wait_listening(self, stream: IO[str]) -> str:
        for line in stream:
            self.lines.append(line)
            if '"event": "listening"' in line:
                return str(json.loads(line)["url"])
        raise AssertionError("graderkit serve exited: " + "".join(self.lines))

    def _drain(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line)

    def wait_ready(self) -> None:
        for _ in range(300):
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                threading.Event().wait(0.1)
        raise AssertionError("no /healthz: " + "".join(self.lines))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        self._reader.join(timeout=10)
        assert self.proc.stderr is not None
        self.proc.stderr.close()
        return code


@pytest.fixture
def grader_file(tmp_path: Path) -> Path:
    path = tmp_path / "clinical.json"
    path.write_text(gk.to_json(CLINICAL))
    return path


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GRADERKIT_API_KEY"}
    return {**env, "OPENAI_API_KEY": "sk-judge-for-tests", **extra}


@pytest.fixture
def served(grader_file: Path) -> Iterator[Served]:
    s = Served(["--port", "0", "--grader", f"clinical={grader_file}"], _env())
    try:
        yield s
    finally:
        s.stop()


def test_off_loopback_without_a_key_is_refused(grader_file: Path) -> None:
    done = subprocess.run([*GRADERKIT, "serve", "--host", "0.0.0.0", "--port", "0"],
                          capture_output=True, text=True, env=_env(), timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert "without an API key" in done.stderr


def test_bad_grader_spec_is_a_usage_error(grader_file: Path) -> None:
    done = subprocess.run([*GRADERKIT, "serve", "--grader", str(grader_file)],
                          capture_output=True, text=True, env=_env(), timeout=60)  # fmt: skip
    assert done.returncode == 2  # ExitCode.USAGE
    assert "NAME=REF" in done.stderr


def test_serves_and_logs_json_without_secrets(served: Served) -> None:
    served.wait_ready()
    secret_item = {"reference_answer": "TOP-SECRET-ANSWER"}
    with openai.OpenAI(base_url=f"{served.url}/v1", api_key="sk-client-key-123456") as client:
        reply = client.fine_tuning.alpha.graders.run(
            grader=gk.to_openai(CLINICAL), model_sample="TOP-SECRET-ANSWER", item=secret_item
        )
    assert reply.reward == 1.0
    rewards = httpx.post(f"{served.url}/v1/rewards", json={"grader": "clinical",
                         "samples": ["a"], "items": [secret_item]})  # fmt: skip
    assert rewards.status_code == 200
    assert served.stop() == 0
    access = [json.loads(line) for line in served.lines if '"event":"request"' in line]
    assert [(a["method"], a["path"], a["status"]) for a in access][-2:] == [
        ("POST", RUN, 200), ("POST", "/v1/rewards", 200)]  # fmt: skip
    log = "".join(served.lines)
    assert "TOP-SECRET-ANSWER" not in log and "sk-client-key-123456" not in log


def _held_judge(arrived: threading.Event, release: threading.Event) -> Any:
    def chat(request: FakeRequest) -> Response:
        arrived.set()
        release.wait(30)
        return judge_reply(0.5)

    return chat


def test_sigterm_lets_the_request_in_flight_finish(grader_file: Path) -> None:
    arrived, release = threading.Event(), threading.Event()
    judge = gk.score_model("Rate {{ sample.output_text }}", model="gpt-4.1", name="judge")
    with FakeOpenAI(chat=_held_judge(arrived, release), lifetime=120) as fake:
        served = Served(["--port", "0", "--base-url", fake.base_url], _env())
        served.wait_ready()
        result: dict[str, Any] = {}

        def call() -> None:
            body = {"grader": gk.to_openai(judge), "model_sample": "x"}
            result["reply"] = httpx.post(f"{served.url}{RUN}", json=body, timeout=60)

        caller = threading.Thread(target=call)
        caller.start()
        assert arrived.wait(60), "".join(served.lines)
        served.proc.send_signal(signal.SIGTERM)
        release.set()
        caller.join(timeout=60)
        assert served.stop() == 0
    assert result["reply"].status_code == 200
    assert result["reply"].json()["reward"] == 0.5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_several_workers_share_the_port_and_the_key(grader_file: Path) -> None:
    port = _free_port()
    served = Served(["--port", str(port), "--workers", "2", "--grader", f"clinical={grader_file}"],
                    _env(GRADERKIT_API_KEY=SERVER_KEY))  # fmt: skip
    try:
        served.wait_ready()
        headers = {"Authorization": f"Bearer {SERVER_KEY}"}
        for _ in range(20):
            reply = httpx.post(f"{served.url}/v1/rewards", headers=headers,
                               json={"grader": "clinical", "samples": ["gout"],
                                     "items": [{"reference_answer": "gout"}]})  # fmt: skip
            assert reply.json()["rewards"] == [1.0]
        assert httpx.post(f"{served.url}/v1/rewards", json={}).status_code == 401
    finally:
        assert served.stop() == 0
