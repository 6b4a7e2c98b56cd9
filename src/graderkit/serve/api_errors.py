"""Errors as OpenAI's API writes them: ``{"error": {"message", "type", "param", "code"}}``.

Every 4xx the server sends has this body, so the official ``openai`` client raises its usual
``BadRequestError`` / ``AuthenticationError`` with ``.param`` and ``.code`` filled in.
"""

from __future__ import annotations

from typing import Any

from graderkit.errors import InvalidGrader

__all__ = ["ApiError", "error_body", "error_param", "from_invalid_grader"]


class ApiError(Exception):
    """A request the server refuses, with the HTTP status and OpenAI's error fields.

    Examples:
        >>> err = ApiError(400, "item must be a JSON object", param="item", code="invalid_type")
        >>> err.body()["error"]["param"], err.status
        ('item', 400)
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.type = type

    def body(self) -> dict[str, Any]:
        """The JSON body of the response."""
        return error_body(self.message, type=self.type, param=self.param, code=self.code)


def error_body(
    message: str, *, type: str = "invalid_request_error", param: str | None, code: str | None
) -> dict[str, Any]:
    """OpenAI's error object.

    Examples:
        >>> error_body("bad", param=None, code=None)
        {'error': {'message': 'bad', 'type': 'invalid_request_error', 'param': None, 'code': None}}
    """
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def error_param(prefix: str, field: str) -> str:
    """The ``param`` of an error: the JSON path from the request body's root.

    Parity [INF]: the service's one recorded validation message names the path inside the
    grader (``Invalid type for 'graders.input'``, spec J647); graderkit reports the path from
    the request root (``grader.graders.input``), OpenAI's usual meaning of ``param``, so a
    client can find the field in what it sent. See docs/parity.md.

    Examples:
        >>> error_param("grader", "graders.fuzzy.operation")
        'grader.graders.fuzzy.operation'
        >>> error_param("grader", "")
        'grader'
    """
    if not field:
        return prefix
    return f"{prefix}.{field}" if prefix else field


def from_invalid_grader(exc: InvalidGrader, prefix: str) -> ApiError:
    """A 400 for a grader that does not load, ``param`` its path in the request.

    Examples:
        >>> import graderkit as gk
        >>> try:
        ...     gk.from_openai({"type": "string_check", "name": "x", "input": "a",
        ...                     "reference": "b", "operation": "neq!"})
        ... except gk.InvalidGrader as exc:
        ...     err = from_invalid_grader(exc, "grader")
        >>> err.param, err.code
        ('grader.operation', 'invalid_grader')
    """
    field = "" if exc.field.startswith("<") else exc.field
    return ApiError(400, str(exc), param=error_param(prefix, field), code="invalid_grader")
