"""Reading request bodies: the size limit (413), JSON decoding, and typed fields with paths.

Every problem is an [`ApiError`][graderkit.serve.api_errors.ApiError] naming the JSON path of
the field (``param``), so a hostile or malformed body is a 4xx, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import Request

from graderkit.serve.api_errors import ApiError

__all__ = ["field_of", "json_body", "mapping_at", "read_body", "text_list"]

JSON_NAMES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 once it passes ``limit`` bytes (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"request body is larger than {limit} bytes", code="request_too_large")


async def json_body(request: Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object (400 ``invalid_json`` otherwise)."""
    raw = await read_body(request, limit)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"the body is not valid JSON: {exc}", code="invalid_json") from None
    if not isinstance(data, dict):
        raise ApiError(
            400, f"the body must be a JSON object, not {_kind(data)}", code="invalid_type"
        )
    return data


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number"
    return JSON_NAMES.get(type(value), type(value).__name__)


def field_of(data: Mapping[str, Any], key: str, *types: type, path: str = "") -> Any:
    """``data[key]``, required and of one of ``types`` (400 with its path otherwise).

    Examples:
        >>> field_of({"a": 1}, "a", int)
        1
        >>> field_of({"a": 1}, "a", str)
        Traceback (most recent call last):
        graderkit.serve.api_errors.ApiError: Invalid type for 'a': expected a string, but got a number instead.
    """
    where = f"{path}.{key}" if path else key
    if key not in data:
        raise ApiError(400, f"Missing required parameter: '{where}'.", param=where,
                       code="missing_required_parameter")  # fmt: skip
    value = data[key]
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        wanted = " or ".join(JSON_NAMES.get(t, t.__name__) for t in types)
        raise ApiError(
            400,
            f"Invalid type for '{where}': expected {wanted}, but got {_kind(value)} instead.",
            param=where,
            code="invalid_type",
        )
    return value


def mapping_at(value: Any, where: str) -> dict[str, Any]:
    """An optional JSON object: ``None`` gives ``{}``; anything but an object is a 400.

    Examples:
        >>> mapping_at(None, "item"), mapping_at({"a": 1}, "item")
        ({}, {'a': 1})
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError(
            400,
            f"Invalid type for '{where}': expected an object, but got {_kind(value)} instead.",
            param=where,
            code="invalid_type",
        )
    return value


def text_list(data: Mapping[str, Any], key: str, *, length: int | None = None) -> list[str]:
    """A required array of strings (each element checked), optionally of a given length.

    Examples:
        >>> text_list({"query": ["a", "b"]}, "query")
        ['a', 'b']
    """
    values: list[Any] = field_of(data, key, list)
    for index, value in enumerate(values):
        if not isinstance(value, str):
            where = f"{key}[{index}]"
            raise ApiError(
                400,
                f"Invalid type for '{where}': expected a string, but got {_kind(value)} instead.",
                param=where,
                code="invalid_type",
            )
    if length is not None and len(values) != length:
        raise ApiError(
            400, f"'{key}' has {len(values)} entries but 'query' has {length}; send one each",
            param=key, code="invalid_length",
        )  # fmt: skip
    return values
