"""Hand a grader to reinforcement fine-tuning: the job payload, checked, and its submission.

``build_job`` builds the body of ``POST /fine_tuning/jobs``
for OpenAI or Azure OpenAI::

    {"model": ..., "training_file": ..., "validation_file": ...,
     "method": {"type": "reinforcement",
                "reinforcement": {"grader": <the compiled grader>,
                                  "hyperparameters": {...}, "response_format": {...}}},
     "seed": ..., "suffix": ..., "metadata": {...}}

with every hyperparameter checked against its documented range before anything is sent
(``check_hyperparameters``).
``submit_job`` then validates the grader with the service
(``POST /fine_tuning/alpha/graders/validate``), uploads the local files (purpose
``fine-tune``) and creates the job.

Examples:
    >>> import graderkit as gk
    >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
    >>> job = build_job(exact, model="o4-mini-2025-04-16", training_file="file-abc",
    ...                 hyperparameters={"n_epochs": 2, "reasoning_effort": "medium"})
    >>> job["method"]["reinforcement"]["hyperparameters"]
    {'n_epochs': 2, 'reasoning_effort': 'medium'}
    >>> build_job(exact, model="o4-mini", training_file="file-abc",
    ...           hyperparameters={"n_epochs": 0})
    Traceback (most recent call last):
    ...
    graderkit._run.workflow.training_jobs.JobError: hyperparameters.n_epochs=0 is out of range: an integer from 1 to 50, or 'auto'
"""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from graderkit._core.graders.models import GraderBase
from graderkit._core.graders.wire import from_openai, to_openai
from graderkit.errors import GraderkitError

if TYPE_CHECKING:
    from graderkit._run.workflow.service_calls import ServiceClient

__all__ = [
    "HYPERPARAMETERS",
    "JobError",
    "Submission",
    "Target",
    "asubmit_job",
    "build_job",
    "check_hyperparameters",
    "file_reference",
    "response_format_for",
    "submit_job",
]

Target = Literal["openai", "azure"]
_FILE_ID = re.compile(r"^file-[A-Za-z0-9_-]+$")
_SCHEMA_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class JobError(GraderkitError, ValueError):
    """The job cannot be built as asked (a hyperparameter out of range, a bad file...)."""


class DatasetNotReady(JobError):
    """A local training or validation file has errors (``graderkit data check`` lists them)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """What one hyperparameter accepts besides ``"auto"``."""

    kind: Literal["int", "number", "choice"]
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    choices: tuple[str, ...] = ()
    auto: bool = True

    def describe(self) -> str:
        """The accepted values, in words."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        what = "an integer" if self.kind == "int" else "a number"
        if self.hi is None:
            bound = f" above {self.lo:g}" if self.lo_open else f" of at least {self.lo:g}"
        elif self.lo_open:
            bound = f" above {self.lo:g} and at most {self.hi:g}"
        else:
            bound = f" from {self.lo:g} to {self.hi:g}"
        return f"{what}{bound}" + (", or 'auto'" if self.auto else "")

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is allowed."""
        if self.kind == "choice":
            return value in self.choices
        if value == "auto":
            return self.auto
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.kind == "int" and not isinstance(value, int):
            return False
        low_ok = self.lo is None or (value > self.lo if self.lo_open else value >= self.lo)
        return low_ok and (self.hi is None or value <= self.hi)


_EFFORT = Rule("choice", choices=("default", "low", "medium", "high"), auto=False)
_OPENAI: dict[str, Rule] = {
    "batch_size": Rule("int", 1, 256),
    "learning_rate_multiplier": Rule("number", 0, None, lo_open=True),
    "n_epochs": Rule("int", 1, 50),
    "reasoning_effort": _EFFORT,
    "compute_multiplier": Rule("number", 0.00001, 10, lo_open=True),
    "eval_interval": Rule("int", 1),
    "eval_samples": Rule("int", 1),
}
HYPERPARAMETERS: dict[str, dict[str, Rule]] = {
    "openai": _OPENAI,
    "azure": {
        **_OPENAI,
        "compute_multiplier": Rule("number", 0.5, 3.0),
        "eval_interval": Rule("int", 1, 25),
        "eval_samples": Rule("int", 1, 10),
    },
}
"""The reinforcement hyperparameters and their ranges, per target: OpenAI's API reference
[DOC]; Azure's RFT guide narrows compute_multiplier, eval_interval and eval_samples [AZ]."""


def check_hyperparameters(
    values: Mapping[str, Any], *, target: Target = "openai"
) -> dict[str, Any]:
    """The hyperparameters, checked against the target's documented ranges.

    Raises:
        JobError: naming the first unknown name or out-of-range value.
    """
    rules = HYPERPARAMETERS[target]
    for name, value in values.items():
        rule = rules.get(name)
        if rule is None:
            close = difflib.get_close_matches(name, rules, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" ({', '.join(rules)})"
            raise JobError(f"hyperparameters.{name} is not a reinforcement hyperparameter{hint}")
        if not rule.accepts(value):
            raise JobError(f"hyperparameters.{name}={value!r} is out of range: {rule.describe()}")
    return dict(values)


def response_format_for(value: Mapping[str, Any], *, target: Target = "openai") -> dict[str, Any]:
    """The job's ``response_format`` in the target's shape.

    Accepts OpenAI's ``{"type": "json_schema", "json_schema": {name, schema, strict}}``,
    Azure's flattened ``{"type": "json_schema", name, schema, strict}``, or a bare JSON schema
    (named by its ``title``, else ``"response"``). OpenAI gets the nested shape (the RFT guide)
    [DOC], Azure the flattened one (the Azure RFT guide) [AZ]; ``strict`` defaults to true.

    Examples:
        >>> schema = {"type": "object", "properties": {"answer": {"type": "string"}},
        ...           "required": ["answer"], "additionalProperties": False}
        >>> response_format_for(schema, target="azure")["name"]
        'response'
    """
    if value.get("type") == "json_schema":
        inner = value.get("json_schema", value)
        name, schema, strict = inner.get("name"), inner.get("schema"), inner.get("strict", True)
    else:
        name, schema, strict = value.get("title", "response"), dict(value), True
    if not isinstance(schema, Mapping):
        raise JobError("response_format has no JSON 'schema' object")
    if not isinstance(name, str) or not _SCHEMA_NAME.match(name):
        raise JobError(f"response_format name={name!r} must be 1-64 letters, digits, '_' or '-'")
    body = {"name": name, "schema": dict(schema), "strict": bool(strict)}
    if target == "azure":
        return {"type": "json_schema", **body}
    return {"type": "json_schema", "json_schema": body}


def build_job(
    grader: GraderBase | Mapping[str, Any],
    *,
    model: str,
    training_file: str,
    validation_file: str | None = None,
    hyperparameters: Mapping[str, Any] | None = None,
    response_format: Mapping[str, Any] | None = None,
    seed: int | None = None,
    suffix: str | None = None,
    metadata: Mapping[str, str] | None = None,
    target: Target = "openai",
) -> dict[str, Any]:
    """The ``POST /fine_tuning/jobs`` body of a reinforcement fine-tuning job.

    Args:
        grader: the grader (a graderkit grader or its JSON), compiled for fine-tuning.
        model: the base model, e.g. ``o4-mini-2025-04-16``.
        training_file: the training file's id (or, before upload, its path).
        validation_file: the validation file's id or path (Azure requires one).
        hyperparameters: reinforcement hyperparameters (checked for ``target``).
        response_format: the structured output the model must produce (see
            ``response_format_for``).
        seed: the job's seed.
        suffix: up to 64 characters added to the fine-tuned model's name.
        metadata: up to 16 string key-value pairs.
        target: ``"openai"`` or ``"azure"``.

    Raises:
        JobError: when an argument is out of its documented range.
        InvalidGrader: when the grader cannot be a fine-tuning grader (e.g. a label_model).
    """
    loaded = grader if isinstance(grader, GraderBase) else from_openai(dict(grader))
    if not model:
        raise JobError("model must name the base model, e.g. 'o4-mini-2025-04-16'")
    if target == "azure" and validation_file is None:
        raise JobError("Azure OpenAI needs a validation_file for reinforcement fine-tuning")
    if suffix is not None and not 0 < len(suffix) <= 64:
        raise JobError(f"suffix={suffix!r} must be 1 to 64 characters")
    if metadata is not None and (
        len(metadata) > 16 or not all(isinstance(v, str) for v in metadata.values())
    ):
        raise JobError("metadata must be at most 16 string key-value pairs")
    reinforcement: dict[str, Any] = {"grader": to_openai(loaded, "fine_tuning")}
    if hyperparameters:
        reinforcement["hyperparameters"] = check_hyperparameters(hyperparameters, target=target)
    if response_format is not None:
        reinforcement["response_format"] = response_format_for(response_format, target=target)
    job: dict[str, Any] = {"model": model, "training_file": training_file}
    if validation_file is not None:
        job["validation_file"] = validation_file
    job["method"] = {"type": "reinforcement", "reinforcement": reinforcement}
    extras = {
        "seed": seed,
        "suffix": suffix,
        "metadata": None if metadata is None else dict(metadata),
    }
    job.update({k: v for k, v in extras.items() if v is not None})
    return job


def file_reference(
    ref: str, *, role: str = "training_file", grader: GraderBase | None = None
) -> Path | str:
    """A local file to upload (its ``Path``) or an uploaded file's id (``file-...``).

    A local file is checked first with
    ``check_dataset``: the RFT format, the size limit of
    its split (training 50,000 rows, validation 1,000), duplicate ids, and, given the grader,
    every ``{{item.x}}`` it reads present in every row.

    Raises:
        JobError: when ``ref`` is neither a file nor a file id.
        DatasetNotReady: when the file has errors (the message names them).
    """
    from graderkit._run.datasets.data_files import check_dataset

    path = Path(ref)
    if path.is_file():
        report = check_dataset(
            grader, path, split="train" if role == "training_file" else "validation"
        )
        if not report.ok:
            problems = "; ".join(
                f"{p.message} ({p.where[0]})" if p.where else p.message for p in report.errors
            )
            count = len(report.errors)
            raise DatasetNotReady(
                f"{role} {ref} is not ready for training ({count} error{'s' * (count != 1)}: "
                f"{problems}); graderkit data check lists every row"
            )
        return path
    if _FILE_ID.match(ref):
        return ref
    if path.is_dir() or path.suffix in (".jsonl", ".json") or "/" in ref:
        from graderkit._run.datasets.data_files import DataError

        what = "is a directory" if path.is_dir() else "no such file or directory"
        raise DataError(f"{ref}: {what}; give the {role} as a JSONL file or an uploaded file id")
    raise JobError(f"{role}={ref!r} is neither a local file nor an uploaded file id (file-...)")


@dataclass(frozen=True)
class Submission:
    """What ``submit_job`` did.

    Attributes:
        job: the job object the service answered (``id``, ``status``...).
        payload: the body that was sent.
        uploaded: local path -> file id, for the files uploaded.
        validated: the service's echo of the grader, or ``None`` when it has no validate route.
        notes: anything worth telling the user (e.g. validation skipped).
    """

    job: Mapping[str, Any]
    payload: Mapping[str, Any]
    uploaded: Mapping[str, str] = field(default_factory=dict)
    validated: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()


async def asubmit_job(
    grader: GraderBase | Mapping[str, Any],
    *,
    client: ServiceClient,
    training_file: str,
    validation_file: str | None = None,
    **job: Any,
) -> Submission:
    """Validate the grader remotely, upload local files, create the job.

    Everything is checked locally first (the payload is built with the file paths) so a bad
    hyperparameter costs no upload. ``job`` takes the other
    ``build_job`` arguments; ``target`` defaults to the
    client's kind.

    Raises:
        JobError: for a local problem; ServiceError: when the service refuses.
    """
    from graderkit._run.workflow.service_calls import ServiceError

    job.setdefault("target", "azure" if client.kind == "azure" else "openai")
    draft = build_job(grader, training_file=training_file, validation_file=validation_file, **job)
    loaded = grader if isinstance(grader, GraderBase) else from_openai(dict(grader))
    refs = {"training_file": file_reference(training_file, role="training_file", grader=loaded)}
    if validation_file is not None:
        refs["validation_file"] = file_reference(
            validation_file, role="validation_file", grader=loaded
        )
    compiled = draft["method"]["reinforcement"]["grader"]
    notes: list[str] = []
    try:
        validated: Mapping[str, Any] | None = await client.post(
            "/fine_tuning/alpha/graders/validate", {"grader": compiled}
        )
    except ServiceError as exc:
        if exc.status != 404:
            raise
        validated = None
        notes.append("the service has no graders/validate route; the job creation checks it")
    ids: dict[str, str] = {}
    uploaded: dict[str, str] = {}
    for role, ref in refs.items():
        if isinstance(ref, Path):
            ids[role] = str((await client.upload(ref, purpose="fine-tune"))["id"])
            uploaded[str(ref)] = ids[role]
        else:
            ids[role] = ref
    payload = build_job(
        grader,
        training_file=ids["training_file"],
        validation_file=ids.get("validation_file"),
        **job,
    )
    created = await client.post("/fine_tuning/jobs", payload)
    return Submission(created, payload, uploaded, validated, tuple(notes))


def submit_job(
    grader: GraderBase | Mapping[str, Any], *, client: ServiceClient | None = None, **job: Any
) -> Submission:
    """``asubmit_job`` from synchronous code (the client
    defaults to ``ServiceClient.from_env()`` and is closed afterwards)."""
    if client is None:
        from graderkit._run.workflow.service_calls import ServiceClient

        client = ServiceClient.from_env()
    used = client

    async def main() -> Submission:
        try:
            return await asubmit_job(grader, client=used, **job)
        finally:
            await used.aclose()

    return asyncio.run(main())
