"""The top-level ``sample`` fields the service fills, and graders that read any other.

A ``{{ sample.output }}`` (or ``sample["output"]`` in a python grader's ``grade``) parses
and builds, but no service sample has an ``output`` field:
every row would then fail with ``invalid_variable_error``. Building or loading such a grader
warns ([`SampleFieldWarning`][graderkit._core.graders.sample_fields.SampleFieldWarning], with
a did-you-mean); ``graderkit validate`` and ``graderkit data check`` report it as an error.
Pure: no I/O.

Examples:
    >>> import warnings
    >>> import graderkit as gk
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     g = gk.string_check("{{ sample.output }}", "{{ item.answer }}", name="exact")
    >>> print(caught[0].message)
    string_check 'exact': reads {{ sample.output }}, a field no service sample has; did you mean {{ sample.output_text }}?
"""

from __future__ import annotations

import difflib
import warnings

from graderkit._core.graders.item_keys import python_sample_keys
from graderkit._core.graders.models import GraderBase, MultiGrader, PythonGrader
from graderkit.errors import GraderkitWarning

__all__ = [
    "SampleFieldWarning",
    "service_sample_fields",
    "unknown_sample_fields",
    "warn_about_sample_fields",
]


def service_sample_fields() -> tuple[str, ...]:
    """The top-level keys of the ``sample`` namespace as the service fills it.

    Parity: ``output_text``, ``output_json``, ``output_tools``, ``choices`` and
    ``output_audio`` are the documented sample variables [DOC] (Part B 2.1); the Evals
    sample schema the service echoes also lists ``model``, ``output_reasoning_summary`` and
    ``input_tools`` [OBS-AZ]. A grader reading any other top-level key is flagged; what
    lies below these keys is not checked (tool arguments, choices, ... vary by sample).
    """
    return (
        "output_text",
        "output_json",
        "output_tools",
        "choices",
        "output_audio",
        "model",
        "output_reasoning_summary",
        "input_tools",
    )


class SampleFieldWarning(GraderkitWarning):
    """A grader reads a ``sample`` field no service sample has (see the module docstring)."""


def unknown_sample_fields(grader: GraderBase) -> list[str]:
    """One message per ``{{ sample.x }}`` whose top-level ``x`` the service never fills.

    Examples:
        >>> import graderkit as gk
        >>> g = gk.from_openai({"type": "string_check", "name": "s", "operation": "eq",
        ...                     "input": "{{ sample.output_text }}", "reference": "a"})
        >>> unknown_sample_fields(g)
        []
    """
    if isinstance(grader, MultiGrader):
        return [m for child in grader.graders.values() for m in unknown_sample_fields(child)]
    fields = service_sample_fields()
    found = []
    if isinstance(grader, PythonGrader):
        for key, line in python_sample_keys(grader.source):
            if key not in fields:
                found.append(
                    f"{grader.label}: reads sample[{key!r}] (line {line} of its source), a field "
                    f"no service sample has; {_fix(key, fields, python=True)}"
                )
    for variable in grader.variables():
        head = variable.path[0] if variable.path else None
        if variable.namespace != "sample" or head in fields:
            continue
        found.append(
            f"{grader.label}: reads {{{{ {variable.text} }}}}, a field no service sample has; "
            + _fix(str(head), fields, python=False)
        )
    return found


def _fix(key: str, fields: tuple[str, ...], *, python: bool) -> str:
    close = difflib.get_close_matches(key, fields, n=1, cutoff=0.5)
    if not close:
        return f"the service fills {', '.join(fields)}"
    return f"did you mean sample[{close[0]!r}]?" if python else (
        f"did you mean {{{{ sample.{close[0]} }}}}?"
    )  # fmt: skip


def warn_about_sample_fields(grader: GraderBase, *, stacklevel: int = 3) -> None:
    """Warn once per unknown sample field (a ``multi`` is checked through its children)."""
    if isinstance(grader, MultiGrader):
        return  # its children were checked when they were built or loaded
    for message in unknown_sample_fields(grader):
        warnings.warn(message, SampleFieldWarning, stacklevel=stacklevel + 1)
