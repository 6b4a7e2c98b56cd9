"""The fake server's fine-tuning routes: files, graders run/validate, fine-tuning jobs.

``FakeOpenAI`` mixes in
``FineTuningRoutes``, so the same loopback
server also answers (OpenAI paths under ``/v1``, Azure paths under ``/openai``):

- ``POST /files`` (multipart): stores the file, answers a file object (``id`` ``file-fake<N>``);
- ``POST /fine_tuning/alpha/graders/validate``: loads the grader with graderkit; a grader it
  rejects gets HTTP 400 with graderkit's message, else the grader is echoed (a missing
  ``name`` gets a generated ``grader-<12 hex>``, as the service does);
- ``POST /fine_tuning/alpha/graders/run``: grades locally with graderkit (model graders ask
  this same server for their judge reply), answering the ``graders/run`` response shape;
- ``POST /fine_tuning/jobs``: checks that the files were uploaded and the grader loads, stores
  and answers a job object; ``GET /fine_tuning/jobs/<id>`` returns it.

Tests script these routes with ``enqueue_service``
(answers for the next fine-tuning requests, e.g. an ``HTTPError(429)``) or by replacing the
``graders_run`` / ``graders_validate`` handlers. These requests are logged in
``service_requests`` and are not counted in ``request_count`` (which counts model calls).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from typing import Any, TypeAlias
from urllib.parse import parse_qs, urlsplit

from graderkit.testing._fake_wire import HTTPError, http_bytes

__all__ = ["FakeFile", "FineTuningRoutes", "ServiceRequest", "ServiceResponse"]

ServiceResponse: TypeAlias = "Mapping[str, Any] | HTTPError"
"""A 200 JSON body, or an error status."""
ServiceHandler: TypeAlias = "Callable[[Mapping[str, Any]], ServiceResponse]"

_ROUTES = (
    ("/fine_tuning/alpha/graders/validate", "graders_validate"),
    ("/fine_tuning/alpha/graders/run", "graders_run"),
    ("/fine_tuning/jobs", "jobs_create"),
    ("/files", "files"),
)


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """One fine-tuning request: ``route`` is ``files``, ``graders_validate``, ``graders_run``,
    ``jobs_create`` or ``jobs_get``; ``body`` the JSON body or the multipart form fields."""

    route: str
    path: str
    query: Mapping[str, str]
    body: Mapping[str, Any]
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class FakeFile:
    """An uploaded file."""

    id: str
    filename: str
    purpose: str
    content: bytes

    def to_api(self) -> dict[str, Any]:
        """The service's file object."""
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.content),
            "created_at": 0,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
        }


@dataclass
class _State:
    queue: deque[ServiceResponse] = field(default_factory=deque)
    log: list[ServiceRequest] = field(default_factory=list)
    files: dict[str, FakeFile] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)


def _route(path: str) -> str | None:
    for suffix, name in _ROUTES:
        if path.endswith(suffix):
            return name
    if "/fine_tuning/jobs/" in path:
        return "jobs_get"
    return None


def _form(headers: Mapping[str, str], raw: bytes) -> dict[str, Any]:
    """A multipart/form-data body as ``{name: text or (filename, bytes)}``; JSON otherwise."""
    ctype = headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return {"_unparsable_body": raw.decode("utf-8", "replace")}
        return body if isinstance(body, dict) else {"_body": body}
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + raw
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        fields[str(name)] = (filename, data) if filename else data.decode("utf-8", "replace")
    return fields


def _error(status: int, message: str) -> HTTPError:
    return HTTPError(status, message)


def _generated_name(grader: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(grader, sort_keys=True).encode()).hexdigest()
    return f"grader-{digest[:12]}"


def local_graders_validate(body: Mapping[str, Any]) -> ServiceResponse:
    """Validate like the service with graderkit's loader: 400 when it rejects the grader."""
    import graderkit as gk

    grader = body.get("grader")
    if not isinstance(grader, Mapping):
        return _error(400, "Missing required parameter: 'grader'.")
    try:
        loaded = gk.from_openai(dict(grader))
        wire = gk.to_openai(loaded, "fine_tuning")
    except gk.GraderkitError as exc:
        return _error(400, f"Invalid grader: {exc}")
    if "name" not in wire:
        wire = {"name": _generated_name(wire), **wire}
    return {"grader": wire}


def local_graders_run(base_url: str) -> ServiceHandler:
    """Grade like ``graders/run`` with graderkit; model graders ask the server at ``base_url``."""

    def run(body: Mapping[str, Any]) -> ServiceResponse:
        import graderkit as gk
        from graderkit._run.runner import is_local

        checked = local_graders_validate(body)
        if isinstance(checked, HTTPError):
            return checked
        sample = body.get("model_sample")
        if not isinstance(sample, str):
            return _error(400, "Missing required parameter: 'model_sample'.")
        grader = gk.from_openai(dict(body["grader"]))
        item = body.get("item") or {}
        if is_local(grader) or not _has_model(grader):
            return gk.grade(grader, sample, item).to_dict()
        engine = gk.ModelEngine.from_env(base_url=base_url, api_key="sk-fake")
        with gk.Runner(models=engine) as runner:
            return runner.grade(grader, sample, item).to_dict()

    return run


def _has_model(grader: Any) -> bool:
    if grader.type in ("score_model", "label_model"):
        return True
    return grader.type == "multi" and any(_has_model(g) for g in grader.graders.values())


class FineTuningRoutes:
    """The fine-tuning routes of ``FakeOpenAI``.

    Attributes:
        graders_run: answers ``graders/run`` bodies (``None``: grade locally with graderkit).
        graders_validate: answers ``graders/validate`` bodies (``None``: graderkit's loader).
    """

    graders_run: ServiceHandler | None = None
    graders_validate: ServiceHandler | None = None

    def _ft(self) -> _State:
        state = self.__dict__.get("_ft_state")
        if state is None:
            state = self.__dict__["_ft_state"] = _State()
        return state

    def enqueue_service(self, *responses: ServiceResponse) -> None:
        """Answer the next fine-tuning requests with these, one each, in order."""
        self._ft().queue.extend(responses)

    @property
    def service_requests(self) -> list[ServiceRequest]:
        """The fine-tuning requests received so far."""
        return list(self._ft().log)

    @property
    def files(self) -> dict[str, FakeFile]:
        """Uploaded files by id."""
        return dict(self._ft().files)

    @property
    def jobs(self) -> dict[str, dict[str, Any]]:
        """Created jobs by id."""
        return dict(self._ft().jobs)

    async def _fine_tuning_route(
        self, target: str, headers: Mapping[str, str], raw: bytes, base_url: str
    ) -> bytes | None:
        """The HTTP response to a fine-tuning request, or ``None`` when the path is not one."""
        parts = urlsplit(target)
        route = _route(parts.path)
        if route is None:
            return None
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        request = ServiceRequest(route, parts.path, query, _form(headers, raw), dict(headers))
        state = self._ft()
        state.log.append(request)
        response = state.queue.popleft() if state.queue else None
        if response is None:
            loop = asyncio.get_running_loop()  # handlers may block (grading): off the loop
            response = await loop.run_in_executor(None, self._answer, request, base_url)
        if isinstance(response, HTTPError):
            error = {"message": response.message, "type": "invalid_request_error", "code": None}
            return http_bytes(
                response.status, json.dumps({"error": error}).encode(), response.headers
            )
        return http_bytes(200, json.dumps(dict(response)).encode())

    def _answer(self, request: ServiceRequest, base_url: str) -> ServiceResponse:
        try:
            if request.route == "graders_run":
                return (self.graders_run or local_graders_run(base_url))(request.body)
            if request.route == "graders_validate":
                return (self.graders_validate or local_graders_validate)(request.body)
            if request.route == "files":
                return self._upload(request.body)
            if request.route == "jobs_create":
                return self._create_job(request.body)
            job = self._ft().jobs.get(request.path.rstrip("/").rsplit("/", 1)[-1])
            return job if job is not None else _error(404, "No such fine-tuning job.")
        except Exception as exc:  # a bug in a script: a 500 the test will see
            return _error(500, f"the fake server's {request.route} handler raised {exc!r}")

    def _upload(self, form: Mapping[str, Any]) -> ServiceResponse:
        upload = form.get("file")
        if not isinstance(upload, tuple):
            return _error(400, "Missing required parameter: 'file'.")
        state = self._ft()
        file = FakeFile(
            f"file-fake{len(state.files) + 1}", upload[0], str(form.get("purpose")), upload[1]
        )
        state.files[file.id] = file
        return file.to_api()

    def _create_job(self, body: Mapping[str, Any]) -> ServiceResponse:
        state = self._ft()
        for name in ("training_file", "validation_file"):
            ref = body.get(name)
            if (ref is not None or name == "training_file") and ref not in state.files:
                return _error(400, f"invalid {name}: {ref!r} was not uploaded")
        method = body.get("method") or {}
        if method.get("type") == "reinforcement":
            checked = local_graders_validate(method.get("reinforcement") or {})
            if isinstance(checked, HTTPError):
                return checked
        job = {
            "id": f"ftjob-fake{len(state.jobs) + 1}",
            "object": "fine_tuning.job",
            "status": "validating_files",
            "created_at": 0,
            "fine_tuned_model": None,
            **{k: v for k, v in body.items()},
        }
        state.jobs[job["id"]] = job
        return job
