"""Static checks of a ``python`` grader's ``source``, done when the grader is built or loaded.

The service runs ``source`` as a module and calls ``grade(sample, item)``. Everything that can be
known without running the code is checked here, on the string alone (``ast``, no execution):

* the size (the service accepts sources under 256 kB);
* the syntax, reported with line, column and the offending line;
* a module-level ``grade`` taking exactly two positional parameters;
* the imports, against the packages installed in the chosen image tag.

Examples:
    >>> from graderkit._core.graders.python_source import check_source
    >>> check_source("def grade(sample, item):\\n    return 1.0\\n")
    >>> check_source("def grade(sample):\\n    return 1.0\\n", grader="python 'g'")
    Traceback (most recent call last):
    ...
    graderkit.errors.InvalidGrader: python 'g': source='def grade(sample):' grade() has 1 \
positional parameter (sample); the service calls grade(sample, item), so it must take exactly two
"""

from __future__ import annotations

import ast
import sys
import warnings
from typing import Literal

from graderkit.errors import GraderkitWarning, InvalidGrader

__all__ = [
    "DEFAULT_IMAGE_TAG",
    "IMAGE_PACKAGES",
    "MAX_SOURCE_BYTES",
    "check_imports",
    "check_source",
    "imported_modules",
]

MAX_SOURCE_BYTES = 256 * 1024
"""The service accepts ``source`` strictly under 256 kB; graderkit reads kB as 1024 bytes."""

DEFAULT_IMAGE_TAG = "2025-05-08"
"""The tag imports are checked against when a grader has no ``image_tag``."""

# Import names of the packages the guide lists for image "2025-05-08", plus the dependencies those
# packages are known to install (pip metadata of the pinned versions). scikit-bio's own
# dependencies are left out: they are not certain, so importing them directly is reported.
_PACKAGES_2025_05_08 = frozenset(
    {
        "numpy",
        "scipy",
        "sympy",
        "mpmath",  # sympy
        "pandas",
        "dateutil",  # pandas (python-dateutil)
        "pytz",  # pandas
        "tzdata",  # pandas
        "six",  # python-dateutil, rouge-score
        "rapidfuzz",
        "sklearn",  # scikit-learn
        "joblib",  # scikit-learn, nltk
        "threadpoolctl",  # scikit-learn
        "rouge_score",
        "absl",  # rouge-score (absl-py)
        "deepdiff",
        "orderly_set",  # deepdiff 8
        "jsonschema",
        "attr",  # jsonschema (attrs)
        "attrs",
        "jsonschema_specifications",
        "referencing",
        "rpds",  # referencing (rpds-py)
        "pydantic",
        "pydantic_core",
        "annotated_types",
        "typing_extensions",
        "yaml",  # pyyaml
        "nltk",
        "click",  # nltk
        "regex",  # nltk
        "tqdm",  # nltk
        "sqlparse",
        "rdkit",
        "PIL",  # rdkit (Pillow)
        "skbio",  # scikit-bio
        "ast_grep_py",
    }
)

IMAGE_PACKAGES: dict[str, frozenset[str]] = {
    "2025-05-08": frozenset(sys.stdlib_module_names) | _PACKAGES_2025_05_08,
    # The contents of "alpha" are not documented: graderkit assumes they equal "2025-05-08".
    "alpha": frozenset(sys.stdlib_module_names) | _PACKAGES_2025_05_08,
}
"""Top-level importable module names per image tag.

The standard library is the one of the Python running graderkit (the image's Python version is
not documented). ``"alpha"`` is assumed to hold the same as ``"2025-05-08"``.
"""

ImportPolicy = Literal["warn", "refuse", "ignore"]


def check_source(
    source: str,
    *,
    grader: str = "",
    image_tag: str | None = None,
    imports: ImportPolicy = "warn",
    stacklevel: int = 2,
) -> None:
    """Check a python grader's ``source`` without running it.

    ``grade`` must be bound at module level and take exactly two positional parameters and
    nothing else: no ``*args``, no ``**kwargs``, no keyword-only parameters (defaults on the two
    are allowed, since they do not change how ``grade(sample, item)`` binds). An
    ``async def grade`` or a ``class grade`` is refused. A ``grade`` bound in another way
    (``grade = other_function`` is followed to ``other_function``; an import or a call result is
    not) cannot be checked, and a `GraderkitWarning` says so.

    Args:
        source: the module text.
        grader: a label for error messages, e.g. ``"python 'exact'"``.
        image_tag: the image the service runs; ``None`` means ``"2025-05-08"``.
        imports: what to do about an import the image does not have: ``"warn"`` (a
            `GraderkitWarning`), ``"refuse"`` (raise) or ``"ignore"``.
        stacklevel: passed to `warnings.warn`, so the warning points at the caller's caller.

    Raises:
        InvalidGrader: the source is too large, does not parse, lacks a proper ``grade``, or (with
            ``imports="refuse"``) imports a module the image does not have.

    Examples:
        >>> check_source("import requests\\ndef grade(s, i): return 1.0", imports="refuse")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        graderkit.errors.InvalidGrader: source='import requests' imports 'requests', which image \
'2025-05-08' does not have ...
    """
    _check_size(source, grader)
    tree = _parse(source, grader)
    _check_grade(tree, source, grader, stacklevel + 1)
    if imports != "ignore":
        _check_imports(tree, source, grader, image_tag, imports, stacklevel + 1)


def check_imports(
    source: str,
    *,
    grader: str = "",
    image_tag: str | None = None,
    imports: ImportPolicy = "warn",
    stacklevel: int = 2,
) -> None:
    """Only the import check of `check_source`, for a source already checked otherwise.

    Every python grader's ``source`` is checked for size, syntax and ``grade`` whenever the
    grader is built or loaded (the model does it, so ``from_openai``, ``PythonGrader(...)``,
    ``graderkit validate`` and `python_grader` all give the same messages); the factory adds
    this check of the imports against the image.

    Examples:
        >>> check_imports("import numpy\\ndef grade(s, i): return 1.0", imports="refuse")
    """
    if imports != "ignore":
        tree = _parse(source, grader)
        _check_imports(tree, source, grader, image_tag, imports, stacklevel + 1)


def imported_modules(tree: ast.Module) -> dict[str, ast.stmt]:
    """The top-level module names a module imports anywhere in it, each with its first import.

    Relative imports are reported as ``"."`` (they cannot work: the source is a single module).

    Examples:
        >>> sorted(imported_modules(ast.parse("import os.path\\nfrom a.b import c")))
        ['a', 'os']
    """
    found: dict[str, ast.stmt] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.setdefault(alias.name.partition(".")[0], node)
        elif isinstance(node, ast.ImportFrom):
            name = "." if node.level else (node.module or "").partition(".")[0]
            found.setdefault(name, node)
    return found


def _excerpt(text: str, limit: int = 60) -> str:
    first = text.lstrip("\n").split("\n", 1)[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _line(source: str, lineno: int | None) -> str:
    lines = source.splitlines()
    if lineno is None or not 1 <= lineno <= len(lines):
        return ""
    return _excerpt(lines[lineno - 1].rstrip(), 120)


def _check_size(source: str, grader: str) -> None:
    try:
        size = len(source.encode("utf-8"))
    except UnicodeEncodeError as e:
        raise InvalidGrader(
            grader, "source", _excerpt(source), f"is not valid text: {e.reason} at index {e.start}"
        ) from None
    if size >= MAX_SOURCE_BYTES:
        raise InvalidGrader(
            grader,
            "source",
            _excerpt(source),
            f"is {size} bytes (UTF-8); the service accepts sources under {MAX_SOURCE_BYTES} "
            "bytes (256 kB): move data out of the source (into the dataset item) or trim it",
        )


def _parse(source: str, grader: str) -> ast.Module:
    if "\0" in source:  # Python reports these without a line number
        lineno = source[: source.index("\0")].count("\n") + 1
        raise InvalidGrader(
            grader,
            "source",
            _line(source.replace("\0", "\\0"), lineno),
            f"contains a NUL character at line {lineno}; Python cannot parse it",
        )
    try:
        tree = ast.parse(source, filename="<source>")
        # The compiler finds what the parser does not ('return' outside a function, ...).
        compile(tree, "<source>", "exec", dont_inherit=True)
    except SyntaxError as e:
        where = f"line {e.lineno}, column {e.offset}" if e.lineno else "an unknown line"
        raise InvalidGrader(
            grader, "source", _line(source, e.lineno), f"has a syntax error at {where}: {e.msg}"
        ) from None
    return tree


def _bindings(body: list[ast.stmt], name: str) -> list[ast.stmt]:
    """Statements binding ``name`` at module level, including inside if/try/with blocks."""
    found: list[ast.stmt] = []
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if stmt.name == name:
                found.append(stmt)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            bound = (a.asname or a.name.partition(".")[0] for a in stmt.names)
            if name in bound:
                found.append(stmt)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            stores = (n for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
            if any(n.id == name for n in stores):
                found.append(stmt)
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
            for block in _blocks(stmt):
                found.extend(_bindings(block, name))
    return found


def _blocks(stmt: ast.If | ast.Try | ast.With) -> list[list[ast.stmt]]:
    if isinstance(stmt, ast.If):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, ast.With):
        return [stmt.body]
    return [stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody]


def _check_grade(tree: ast.Module, source: str, grader: str, stacklevel: int) -> None:
    found = _bindings(tree.body, "grade")
    if not found:
        raise InvalidGrader(
            grader,
            "source",
            _excerpt(source),
            "defines no module-level grade(): the service calls grade(sample, item); define "
            "'def grade(sample, item):' at the top level, or add 'grade = your_function'",
        )
    stmt = found[-1]
    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name):
        aliased = [s for s in _bindings(tree.body, stmt.value.id) if isinstance(s, ast.FunctionDef)]
        stmt = aliased[-1] if aliased else stmt
    if isinstance(stmt, ast.FunctionDef):
        problem = _signature_problem(stmt.args)
        if problem:
            raise InvalidGrader(grader, "source", _line(source, stmt.lineno), problem)
        return
    if isinstance(stmt, (ast.AsyncFunctionDef, ast.ClassDef)):
        kind = "an async function" if isinstance(stmt, ast.AsyncFunctionDef) else "a class"
        raise InvalidGrader(
            grader,
            "source",
            _line(source, stmt.lineno),
            f"defines grade as {kind}; the service calls grade(sample, item) and needs a number "
            "back, so grade must be a plain 'def' function",
        )
    where = f"{grader}: " if grader else ""
    warnings.warn(
        GraderkitWarning(
            f"{where}grade is bound by {_excerpt(ast.unparse(stmt))!r}; graderkit cannot check "
            "before running that it takes exactly two positional parameters (sample, item)"
        ),
        stacklevel=stacklevel,
    )


def _signature_problem(args: ast.arguments) -> str | None:
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    calls = "the service calls grade(sample, item), so it must take exactly two"
    if args.vararg is not None:
        return f"grade() takes *{args.vararg.arg}; {calls} positional parameters and nothing else"
    if args.kwarg is not None:
        return f"grade() takes **{args.kwarg.arg}; {calls} positional parameters and nothing else"
    if args.kwonlyargs:
        names = ", ".join(a.arg for a in args.kwonlyargs)
        return f"grade() has keyword-only parameters ({names}); {calls} positional parameters"
    if len(positional) != 2:
        plural = "" if len(positional) == 1 else "s"
        listed = f" ({', '.join(positional)})" if positional else ""
        return f"grade() has {len(positional)} positional parameter{plural}{listed}; {calls}"
    return None


def _check_imports(
    tree: ast.Module,
    source: str,
    grader: str,
    image_tag: str | None,
    policy: ImportPolicy,
    stacklevel: int,
) -> None:
    tag = DEFAULT_IMAGE_TAG if image_tag is None else image_tag
    where = f"{grader}: " if grader else ""
    available = IMAGE_PACKAGES.get(tag)
    if available is None:
        known = ", ".join(repr(t) for t in IMAGE_PACKAGES)
        warnings.warn(
            GraderkitWarning(
                f"{where}image_tag={tag!r} is not known to graderkit (known: {known}); "
                "imports were not checked"
            ),
            stacklevel=stacklevel,
        )
        return
    missing = {m: s for m, s in imported_modules(tree).items() if m not in available}
    if not missing:
        return
    stmt = next(iter(missing.values()))
    problem = _imports_problem(sorted(missing), tag)
    if policy == "refuse":
        raise InvalidGrader(grader, "source", _line(source, stmt.lineno), problem)
    warnings.warn(
        GraderkitWarning(f"{where}source line {stmt.lineno} {problem}"), stacklevel=stacklevel
    )


def _imports_problem(modules: list[str], tag: str) -> str:
    relative = "." in modules
    names = [m for m in modules if m != "."]
    parts: list[str] = []
    if names:
        listed = ", ".join(repr(m) for m in names)
        it = "it" if len(names) == 1 else "them"
        parts.append(
            f"imports {listed}, which image {tag!r} does not have (it has the standard library "
            f"and the packages listed for it), so the service fails with ModuleNotFoundError: "
            f"remove the import, copy the code you need into the source, or pass "
            f"imports='ignore' if you know the image has {it}"
        )
    if relative:
        parts.append(
            "uses a relative import ('from . import ...'); the source runs as a single module, "
            "so copy the code it needs into the source"
        )
    return "; and ".join(parts)
