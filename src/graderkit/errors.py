"""Exceptions raised by graderkit, and the vocabulary of run-time error flags.

Two kinds of failure exist and they never mix:

* **Misuse raises.** Building or loading an invalid grader raises
  [`InvalidGrader`][graderkit.errors.InvalidGrader] (a `ValueError`), which names the grader, the
  field (for JSON: its path), the bad value, what was expected and, where obvious, the fix.
* **A bad sample is data.** A sample that cannot be graded (a missing template variable, a
  refusal from the judge, an exception in a python grader, ...) never raises: its result carries
  reward 0 and one of the flags in [`ERROR_FLAGS`][graderkit.errors.ERROR_FLAGS], exactly as
  OpenAI's `graders/run` reports it.

Examples:
    >>> import graderkit as gk
    >>> try:
    ...     gk.string_check("{{sample.output_text}}", "yes", operation="neq", name="exact")
    ... except gk.InvalidGrader as e:
    ...     print(e)
    string_check 'exact': operation='neq' is not one of 'eq', 'ne', 'like', 'ilike'; did you mean 'ne'?
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DETAILS_KEYS",
    "ERROR_FLAGS",
    "FormulaError",
    "GraderkitError",
    "GraderkitWarning",
    "InvalidGrader",
    "MissingDependency",
    "TemplateError",
]


class GraderkitError(Exception):
    """Root of every exception graderkit raises on purpose.

    Catch it to handle any graderkit failure at once (an invalid grader, a malformed data
    file, a missing WordNet, ...).

    Examples:
        >>> import graderkit as gk
        >>> try:
        ...     gk.from_openai('{"type": "string_check"')
        ... except gk.GraderkitError as e:
        ...     print(type(e).__name__)
        InvalidGrader
    """


class InvalidGrader(GraderkitError, ValueError):
    """A grader (built in Python or loaded from JSON) is not valid.

    Attributes:
        grader: a label for the grader, e.g. ``"string_check 'exact'"`` or ``"<json>"``.
        field: the field or JSON path of the problem, e.g. ``"graders.clinical.operation"``.
        value: the offending value.
        problem: what is wrong and, where obvious, how to fix it.

    Examples:
        >>> import graderkit as gk
        >>> gk.label_model("Is {{ sample.output_text }} right?", model="gpt-4.1",
        ...                labels=["yes", "no"], passing_labels=["maybe"], name="judge")
        Traceback (most recent call last):
        graderkit.errors.InvalidGrader: label_model 'judge': passing_labels=['maybe'] must be a subset of...
        >>> err = gk.InvalidGrader("string_check 'exact'", "operation", "neq", "is not valid")
        >>> str(err), isinstance(err, ValueError)
        ("string_check 'exact': operation='neq' is not valid", True)
    """

    def __init__(self, grader: str, field: str, value: Any, problem: str) -> None:
        self.grader = grader
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.grader}: " if self.grader else ""
        if self.field and self.value is not _NO_VALUE:
            return f"{where}{self.field}={self.value!r} {self.problem}"
        if self.field:
            return f"{where}{self.field} {self.problem}"
        return f"{where}{self.problem}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.grader, self.field, self.value, self.problem))


class _NoValue:
    def __repr__(self) -> str:
        return "<no value>"


_NO_VALUE: Any = _NoValue()
"""Marker for an error about a field whose value is absent (e.g. a required field)."""


class TemplateError(InvalidGrader):
    """A ``{{ ... }}`` template is malformed (bad namespace, path or braces).

    Examples:
        >>> import graderkit as gk
        >>> gk.string_check("{{ foo.x }}", "a", name="x")
        Traceback (most recent call last):
        graderkit.errors.TemplateError: string_check 'x': input=... has unknown namespace 'foo' ...
    """


class FormulaError(InvalidGrader):
    """A multi grader's ``calculate_output`` formula does not parse or names an unknown key.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{ sample.output_text }}", "a", name="exact")
        >>> gk.multi({"exact": exact}, "exact + fuzzy", name="combined")
        Traceback (most recent call last):
        graderkit.errors.FormulaError: multi 'combined': ... uses unknown name 'fuzzy' ...
    """


class MissingDependency(GraderkitError, ImportError):
    """A feature needs a library that is not installed; the message says what to install.

    It is an ``ImportError`` too, so code that guards an import with ``except ImportError``
    keeps working.

    Attributes:
        module: the missing import name, e.g. ``"nltk"`` (also ``ImportError.name``).
        feature: what needs it, e.g. ``"the meteor metric"``.
        install: the command that provides it, e.g. ``"pip install 'graderkit[metrics]'"``.

    Examples:
        >>> import graderkit as gk
        >>> err = gk.MissingDependency("nltk", "the meteor metric", "pip install 'graderkit[metrics]'")
        >>> print(err)
        the meteor metric needs nltk, which is not installed: pip install 'graderkit[metrics]'
        >>> isinstance(err, ImportError), err.name
        (True, 'nltk')
    """

    def __init__(self, module: str, feature: str, install: str) -> None:
        self.module = module
        self.feature = feature
        self.install = install
        super().__init__(
            f"{feature} needs {module}, which is not installed: {install}", name=module
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.module, self.feature, self.install))


class GraderkitWarning(UserWarning):
    """A grader is valid but probably not what you meant (e.g. ``neq`` loaded as ``ne``).

    Examples:
        >>> import warnings
        >>> import graderkit as gk
        >>> wire = {"type": "string_check", "name": "exact", "operation": "neq",
        ...         "input": "{{ sample.output_text }}", "reference": "no"}
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     grader = gk.from_openai(wire)
        >>> grader.operation, caught[0].category is gk.GraderkitWarning
        ('ne', True)
    """


ERROR_FLAGS: tuple[str, ...] = (
    "formula_parse_error",
    "sample_parse_error",
    "truncated_observation_error",
    "unresponsive_reward_error",
    "invalid_variable_error",
    "other_error",
    "python_grader_server_error",
    "python_grader_runtime_error",
    "model_grader_server_error",
    "model_grader_refusal_error",
    "model_grader_parse_error",
    "model_grader_exceeded_max_tokens_error",
    "endpoint_grader_internal_error",
    "endpoint_grader_server_error",
    "endpoint_grader_safety_check_error",
)
"""Every boolean error flag of ``metadata.errors`` in a ``graders/run`` response."""

DETAILS_KEYS: dict[str, str] = {
    "sample_parse_error": "sample_parse_error_details",
    "invalid_variable_error": "invalid_variable_error_details",
    "python_grader_server_error": "python_grader_server_error_type",
    "python_grader_runtime_error": "python_grader_runtime_error_details",
    "model_grader_server_error": "model_grader_server_error_details",
    "model_grader_refusal_error": "model_grader_refusal_error_details",
    "model_grader_parse_error": "model_grader_parse_error_details",
    "endpoint_grader_internal_error": "endpoint_grader_internal_error_details",
    "endpoint_grader_server_error": "endpoint_grader_server_error_details",
    # graderkit extensions (the service has a flag but no details key for these; see parity.md):
    "formula_parse_error": "formula_parse_error_details",
    "other_error": "other_error_details",
    "unresponsive_reward_error": "unresponsive_reward_error_details",
}
"""The ``*_details`` (or ``*_type``) key that carries the explanation of each flag."""
