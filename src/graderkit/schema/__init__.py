"""A hand-written JSON Schema (draft 2020-12) of OpenAI's grader wire format.

The schema, ``grader.schema.json`` beside this module, is written from graderkit's spec, not
generated from graderkit's models, so it is an independent check of the JSON graderkit emits.
It has three entry points in ``$defs``:

* ``fine_tuning_grader`` (the root): a reinforcement fine-tuning grader, also the ``grader`` of a
  ``graders/run`` or ``graders/validate`` request;
* ``evals_testing_criterion``: one item of an Evals ``testing_criteria`` list;
* ``multi_sub_grader``: one value of a multi grader's ``graders`` map.

Examples:
    >>> from graderkit.schema import validate_payload
    >>> validate_payload({"type": "python", "source": "def grade(sample, item):\\n    return 1\\n"})
    []
    >>> validate_payload(
    ...     {"type": "string_check", "input": "a", "reference": "b", "operation": "neq"}
    ... )
    ["operation: 'neq' is not one of ['eq', 'ne', 'like', 'ilike']"]
"""

from __future__ import annotations

import functools
import json
import pathlib
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = ["Target", "load_schema", "schema_path", "validate_payload"]

Target = Literal["fine_tuning", "evals"]
"""Where a grader payload is sent: an RFT job / graders endpoint, or an Evals criterion."""

_SCHEMA_FILE = "grader.schema.json"
_ENTRY_POINTS: dict[str, str] = {
    "fine_tuning": "#/$defs/fine_tuning_grader",
    "evals": "#/$defs/evals_testing_criterion",
}


def schema_path() -> pathlib.Path:
    """Return the path of the installed ``grader.schema.json``.

    Returns:
        The schema file's path (inside the installed package).

    Examples:
        >>> schema_path().name
        'grader.schema.json'
    """
    return pathlib.Path(str(resources.files(__name__).joinpath(_SCHEMA_FILE)))


def load_schema() -> dict[str, Any]:
    """Read the schema; each call returns a fresh dict the caller may modify.

    Returns:
        The JSON Schema document, whose root is the fine-tuning entry point.

    Examples:
        >>> sorted(load_schema()["$defs"])[:3]
        ['content_array_item', 'content_part', 'endpoint']
    """
    text = resources.files(__name__).joinpath(_SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_payload(payload: dict[str, Any], target: Target = "fine_tuning") -> list[str]:
    """Check a grader's JSON against the schema for one target.

    Args:
        payload: the grader JSON (as loaded by ``json.loads``).
        target: ``"fine_tuning"`` for an RFT job or ``graders/run`` / ``graders/validate``;
            ``"evals"`` for an Evals testing criterion.

    Returns:
        One ``"path: problem"`` message per distinct schema violation, sorted by path; empty
        when valid.
        The path is dotted keys with ``[N]`` indexes (``graders.email.operation``,
        ``input[0].content``); ``$`` is the payload itself.

    Raises:
        ValueError: ``target`` is not ``"fine_tuning"`` or ``"evals"``.

    Examples:
        >>> validate_payload({"type": "multi", "graders": [], "calculate_output": "1"})
        ["graders: [] is not of type 'object'"]
    """
    validator = _validator(target)
    errors = sorted(validator.iter_errors(payload), key=lambda e: (e.json_path, e.message))
    # dict.fromkeys: a non-object where a grader belongs fails every branch's type check alike
    return list(dict.fromkeys(f"{_field(e.json_path)}: {e.message}" for e in errors))


def _field(json_path: str) -> str:
    """Turn jsonschema's ``$.a.b[0]`` into graderkit's field notation ``a.b[0]`` (root: ``$``)."""
    field = json_path.removeprefix("$").removeprefix(".")
    return field or "$"


@functools.cache
def _validator(target: str) -> Validator:
    if target not in _ENTRY_POINTS:
        raise ValueError(f"target={target!r} is not one of {sorted(_ENTRY_POINTS)}")
    import jsonschema  # lazy: keeps `import graderkit` fast

    schema = load_schema()
    schema["$ref"] = _ENTRY_POINTS[target]
    validator: Validator = jsonschema.Draft202012Validator(schema)
    return validator
