"""The base of every wire model: frozen, strict about unknown fields, numbers kept as written.

Lossless round-trip rests on pydantic's ``fields_set``: a field is emitted exactly when it was
given (in JSON, or explicitly by a factory). Absent optional fields are never invented.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import (
    AllowInfNan,
    BaseModel,
    ConfigDict,
    PrivateAttr,
    StrictFloat,
    StrictInt,
    model_validator,
)

__all__ = ["Number", "WireModel", "remember_order"]

Number = Annotated[StrictInt | Annotated[StrictFloat, AllowInfNan(False)], "number"]
"""A JSON number: int stays int and float stays float (``[0, 1]`` round-trips as ``[0, 1]``);
NaN and infinities are refused (JSON has no such numbers, so they could not be written back)."""


class WireModel(BaseModel):
    """Frozen, ``extra="forbid"``; dumps exactly the fields that were set."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=False,
        validate_default=False,
        revalidate_instances="never",
    )

    _order: tuple[str, ...] | None = PrivateAttr(default=None)

    NULLABLE: ClassVar[frozenset[str]] = frozenset()
    """Fields whose JSON may be ``null`` (the SDK types them nullable); every other optional
    field must be a value or absent."""

    @model_validator(mode="before")
    @classmethod
    def _no_null(cls, data: Any) -> Any:
        """Parity [SDK types]: ``"name": null`` is not "no name"; the SDK's request types
        declare these fields non-nullable, so a null is refused with the fix (omit it)."""
        if isinstance(data, Mapping):
            for key, value in data.items():
                if value is None and key in cls.model_fields and key not in cls.NULLABLE:
                    from graderkit.errors import InvalidGrader

                    raise InvalidGrader(
                        "",
                        f".{key}",
                        None,
                        "is null; omit the field instead (null is not one of its values)",
                    )
        return data

    def model_post_init(self, context: Any, /) -> None:
        # A discriminator (``type`` with a non-None default) is always part of the JSON, even
        # when the model was built in Python without spelling it out.
        field = type(self).model_fields.get("type")
        if field is not None and field.default is not None:
            self.__pydantic_fields_set__.add("type")

    def __eq__(self, other: object) -> bool:
        """Equal when of the same kind with the same JSON (key order aside)."""
        if not isinstance(other, WireModel):
            return NotImplemented
        return type(self) is type(other) and self.wire() == other.wire()

    __hash__ = None  # type: ignore[assignment]  # equal by value, and may hold dicts

    def wire(self) -> dict[str, Any]:
        """The JSON object for this model: the fields that were set.

        Keys come in the order they were loaded in (so a loaded file round-trips to the same
        text), else ``type`` first and then the declaration order.
        """
        out: dict[str, Any] = _ordered(self, self.model_dump(mode="json", exclude_unset=True))
        return out


def _ordered(value: Any, dumped: Any) -> Any:
    if isinstance(value, WireModel) and isinstance(dumped, dict):
        order = value._order or (("type",) if "type" in dumped else ())
        keys = [k for k in order if k in dumped] + [k for k in dumped if k not in order]
        return {k: _ordered(getattr(value, k, None), dumped[k]) for k in keys}
    if isinstance(value, tuple) and isinstance(dumped, list):
        return [_ordered(v, d) for v, d in zip(value, dumped, strict=False)]
    if isinstance(value, Mapping) and isinstance(dumped, dict):
        return {k: _ordered(value.get(k), d) for k, d in dumped.items()}
    return dumped


def remember_order(value: Any, data: Any) -> None:
    """Record the key order of loaded JSON on every model in ``value`` (see ``wire``)."""
    if isinstance(value, WireModel) and isinstance(data, Mapping):
        value._order = tuple(data)
        for key, sub in data.items():
            remember_order(getattr(value, key, None), sub)
    elif isinstance(value, tuple) and isinstance(data, list):
        for v, d in zip(value, data, strict=False):
            remember_order(v, d)
    elif isinstance(value, Mapping) and isinstance(data, Mapping):
        for key, sub in data.items():
            remember_order(value.get(key), sub)
