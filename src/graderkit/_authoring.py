"""``python_grader``: a python grader from an ordinary function, a source string or a file."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, overload

from graderkit._core.graders.models import PythonGrader
from graderkit._core.graders.problems import build_model
from graderkit._core.graders.python_source import DEFAULT_IMAGE_TAG, ImportPolicy, check_imports
from graderkit._core.graders.sample_fields import warn_about_sample_fields
from graderkit.errors import InvalidGrader

__all__ = ["python_grader"]


@overload
def python_grader(
    fn: Callable[..., Any] | str | os.PathLike[str],
    *,
    name: str | None = None,
    image_tag: str = DEFAULT_IMAGE_TAG,
    pass_threshold: float | None = None,
    imports: ImportPolicy = "warn",
) -> PythonGrader: ...


@overload
def python_grader(
    fn: None = None,
    *,
    name: str | None = None,
    image_tag: str = DEFAULT_IMAGE_TAG,
    pass_threshold: float | None = None,
    imports: ImportPolicy = "warn",
) -> Callable[[Callable[..., Any]], PythonGrader]: ...


def python_grader(
    fn: Callable[..., Any] | str | os.PathLike[str] | None = None,
    *,
    name: str | None = None,
    image_tag: str = DEFAULT_IMAGE_TAG,
    pass_threshold: float | None = None,
    imports: ImportPolicy = "warn",
) -> PythonGrader | Callable[[Callable[..., Any]], PythonGrader]:
    """A ``python`` grader from a function, a source string or a ``.py`` file.

    A function becomes standalone source: the function plus the module-level helpers,
    constants and imports it uses, exposed as ``grade(sample, item)``. Use it as a plain call
    or as a decorator (``@gk.python_grader`` or ``@gk.python_grader(name=...)``).

    Args:
        fn: a function ``f(sample, item) -> float``, source text defining ``grade``, or a path.
        name: the grader's name (default: the function's name; required for source text).
        image_tag: the service's sandbox image.
        pass_threshold: optional threshold for the Evals target.
        imports: what to do with an import the image does not ship: ``warn``, ``refuse``
            (raise) or ``ignore``.

    Raises:
        InvalidGrader: syntax errors (with line numbers), a missing or mis-shaped ``grade``,
            source of 256 kB or more, a refused import, or a function that cannot be made
            standalone.

    Examples:
        >>> import graderkit as gk
        >>> @gk.python_grader
        ... def exact(sample, item):
        ...     return 1.0 if sample["output_text"] == item["answer"] else 0.0
        >>> exact.name, "grade = exact" in exact.source
        ('exact', True)
    """
    options = {
        "name": name,
        "image_tag": image_tag,
        "pass_threshold": pass_threshold,
        "imports": imports,
    }
    if fn is None:
        return lambda f: _make(f, **options)  # type: ignore[arg-type]
    return _make(fn, **options)  # type: ignore[arg-type]


def _make(
    fn: Callable[..., Any] | str | os.PathLike[str],
    *,
    name: str | None,
    image_tag: str,
    pass_threshold: float | None,
    imports: ImportPolicy,
) -> PythonGrader:
    if isinstance(fn, os.PathLike):
        from graderkit._run.sandbox.function_source import source_from_file

        source, default_name = source_from_file(fn), os.path.splitext(os.path.basename(fn))[0]
    elif isinstance(fn, str):
        source, default_name = fn, None
    else:
        from graderkit._run.sandbox.function_source import source_from_function

        source, default_name = (
            source_from_function(fn, grader=f"python {name or getattr(fn, '__name__', '')!r}"),
            getattr(fn, "__name__", None),
        )
    grader_name = name or default_name
    label = f"python {grader_name!r}" if grader_name else "python"
    if not grader_name:
        raise InvalidGrader(label, "name", name, "is required for source text; pass name=...")
    data: dict[str, Any] = {"name": grader_name, "source": source, "image_tag": image_tag}
    if pass_threshold is not None:
        data["pass_threshold"] = pass_threshold
    grader = build_model(PythonGrader, data, label=label)  # size, syntax, grade(sample, item)
    # user -> python_grader (-> decorator lambda) -> _make -> check_imports
    check_imports(source, grader=label, image_tag=image_tag, imports=imports, stacklevel=4)
    warn_about_sample_fields(grader, stacklevel=3)
    return grader
