"""Honest reprs: a grader shows as the factory call that builds it, non-default arguments only
(an endpoint's header values are shown as ``***``: they are usually keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graderkit._core.graders.models import GraderBase

__all__ = ["grader_repr"]

FACTORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "string_check": ("string_check", ("input", "reference")),
    "text_similarity": ("text_similarity", ("input", "reference")),
    "python": ("python_grader", ("source",)),
    "score_model": ("score_model", ("input",)),
    "label_model": ("label_model", ("input",)),
    "multi": ("multi", ("graders", "calculate_output")),
    "endpoint": ("endpoint", ("url",)),
}
"""Wire type -> (factory name, positional arguments)."""

DEFAULTS: dict[str, dict[str, Any]] = {
    "string_check": {"operation": "eq"},
    "text_similarity": {"evaluation_metric": "fuzzy_match"},
    "python": {"image_tag": "2025-05-08"},
    "score_model": {"range": (0, 1)},
}
"""Factory defaults, omitted from the repr."""


def grader_repr(grader: GraderBase) -> str:
    """``string_check('{{sample.output_text}}', 'yes', name='exact')``."""
    factory, positional = FACTORIES[grader.type]
    defaults = DEFAULTS.get(grader.type, {})
    args: list[str] = []
    for field in positional:
        if field in grader.model_fields_set:
            args.append(repr(_shown(field, getattr(grader, field))))
    for field in type(grader).model_fields:
        if field in positional or field == "type" or field not in grader.model_fields_set:
            continue
        value = getattr(grader, field)
        if field in defaults and defaults[field] == value:
            continue
        args.append(f"{field}={_shown(field, value)!r}")
    return f"{factory}({', '.join(args)})"


def _shown(field: str, value: Any) -> Any:
    """An endpoint's secrets stay out of logs: header values and URL query values as ``***``."""
    if field == "headers" and isinstance(value, dict):
        return {key: "***" for key in value}
    if field == "url" and isinstance(value, str):
        from graderkit._core.graders.models import public_url

        return public_url(value)
    return value
