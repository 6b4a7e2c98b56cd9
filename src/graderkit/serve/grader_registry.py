"""The graders a request names: registered at start-up by name, or sent inline as JSON.

Inline graders are loaded with [`from_openai`][graderkit.from_openai] (a bad one is a 400 whose
``param`` is its path in the request) and kept in a small LRU keyed by their canonical JSON, so
a client sending the same grader with every ``graders/run`` call pays for loading it once.
"""

from __future__ import annotations

import logging
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson

from graderkit._core.graders.models import GraderBase
from graderkit._core.graders.wire import from_openai
from graderkit.errors import InvalidGrader
from graderkit.serve.api_errors import ApiError, from_invalid_grader

__all__ = ["GraderRegistry"]

log = logging.getLogger("graderkit.serve")


class GraderRegistry:
    """Named graders plus a cache of inline ones.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{ sample.output_text }}", "yes", name="exact")
        >>> registry = GraderRegistry({"exact": exact})
        >>> registry.resolve("exact", "grader") is exact
        True
        >>> registry.resolve(gk.to_openai(exact), "grader") == exact
        True
    """

    def __init__(self, named: Mapping[str, GraderBase], *, cache_size: int = 256) -> None:
        self.named = dict(named)
        self._cache: OrderedDict[bytes, GraderBase] = OrderedDict()
        self._cache_size = cache_size

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self.named)

    def resolve(self, ref: Any, where: str) -> GraderBase:
        """The grader ``ref`` means: a registered name or inline grader JSON."""
        if isinstance(ref, str):
            return self.by_name(ref, where)
        if not isinstance(ref, dict):
            raise ApiError(
                400,
                f"'{where}' must be a grader object or the name of a registered grader",
                param=where,
                code="invalid_type",
            )
        return self.inline(ref, where)

    def by_name(self, name: str, where: str) -> GraderBase:
        """A registered grader (400 ``unknown_grader`` naming the known ones otherwise)."""
        grader = self.named.get(name)
        if grader is None:
            known = ", ".join(self.names()) or "none (start the server with --grader NAME=REF)"
            raise ApiError(
                400,
                f"no grader named {name!r} is registered; known: {known}",
                param=where,
                code="unknown_grader",
            )
        return grader

    def inline(self, wire: dict[str, Any], where: str) -> GraderBase:
        """Load inline grader JSON, from the cache when the same JSON was seen recently."""
        try:
            key = orjson.dumps(wire, option=orjson.OPT_SORT_KEYS)
        except (TypeError, orjson.JSONEncodeError):  # e.g. integers beyond 64 bits
            key = b""
        cached = self._cache.get(key) if key else None
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        grader = _load(wire, where)
        if key:
            self._cache[key] = grader
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return grader


def _load(wire: dict[str, Any], where: str) -> GraderBase:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            grader = from_openai(wire)
        except InvalidGrader as exc:
            raise from_invalid_grader(exc, where) from None
        except RecursionError:
            raise ApiError(400, f"'{where}' is nested too deeply", param=where,
                           code="invalid_grader") from None  # fmt: skip
    for warning in caught:
        log.info("grader warning: %s", warning.message)
    return grader
