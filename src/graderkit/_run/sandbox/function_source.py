"""Standalone grader source from an ordinary Python function (or a file).

The service runs ``source`` as a module of its own, so the function alone is not enough: it needs
the imports, helpers and constants it uses. `source_from_function` reads the module the function
was defined in, finds with ``symtable`` every module-level name the function uses, then every name
those statements use, and so on, and emits exactly those statements in module order. The function
keeps its own name (so recursion and references from helpers still work) and ``grade = name`` is
appended: the name is never replaced in the text.

Examples:
    >>> from graderkit._run.sandbox.function_source import source_from_function
    >>> import json
    >>> def grade_json(sample, item):
    ...     return float(json.loads(sample["output_text"]) == item["expected"])
    >>> print(source_from_function(grade_json), end="")  # doctest: +ELLIPSIS
    # graderkit: standalone source of ...grade_json
    import json
    <BLANKLINE>
    def grade_json(sample, item):
        return float(json.loads(sample["output_text"]) == item["expected"])
    <BLANKLINE>
    grade = grade_json
"""

from __future__ import annotations

import ast
import builtins
import inspect
import itertools
import linecache
import os
import symtable
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graderkit._core.graders.python_source import check_source
from graderkit.errors import InvalidGrader

__all__ = ["source_from_file", "source_from_function"]

_BUILTINS = frozenset(dir(builtins))
_MODULE_DUNDERS = frozenset({"__name__", "__doc__", "__builtins__", "__spec__", "__package__"})
_LITERALS = (type(None), bool, int, float, complex, str, bytes, tuple, list, dict, set, frozenset)


@dataclass
class _Unit:
    """One module-level statement: what it binds and the module-level names it needs."""

    index: int
    stmt: ast.stmt
    binds: frozenset[str]
    deps: frozenset[str]
    star: bool = False


def source_from_function(fn: Callable[..., Any], *, grader: str = "") -> str:
    """Standalone source exposing ``grade(sample, item)`` from a module-level function.

    The output holds the function and, transitively, the module-level imports (only the names
    used), functions, classes and constants it uses, in module order, then ``grade = <name>``
    when the function is not called ``grade``. graderkit decorators (``@gk.python_grader``) are
    removed, since the service runs the source without graderkit; other decorators stay.

    Args:
        fn: a function defined with ``def`` at the top level of a module (a file).
        grader: a label for error messages (default ``"python '<name>'"``).

    Returns:
        The source text; it has been checked with ``check_source`` (imports not checked).

    Raises:
        InvalidGrader: ``fn`` is a lambda, a method, a nested function or a closure, has no
            source (defined in a REPL), is async or a generator, or uses a name that is not
            defined at module level (the message names it).

    Examples:
        >>> def shout(sample, item):
        ...     return 1.0
        >>> "grade = shout" in source_from_function(shout)
        True
    """
    target = _plain_function(fn, grader)
    label = grader or f"python {target.__name__!r}"
    text, tree = _module_source(target, label)
    units = _units(tree)
    start = _find_def(units, target, label)
    gk_names = _graderkit_names(tree, target.__globals__)
    wanted, extra = _closure(units, start, gk_names, _future_text(tree), target, label)
    out = _emit(text, tree, units, wanted, extra, gk_names, target)
    check_source(out, grader=label, imports="ignore")
    return out


def source_from_file(path: str | os.PathLike[str]) -> str:
    """The text of a ``.py`` file, as a grader's ``source`` (UTF-8; a BOM is dropped).

    Raises:
        InvalidGrader: the file is not UTF-8 text.
        OSError: the file cannot be read.

    Examples:
        >>> import pathlib, tempfile
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "g.py"
        >>> _ = p.write_text("def grade(sample, item):\\n    return 1.0\\n")
        >>> source_from_file(p).splitlines()[0]
        'def grade(sample, item):'
    """
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidGrader(
            f"python {os.fspath(path)!r}", "path", os.fspath(path), f"is not UTF-8 text: {e}"
        ) from None


def _refuse(label: str, fn: Any, problem: str) -> InvalidGrader:
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return InvalidGrader(label, "function", name, problem)


def _plain_function(fn: Callable[..., Any], grader: str) -> types.FunctionType:
    target = inspect.unwrap(fn) if callable(fn) else fn
    label = grader or f"python {getattr(target, '__name__', '?')!r}"
    if not isinstance(target, types.FunctionType):
        raise _refuse(
            label,
            fn,
            f"is a {type(fn).__name__}, not a function; pass a function defined with 'def' at "
            "the top level of a module, or source text",
        )
    code = target.__code__
    if target.__name__ == "<lambda>":
        problem = "is a lambda; define it with 'def' at the top level of a module"
    elif code.co_freevars:
        names = ", ".join(code.co_freevars)
        problem = (
            f"closes over {names} from its enclosing function; the service runs the source as "
            "a module of its own, so define it at module level and pass values through the item"
        )
    elif "<locals>" in target.__qualname__:
        problem = "is defined inside another function; define it at the top level of a module"
    elif "." in target.__qualname__:
        problem = "is defined in a class; define grade as a module-level function"
    elif code.co_flags & (inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR):
        problem = "is async; the service calls grade(sample, item) and needs a number back"
    elif code.co_flags & inspect.CO_GENERATOR:
        problem = "is a generator (it yields); grade must return a number"
    else:
        return target
    raise _refuse(label, target, problem)


def _module_source(fn: types.FunctionType, label: str) -> tuple[str, ast.Module]:
    filename = fn.__code__.co_filename
    lines = linecache.getlines(filename, fn.__globals__)
    if not lines:
        raise _refuse(
            label,
            fn,
            f"has no source to read (it comes from {filename!r}: a REPL, exec() or bytecode "
            "only); define it in a .py file and import it, or pass the source text",
        )
    text = "".join(lines)
    try:
        return text, ast.parse(text, filename=filename)
    except SyntaxError as e:
        raise _refuse(label, fn, f"comes from {filename!r}, which no longer parses: {e}") from None


def _future_text(tree: ast.Module) -> str:
    return "".join(ast.unparse(s) + "\n" for s in tree.body if _is_future(s))


def _units(tree: ast.Module) -> list[_Unit]:
    future = _future_text(tree)
    return [_unit(i, stmt, future) for i, stmt in enumerate(tree.body)]


def _unit(index: int, stmt: ast.stmt, future: str) -> _Unit:
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        star = any(a.name == "*" for a in stmt.names)
        binds = frozenset(a.asname or a.name.partition(".")[0] for a in stmt.names if a.name != "*")
        return _Unit(index, stmt, binds, frozenset(), star)
    table = symtable.symtable(future + ast.unparse(stmt), "<statement>", "exec")
    top = table.get_symbols()
    binds = frozenset(s.get_name() for s in top if s.is_assigned() or s.is_imported())
    deps = {s.get_name() for s in top if s.is_referenced()}
    stack = list(table.get_children())
    while stack:
        child = stack.pop()
        deps.update(s.get_name() for s in child.get_symbols() if s.is_global())
        stack.extend(child.get_children())
    if isinstance(stmt, ast.ClassDef):  # pydantic and dataclasses read field annotations later
        deps.update(_annotation_names(stmt))
    return _Unit(index, stmt, binds, frozenset(deps))


def _annotation_names(cls: ast.ClassDef) -> set[str]:
    return {
        n.id
        for s in cls.body
        if isinstance(s, ast.AnnAssign)
        for n in ast.walk(s.annotation)
        if isinstance(n, ast.Name)
    }


def _start_line(stmt: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(stmt, "decorator_list", [])
    return min([stmt.lineno, *(d.lineno for d in decorators)])


def _find_def(units: list[_Unit], fn: types.FunctionType, label: str) -> _Unit:
    first = fn.__code__.co_firstlineno
    same_name = [
        u for u in units if isinstance(u.stmt, ast.FunctionDef) and u.stmt.name == fn.__name__
    ]
    for u in same_name:
        if first in (u.stmt.lineno, _start_line(u.stmt)):
            return u
    where = "has changed since it was imported" if same_name else "does not define it at the top"
    raise _refuse(
        label, fn, f"cannot be found in its source file ({fn.__code__.co_filename} {where})"
    )


def _graderkit_names(tree: ast.Module, module_globals: dict[str, Any]) -> frozenset[str]:
    """Module-level names bound to graderkit (by an import in the text, or at run time)."""
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            names.update(a.asname or a.name.partition(".")[0] for a in stmt.names if _is_gk(a.name))
        elif isinstance(stmt, ast.ImportFrom) and not stmt.level and _is_gk(stmt.module or ""):
            names.update(a.asname or a.name for a in stmt.names)
    for name, value in module_globals.items():
        module = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", "")
        if isinstance(module, str) and _is_gk(module):
            names.add(name)
    return frozenset(names)


def _is_gk(module: str) -> bool:
    return module == "graderkit" or module.startswith("graderkit.")


def _decorator_root(expr: ast.expr) -> str | None:
    while isinstance(expr, (ast.Call, ast.Attribute)):
        expr = expr.func if isinstance(expr, ast.Call) else expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _strip_graderkit(stmt: ast.stmt, gk_names: frozenset[str]) -> ast.stmt:
    if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return stmt
    kept = [d for d in stmt.decorator_list if _decorator_root(d) not in gk_names]
    if len(kept) == len(stmt.decorator_list):
        return stmt
    copy = ast.parse(ast.unparse(stmt)).body[0]
    assert isinstance(copy, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    copy.decorator_list = [d for d in copy.decorator_list if _decorator_root(d) not in gk_names]
    return copy


def _closure(
    units: list[_Unit],
    start: _Unit,
    gk_names: frozenset[str],
    prefix: str,
    fn: types.FunctionType,
    label: str,
) -> tuple[dict[int, set[str]], dict[str, str]]:
    """Unit index -> names needed from it; plus lines for names only known at run time."""
    by_name: dict[str, list[_Unit]] = {}
    for u in units:
        for name in u.binds:
            by_name.setdefault(name, []).append(u)
    stars = [u for u in units if u.star]
    wanted: dict[int, set[str]] = {start.index: set()}
    extra: dict[str, str] = {}
    queue = [start]
    while queue:
        unit = queue.pop()
        stripped = _strip_graderkit(unit.stmt, gk_names)
        deps = unit.deps if stripped is unit.stmt else _unit(unit.index, stripped, prefix).deps
        for name in sorted(deps):
            for binder in _resolve(name, by_name, stars, fn, label, extra):
                if binder.index not in wanted:
                    queue.append(binder)
                wanted.setdefault(binder.index, set()).add(name)
    return wanted, extra


def _resolve(
    name: str,
    by_name: dict[str, list[_Unit]],
    stars: list[_Unit],
    fn: types.FunctionType,
    label: str,
    extra: dict[str, str],
) -> Iterable[_Unit]:
    if name in by_name:
        return by_name[name]
    if name in _BUILTINS or name in _MODULE_DUNDERS or name in extra:
        return []
    if stars and name in fn.__globals__:
        return stars
    line = _runtime_binding(name, fn.__globals__)
    if line is None:
        raise _refuse(
            label,
            fn,
            f"uses {name!r}, which is not defined at module level in its source "
            f"({fn.__code__.co_filename}): every name the grader uses must be a module-level "
            "import, function, class or constant there, or a builtin",
        )
    extra[name] = line
    return []


def _runtime_binding(name: str, module_globals: dict[str, Any]) -> str | None:
    """A line re-creating a global that the source text does not bind (a doctest, a notebook).

    Only modules, importable module-level objects and literal constants can be re-created.
    """
    if name not in module_globals:
        return None
    value = module_globals[name]
    if inspect.ismodule(value):
        real = value.__name__
        return f"import {real}" if real == name else f"import {real} as {name}"
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        if module == "__main__" or "." in qualname or "<" in qualname or "<" in module:
            return None
        alias = "" if qualname == name else f" as {name}"
        return f"from {module} import {qualname}{alias}"
    if isinstance(value, _LITERALS):
        text = repr(value)
        try:
            same = ast.literal_eval(text) == value
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            same = False
        return f"{name} = {text}" if same else None
    return None


def _is_future(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"


def _emit(
    text: str,
    tree: ast.Module,
    units: list[_Unit],
    wanted: dict[int, set[str]],
    extra: dict[str, str],
    gk_names: frozenset[str],
    fn: types.FunctionType,
) -> str:
    lines = text.splitlines()
    chunks = [f"# graderkit: standalone source of {fn.__module__}.{fn.__qualname__}"]
    chunks += [ast.unparse(u.stmt) for u in units if _is_future(u.stmt)]
    chunks += [extra[name] for name in sorted(extra)]
    for unit in units:
        if unit.index in wanted and not _is_future(unit.stmt):
            chunks.append(_unit_text(unit, wanted[unit.index], lines, tree, gk_names))
    if fn.__name__ != "grade":
        clash = [u for u in units if u.index in wanted and "grade" in u.binds]
        if clash:
            raise _refuse(
                f"python {fn.__name__!r}",
                fn,
                "uses a module-level name 'grade' of its own, which would clash with the "
                "'grade' the service calls; rename that helper",
            )
        chunks.append(f"grade = {fn.__name__}")
    return _join(chunks)


def _join(chunks: list[str]) -> str:
    """One line between simple statements, a blank line around multi-line ones."""
    out = chunks[0]
    for prev, chunk in itertools.pairwise(chunks):
        blank = "\n" in prev or "\n" in chunk or chunk.startswith(("def ", "class ", "@"))
        out += ("\n\n" if blank else "\n") + chunk
    return out + "\n"


def _unit_text(
    unit: _Unit, names: set[str], lines: list[str], tree: ast.Module, gk_names: frozenset[str]
) -> str:
    stmt = unit.stmt
    if isinstance(stmt, (ast.Import, ast.ImportFrom)) and not unit.star:
        kept = [a for a in stmt.names if (a.asname or a.name.partition(".")[0]) in names]
        if len(kept) != len(stmt.names):
            return ast.unparse(type(stmt)(**{**stmt.__dict__, "names": kept}))
    stripped = _strip_graderkit(stmt, gk_names)
    if not _owns_lines(unit, tree):
        return ast.unparse(stripped)
    assert stmt.end_lineno is not None
    if stripped is stmt:
        return "\n".join(lines[_start_line(stmt) - 1 : stmt.end_lineno]).rstrip()
    assert isinstance(stripped, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    decorators = [f"@{ast.unparse(d)}" for d in stripped.decorator_list]
    return "\n".join([*decorators, *lines[stmt.lineno - 1 : stmt.end_lineno]]).rstrip()


def _owns_lines(unit: _Unit, tree: ast.Module) -> bool:
    """True when no other statement shares a line with this one (no ``a = 1; b = 2``)."""
    body = tree.body
    before = body[unit.index - 1].end_lineno if unit.index else 0
    after = body[unit.index + 1].lineno if unit.index + 1 < len(body) else None
    end = unit.stmt.end_lineno or unit.stmt.lineno
    ok_before = before is None or before < _start_line(unit.stmt)
    return unit.stmt.col_offset == 0 and ok_before and (after is None or after > end)
