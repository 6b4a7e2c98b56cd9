"""Optional dependencies: which install provides each, and the one way graderkit imports them.

Every import of a library that ``pip install graderkit`` does not bring goes through this module,
so a missing one raises [`MissingDependency`][graderkit.MissingDependency] naming the feature
and the ``pip install`` line, never a bare ``ModuleNotFoundError``. ``OPTIONAL`` is the table;
a test checks it against ``pyproject.toml``'s extras. This module sits beside ``errors`` at the
bottom of the layers and imports only the standard library and ``graderkit.errors``.

- ``requires(feature)``: a context manager around the import statements of a feature that
  cannot work without its library (nltk for meteor, hypothesis for the strategies, ...).
- ``accelerator(module)``: a library that only makes something faster (numpy); ``None`` when it
  is absent, and the caller takes its pure-Python path.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from graderkit.errors import MissingDependency

__all__ = ["OPTIONAL", "accelerator", "install_line", "installed", "requires"]

OPTIONAL: dict[str, str] = {
    "aiohttp": "openai[aiohttp]",
    "hypothesis": "graderkit[testing]",
    "nltk": "graderkit[metrics]",
    "numpy": "graderkit[metrics]",
    "orjson": "graderkit[serve]",
    "pyarrow": "graderkit[ray]",
    "ray": "graderkit[ray]",
    "rouge_score": "graderkit[metrics]",
    "starlette": "graderkit[serve]",
    "trl": "graderkit[trl]",
    "uvicorn": "graderkit[serve]",
    "verifiers": "graderkit[verifiers]",
}
"""Import name -> the requirement that provides it (a graderkit extra, or another package's)."""


def install_line(module: str) -> str:
    """The ``pip install`` command that provides ``module`` (a top-level import name).

    Examples:
        >>> install_line("nltk")
        "pip install 'graderkit[metrics]'"
    """
    return f"pip install '{OPTIONAL[module]}'"


@contextmanager
def requires(feature: str) -> Iterator[None]:
    """Turn a missing optional library, imported inside the block, into ``MissingDependency``.

    Only a library listed in ``OPTIONAL`` is translated; any other ``ModuleNotFoundError`` (a
    broken install of a dependency's own dependency, a typo) propagates unchanged.

    Args:
        feature: what needs the library, for the message (e.g. ``"the meteor metric"``).

    Raises:
        MissingDependency: when the block fails to import a library of ``OPTIONAL``.

    Examples:
        >>> import sys
        >>> saved = sys.modules.get("nltk")
        >>> sys.modules["nltk"] = None  # how Python marks a module unimportable
        >>> try:
        ...     with requires("the meteor metric"):
        ...         import nltk
        ... except MissingDependency as e:
        ...     print(e)
        the meteor metric needs nltk, which is not installed: pip install 'graderkit[metrics]'
        >>> if saved is None:
        ...     del sys.modules["nltk"]
        ... else:
        ...     sys.modules["nltk"] = saved
    """
    try:
        yield
    except ModuleNotFoundError as exc:
        module = (exc.name or "").partition(".")[0]
        if module not in OPTIONAL:
            raise
        raise MissingDependency(module, feature, install_line(module)) from exc


def installed(module: str) -> bool:
    """Whether ``module`` can be found, without importing it.

    Examples:
        >>> installed("json"), installed("no_such_module_here")
        (True, False)
    """
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent that is not a package; a spec-less module
        return False


def accelerator(module: str) -> ModuleType | None:
    """``module`` imported when it is installed, else ``None`` (the caller's slower path).

    Examples:
        >>> accelerator("json").__name__, accelerator("no_such_module_here")
        ('json', None)
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        return None
