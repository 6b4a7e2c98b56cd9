"""Module attributes imported on first use (PEP 562), so importing a package stays fast."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, namespace: dict[str, Any], table: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose ``table`` maps name -> module.

    Examples:
        >>> ns: dict[str, Any] = {}
        >>> getattr_, dir_ = lazy_attributes("pkg", ns, {"sqrt": "math"})
        >>> getattr_("sqrt")(9.0), "sqrt" in ns, dir_()
        (3.0, True, ['sqrt'])
    """

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
