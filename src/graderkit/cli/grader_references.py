"""Finding a grader from the command line: a JSON file, ``-`` (stdin), or ``module:attribute``.

Every way a reference can fail is a [`GraderNotFound`][graderkit.cli.grader_references.GraderNotFound]
with one line naming the reference, the problem and the fix: a missing file, a ``.py`` file
without ``:name`` or with a name it does not define (both list the graders it does define),
a module that fails to import (with the file and line of the failure).
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import sys
import traceback
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

from graderkit._core.formula.arithmetic import Expression
from graderkit._core.graders.models import GraderBase
from graderkit._core.graders.sample_fields import SampleFieldWarning
from graderkit._core.graders.wire import from_openai
from graderkit._run.datasets.file_errors import os_reason
from graderkit.errors import GraderkitError, InvalidGrader

__all__ = ["GraderNotFound", "graders_in", "load_grader", "read_json_arg"]

FORMS = "file.json, '-' (stdin), module:attribute or file.py:attribute"


class GraderNotFound(GraderkitError):
    """A grader reference does not point at a grader.

    Examples:
        >>> try:
        ...     load_grader("examples/clinical/graders.py:clinical")
        ... except GraderNotFound as e:
        ...     print(str(e).split(";")[0])
        examples/clinical/graders.py has no 'clinical'
    """


def load_grader(ref: str, *, sample_field_warnings: bool = True) -> GraderBase:
    """Load ``grader.json``, ``-`` (JSON on stdin), ``pkg.module:name`` or ``file.py:name``.

    ``sample_field_warnings=False`` silences the warning about ``{{ sample.x }}`` fields the
    service never fills (for commands that report them as errors instead).

    Raises:
        GraderNotFound: the reference points at no grader (the message says why and lists the
            graders a Python file defines).
        InvalidGrader: the grader JSON is invalid.

    Examples:
        >>> load_grader("tests/fixtures/spec-examples/python-no-name.json").type
        'python'
        >>> load_grader("examples/clinical/graders.py:exact").label
        "string_check 'exact'"
    """
    if not sample_field_warnings:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SampleFieldWarning)
            return load_grader(ref)
    if ref == "-":
        return from_openai(_read_text(sys.stdin.buffer.read(), "'-' (stdin)"))
    path = Path(ref)
    if path.suffix == ".py" and not path.is_dir():
        if not path.is_file():
            raise GraderNotFound(f"{ref}: no such file; check the path ({FORMS})")
        names = ", ".join(graders_in(_import_file(ref))) or "none"
        raise GraderNotFound(
            f"{ref} is a Python file: add ':NAME' to choose a grader, e.g. {ref}:"
            f"{names.split(', ')[0] if names != 'none' else 'my_grader'}; graders in it: {names}"
        )
    if ":" in ref and not path.is_file():
        module, attribute = ref.rsplit(":", 1)
        return _attribute(module, attribute)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "is not a file"
        raise GraderNotFound(f"{ref} {what}; give a grader as {FORMS}")
    return _from_json_file(path)


def _from_json_file(path: Path) -> GraderBase:
    """``from_openai`` on a file's text; a problem with the text itself names the file."""
    try:
        return from_openai(_read_text(_read_bytes(path), str(path)))
    except InvalidGrader as exc:
        if exc.grader != "<json>":
            raise
        raise type(exc)(str(path), exc.field, exc.value, exc.problem) from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise GraderNotFound(f"{path}: cannot read: {os_reason(exc)}") from None


def _read_text(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GraderNotFound(
            f"{where}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the grader JSON as UTF-8"
        ) from None


def graders_in(module: ModuleType) -> list[str]:
    """The names of the graders a module defines at its top level, in definition order."""
    return [name for name, value in vars(module).items() if isinstance(value, GraderBase)]


def _import_file(file: str) -> ModuleType:
    if not Path(file).is_file():
        raise GraderNotFound(f"{file}: no such file; check the path ({FORMS})")
    spec = importlib.util.spec_from_file_location(Path(file).stem, file)
    if spec is None or spec.loader is None:
        raise GraderNotFound(f"{file}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except GraderkitError:
        raise  # an invalid grader built at import time: its own message names it
    except Exception as exc:
        raise GraderNotFound(f"{file}: importing it failed: {_where_failed(exc, file)}") from None
    return module


def _import_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except GraderkitError:
        raise
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise GraderNotFound(
                f"{name}: no module of that name; for a file give its path ({FORMS})"
            ) from None
        raise GraderNotFound(f"{name}: importing it failed: {_where_failed(exc, name)}") from None
    except Exception as exc:
        raise GraderNotFound(f"{name}: importing it failed: {_where_failed(exc, name)}") from None


def _where_failed(exc: BaseException, origin: str) -> str:
    """``NameError: name 'x' is not defined (graders.py line 12)``: the last frame in the
    user's file (else the innermost one)."""
    if isinstance(exc, SyntaxError) and exc.lineno is not None:
        place = f" ({exc.filename or origin} line {exc.lineno})"
        return f"SyntaxError: {exc.msg}{place}"
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if Path(f.filename).resolve() == Path(origin).resolve()]
    chosen = own or frames
    place = f" ({chosen[-1].filename} line {chosen[-1].lineno})" if chosen else ""
    return f"{type(exc).__name__}: {exc}{place}"


def _attribute(module_name: str, attribute: str) -> GraderBase:
    is_file = module_name.endswith(".py")
    module = _import_file(module_name) if is_file else _import_module(module_name)
    ref = f"{module_name}:{attribute}"
    value: Any = getattr(module, attribute, None)
    if isinstance(value, GraderBase):
        return value
    if isinstance(value, Expression):
        raise GraderNotFound(f"{ref} is a formula; wrap it with graderkit.multi(..., name=...)")
    names = graders_in(module)
    listed = f"graders in it: {', '.join(names)}" if names else "it defines no grader"
    if value is None:
        close = difflib.get_close_matches(attribute, names, n=1, cutoff=0.5)
        hint = f"did you mean {module_name}:{close[0]}? " if close else ""
        raise GraderNotFound(f"{module_name} has no {attribute!r}; {hint}{listed}")
    raise GraderNotFound(f"{ref} is a {type(value).__name__}, not a grader; {listed}")


def read_json_arg(text: str | None, file: str | None, what: str) -> Any:
    """Parse a JSON argument given inline or as a file; ``None`` when neither is given.

    Raises:
        DataError: the file cannot be read, or the text is not JSON (the message names the
            argument).
    """
    from graderkit._run.datasets.data_files import DataError, parse_line

    where = f"{what} {file}" if file is not None else what
    data: str | bytes | None = text
    if file is not None:
        try:
            data = _read_bytes(Path(file))
        except GraderNotFound as exc:
            raise DataError(str(exc)) from None
    if data is None:
        return None
    try:
        return parse_line(data)
    except ValueError as exc:
        raise DataError(f"{where}: {exc}") from None
