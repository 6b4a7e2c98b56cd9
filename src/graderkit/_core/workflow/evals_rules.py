"""Hosted OpenAI Evals, run locally: the pure part (definitions, rows, pass rules, counts).

An exported eval (``GET /v1/evals/{id}``, or the body sent to ``POST /v1/evals``) is
``{name, data_source_config, testing_criteria: [...]}``; each criterion is a grader in the
Evals target's shape, plus the ``id`` the service gave it. [`load_eval`][graderkit._core.workflow.evals_rules.load_eval]
turns it into an [`EvalDefinition`][graderkit._core.workflow.evals_rules.EvalDefinition];
[`tally`][graderkit._core.workflow.evals_rules.tally] turns per-criterion results into what an eval run
reports (``result_counts`` and ``per_testing_criteria_results``). Reading files and grading
live in ``graderkit._run.workflow.evals_migration``.

Examples:
    >>> definition = load_eval({
    ...     "name": "capitals",
    ...     "data_source_config": {"type": "custom", "item_schema": {"type": "object"}},
    ...     "testing_criteria": [{
    ...         "type": "string_check", "name": "exact", "id": "exact-1b2c",
    ...         "input": "{{sample.output_text}}", "reference": "{{item.answer}}",
    ...         "operation": "eq"}],
    ... })
    >>> [c.id for c in definition.criteria], definition.needs_sample
    (['exact-1b2c'], True)
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from graderkit._core.graders.models import (
    EndpointGrader,
    GraderBase,
    PythonGrader,
    ScoreModelGrader,
)
from graderkit._core.graders.wire import check_target, from_openai, split_service_echo
from graderkit._core.grading.local_grading import passed_for
from graderkit._core.results.grade_result import GradeResult
from graderkit.errors import _NO_VALUE, GraderkitWarning, InvalidGrader

__all__ = [
    "Criterion",
    "CriterionCounts",
    "CriterionOutcome",
    "EvalDefinition",
    "EvalRow",
    "Status",
    "criterion_passed",
    "default_pass_threshold",
    "load_eval",
    "outcome",
    "result_type",
    "split_echo",
    "split_row",
    "status",
    "tally",
]

Status = Literal["pass", "fail", "error"]

_RESULT_TYPES = {
    "string_check": "string-check-grader",
    "text_similarity": "text-similarity-grader",
    "python": "python-grader",
    "score_model": "score-model-grader",
    "label_model": "label-model-grader",
    "endpoint": "endpoint-grader",
}
EVAL_FIELDS = frozenset({"name", "data_source_config", "testing_criteria", "id"})
"""The parts of an eval graderkit reads; the rest of the service's echo (``object``,
``created_at``, ``metadata``, ...) is kept on the definition as ``echo``."""
_MASKED = re.compile(r"^(\*+|\$\{[^}]*\})$")


@dataclass(frozen=True, slots=True)
class Criterion:
    """One testing criterion: its grader, the id the hosted eval reported results under, and
    the other fields the service echoed (``grdr_id``, ``inactive_at``, ...), kept as metadata
    and never compiled into the grader."""

    id: str
    grader: GraderBase
    echo: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The criterion's name (the grader's)."""
        return self.grader.result_name


@dataclass(frozen=True, slots=True)
class EvalDefinition:
    """An exported hosted eval: its name, data source config and testing criteria."""

    name: str
    criteria: tuple[Criterion, ...]
    data_source_config: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None
    echo: Mapping[str, Any] = field(default_factory=dict)

    @property
    def item_schema(self) -> Mapping[str, Any] | None:
        """The JSON schema of a row's ``item``.

        Parity [DOC/OBS-AZ]: a request carries ``item_schema``; the service's echo carries
        ``schema.properties.item`` (OpenAI) or ``schema.item`` next to an empty
        ``item_schema: {}`` (Azure's eval echo). The first non-empty one wins.
        """
        config = self.data_source_config
        given = config.get("schema")
        schema: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        properties = schema.get("properties")
        candidates = [
            config.get("item_schema"),
            properties.get("item") if isinstance(properties, Mapping) else None,
            schema.get("item"),
        ]
        found = [c for c in candidates if isinstance(c, Mapping) and c]
        return found[0] if found else None

    @property
    def needs_sample(self) -> bool:
        """Whether some criterion reads the ``sample`` namespace (python graders always may)."""
        return any(
            isinstance(c.grader, PythonGrader)
            or any(v.namespace == "sample" for v in c.grader.variables())
            for c in self.criteria
        )


@dataclass(frozen=True, slots=True)
class EvalRow:
    """One row to grade: the item, the sample (``None`` when the row has none) and, for an
    exported output item, the hosted results by criterion id or name (``id -> passed``)."""

    item: Mapping[str, Any]
    sample: str | Mapping[str, Any] | None = None
    recorded: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CriterionOutcome:
    """One criterion's result on one row, shaped like an output item's ``results[]`` entry."""

    criterion: Criterion
    result: GradeResult
    passed: bool

    @property
    def errored(self) -> bool:
        """True when grading raised an error flag."""
        return bool(self.result.errors)

    def to_dict(self) -> dict[str, Any]:
        """``{name, type, score, passed, sample}`` as in ``eval.run.output_item.results[]``,
        plus graderkit's ``errors`` (raised flag -> details)."""
        return {
            "name": self.criterion.id,
            "type": result_type(self.criterion.grader.type),
            "score": self.result.reward,
            "passed": self.passed,
            "sample": None,
            "errors": dict(self.result.errors),
        }


@dataclass(slots=True)
class CriterionCounts:
    """Per-criterion counts, as ``per_testing_criteria_results[]`` plus errored and agreement."""

    testing_criteria: str
    passed: int = 0
    failed: int = 0
    errored: int = 0
    recorded: int = 0
    agreed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The service's ``{testing_criteria, passed, failed}`` plus graderkit's extra counts."""
        return {
            "testing_criteria": self.testing_criteria,
            "passed": self.passed,
            "failed": self.failed,
            "errored": self.errored,
            "recorded": self.recorded,
            "agreed": self.agreed,
        }


def load_eval(data: Mapping[str, Any] | str | bytes) -> EvalDefinition:
    """Load an exported hosted-Evals definition (dict or JSON text).

    Each criterion loses its service ``id`` (kept on the [`Criterion`][graderkit._core.workflow.evals_rules.Criterion])
    and is loaded with [`from_openai`][graderkit.from_openai], then checked for the Evals target
    (no ``multi``; ``text_similarity`` needs ``pass_threshold``).

    Raises:
        InvalidGrader: naming the eval and the criterion's path, e.g.
            ``eval 'qa': testing_criteria[1].operation='eq ' is not one of ...``.
    """
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InvalidGrader("eval", "", _NO_VALUE, f"is not valid JSON: {exc.msg}") from None
        except (ValueError, RecursionError) as exc:  # json.loads's other two failures
            deep = isinstance(exc, RecursionError)
            reason = (
                "nested too deeply" if deep else "a number too long to read (over 4,300 digits)"
            )
            raise InvalidGrader("eval", "", _NO_VALUE, f"is not readable JSON: {reason}") from None
    if not isinstance(data, Mapping):
        raise InvalidGrader("eval", "", data, "must be a JSON object with testing_criteria")
    name = str(data.get("name") or data.get("id") or "eval")
    label = f"eval {name!r}"
    raw = data.get("testing_criteria")
    if not isinstance(raw, Sequence) or isinstance(raw, (str, bytes)) or not raw:
        raise InvalidGrader(label, "testing_criteria", raw, "must be a non-empty list of graders")
    criteria = tuple(_criterion(entry, i, label) for i, entry in enumerate(raw))
    config = data.get("data_source_config") or {}
    if not isinstance(config, Mapping):
        raise InvalidGrader(label, "data_source_config", config, "must be an object")
    ident = data.get("id")
    echo = {k: v for k, v in data.items() if k not in EVAL_FIELDS}
    return EvalDefinition(name, criteria, config, ident if isinstance(ident, str) else None, echo)


def split_echo(entry: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a criterion as the service returns it into (grader JSON, echo-only fields).

    The split is ``graderkit._core.graders.wire.split_service_echo``'s;
    for a local run an endpoint's echoed ``max_rps`` becomes ``rate_limit`` again (it stays in
    the echo too) [OBS-AZ].

    Examples:
        >>> split_echo({"type": "endpoint", "url": "https://g.example.com", "max_rps": 5,
        ...             "id": "e-1", "inactive_at": None})
        ({'type': 'endpoint', 'url': 'https://g.example.com', 'rate_limit': 5}, {'max_rps': 5, 'id': 'e-1', 'inactive_at': None})
    """
    body, echo = split_service_echo(entry)
    if "max_rps" in echo and "rate_limit" not in body and echo["max_rps"] is not None:
        body["rate_limit"] = echo["max_rps"]
    return body, echo


def _criterion(entry: Any, index: int, label: str) -> Criterion:
    where = f"testing_criteria[{index}]"
    if not isinstance(entry, Mapping):
        raise InvalidGrader(label, where, entry, "must be a grader object")
    body, echo = split_echo(entry)
    try:
        grader = from_openai(body)
        check_target(grader, "evals")
    except InvalidGrader as exc:
        path = f"{where}.{exc.field}" if exc.field else where
        raise InvalidGrader(label, path, exc.value, exc.problem) from None
    if isinstance(grader, EndpointGrader):
        _warn_masked(grader, where, label)
    ident = entry.get("id")
    name = ident if isinstance(ident, str) and ident else grader.result_name
    return Criterion(name, grader, echo)


def _warn_masked(grader: EndpointGrader, where: str, label: str) -> None:
    """The service masks header values in its echo (``********``); a placeholder such as
    ``${AZURE_FUNCTION_KEY}`` is as useless locally. Say so before a run fails on it."""
    for key, value in (grader.headers or {}).items():
        if _MASKED.match(value):
            warnings.warn(
                f"{label}: {where}.headers.{key}={value!r} is masked in the service's echo; "
                f"set the real value before running it locally, e.g. "
                f"criterion.grader.replace(headers={{{key!r}: ...}})",
                GraderkitWarning,
                stacklevel=4,
            )


def split_row(row: Mapping[str, Any]) -> EvalRow:
    """Read one JSONL row in any of the shapes a migration meets.

    * ``{"item": {...}, "sample": {...} | "text"}``: an Evals ``file_content`` row (``sample``
      optional);
    * an exported output item (``"object": "eval.run.output_item"``): ``datasource_item`` is
      the item, the last ``sample.output`` message is the sample, ``results[]`` are recorded;
    * anything else: the whole row is the item (templates that read ``item.*`` only).
    """
    if row.get("object") == "eval.run.output_item" or "datasource_item" in row:
        return _output_item(row)
    if isinstance(row.get("item"), Mapping) and set(row) <= {"item", "sample"}:
        return EvalRow(row["item"], row.get("sample"))
    return EvalRow(row)


def _output_item(row: Mapping[str, Any]) -> EvalRow:
    item = row.get("datasource_item")
    sample = row.get("sample")
    text: str | None = None
    if isinstance(sample, Mapping):
        outputs = [m for m in sample.get("output") or [] if isinstance(m, Mapping)]
        contents = [m.get("content") for m in outputs if isinstance(m.get("content"), str)]
        text = contents[-1] if contents else None
    recorded: dict[str, bool] = {}
    for result in row.get("results") or []:
        if isinstance(result, Mapping) and isinstance(result.get("passed"), bool):
            recorded[str(result.get("name"))] = result["passed"]
    return EvalRow(item if isinstance(item, Mapping) else {}, text, recorded)


def result_type(kind: str) -> str:
    """The ``type`` an output item's result reports for a grader kind.

    Parity: ``string-check-grader`` is documented (API reference example) [DOC]; the others
    follow the same pattern [INF].
    """
    return _RESULT_TYPES.get(kind, kind)


def default_pass_threshold(grader: GraderBase) -> float | None:
    """The threshold used when an Evals criterion that may have one does not.

    Parity [AZ/INF]: hosted Evals' default is undocumented. Azure's SDK fills the midpoint of
    ``range`` for score_model; graderkit does the same, and uses 0.5 (the midpoint of a [0, 1]
    score) for python. ``None`` for kinds with a fixed rule (string_check, label_model).
    """
    if isinstance(grader, ScoreModelGrader) and grader.pass_threshold is None:
        low, high = grader.bounds
        return (low + high) / 2
    if isinstance(grader, PythonGrader) and grader.pass_threshold is None:
        return 0.5
    return None


def criterion_passed(grader: GraderBase, result: GradeResult) -> bool:
    """The Evals pass rule for one result: ``score >= pass_threshold`` [DOC/AZ]; string_check and
    label_model pass on a score of 1 [OBS-AZ]; an errored result never passes."""
    passed = passed_for(grader, result)
    if passed is not None:
        return passed
    threshold = default_pass_threshold(grader)
    return threshold is not None and not result.errors and result.reward >= threshold


def outcome(criterion: Criterion, result: GradeResult) -> CriterionOutcome:
    """One criterion's result on one row, with its pass decision."""
    return CriterionOutcome(criterion, result, criterion_passed(criterion.grader, result))


def status(outcomes: Sequence[CriterionOutcome]) -> Status:
    """An output item's status: ``error`` if any criterion errored, else ``pass`` if every
    criterion passed, else ``fail`` [INF: the service's rule for mixed cases is undocumented]."""
    if any(o.errored for o in outcomes):
        return "error"
    return "pass" if all(o.passed for o in outcomes) else "fail"


def tally(
    criteria: Sequence[Criterion],
    rows: Sequence[Sequence[CriterionOutcome]],
    recorded: Sequence[Mapping[str, bool]] = (),
) -> tuple[dict[str, int], list[CriterionCounts]]:
    """``result_counts`` ``{total, errored, failed, passed}`` and per-criterion counts.

    Per criterion, an errored result counts as failed (it did not pass) and also in
    ``errored``. ``recorded`` (per row: criterion id or name -> hosted ``passed``) feeds the
    ``recorded`` / ``agreed`` counts that check a migration against the hosted run.
    """
    counts = {"total": len(rows), "errored": 0, "failed": 0, "passed": 0}
    per = [CriterionCounts(c.id) for c in criteria]
    for index, outcomes in enumerate(rows):
        counts[{"error": "errored", "fail": "failed", "pass": "passed"}[status(outcomes)]] += 1
        hosted = recorded[index] if index < len(recorded) else {}
        for bucket, item in zip(per, outcomes, strict=True):
            if item.passed:
                bucket.passed += 1
            else:
                bucket.failed += 1
            bucket.errored += item.errored
            was = hosted.get(item.criterion.id, hosted.get(item.criterion.name))
            if was is not None:
                bucket.recorded += 1
                bucket.agreed += was == item.passed
    return counts, per
