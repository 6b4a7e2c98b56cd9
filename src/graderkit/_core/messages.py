"""Message inputs of model graders (``EvalItem``) and their sampling parameters."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from graderkit._core.template import parse_template
from graderkit._core.wiremodel import Number, WireModel

__all__ = [
    "AudioData",
    "ContentPart",
    "InputAudio",
    "InputImage",
    "InputText",
    "Message",
    "OutputText",
    "SamplingParams",
    "message_templates",
]


def _checked(text: str, field: str) -> str:
    parse_template(text, field=field)
    return text


class InputText(WireModel):
    """A text part of a message; ``text`` may contain ``{{ }}`` templates."""

    type: Literal["input_text"] = "input_text"
    text: str
    prompt_cache_breakpoint: dict[str, object] | None = None

    @field_validator("text")
    @classmethod
    def _template(cls, v: str) -> str:
        return _checked(v, "text")


class OutputText(WireModel):
    """An assistant text part; ``text`` may contain templates."""

    type: Literal["output_text"] = "output_text"
    text: str

    @field_validator("text")
    @classmethod
    def _template(cls, v: str) -> str:
        return _checked(v, "text")


class InputImage(WireModel):
    """An image part; ``image_url`` may be a template such as ``{{ item.image_url }}``."""

    type: Literal["input_image"] = "input_image"
    image_url: str
    detail: Literal["high", "low", "auto"] | None = None
    file_id: str | None = None

    @field_validator("image_url")
    @classmethod
    def _template(cls, v: str) -> str:
        return _checked(v, "image_url")


class AudioData(WireModel):
    """Base64 audio; ``data`` may be a template."""

    data: str
    format: Literal["mp3", "wav"]

    @field_validator("data")
    @classmethod
    def _template(cls, v: str) -> str:
        return _checked(v, "data")


class InputAudio(WireModel):
    """An audio part."""

    type: Literal["input_audio"] = "input_audio"
    input_audio: AudioData


ContentPart = Annotated[
    InputText | OutputText | InputImage | InputAudio, Field(discriminator="type")
]


class Message(WireModel):
    """One input message of a model grader, e.g. ``{"role": "user", "content": "..."}``."""

    role: Literal["user", "assistant", "system", "developer"]
    content: str | ContentPart | tuple[ContentPart, ...]
    type: Literal["message"] | None = None

    @field_validator("content")
    @classmethod
    def _template(cls, v: object) -> object:
        if isinstance(v, str):
            parse_template(v, field="content")
        return v


class SamplingParams(WireModel):
    """``sampling_params`` of a model grader. Every field is optional and nullable."""

    seed: int | None = None
    top_p: Number | None = None
    temperature: Number | None = None
    max_completions_tokens: Annotated[int, Field(ge=1)] | None = None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] | None = (
        None
    )
    max_tokens: Annotated[int, Field(ge=1)] | None = None
    """Legacy spelling seen in older guide examples; kept as given."""


def message_templates(messages: tuple[Message, ...]) -> list[str]:
    """Every templated string of a message list, in order (for variable listing)."""
    out: list[str] = []
    for message in messages:
        parts = message.content
        if isinstance(parts, str):
            out.append(parts)
            continue
        for part in parts if isinstance(parts, tuple) else (parts,):
            if isinstance(part, (InputText, OutputText)):
                out.append(part.text)
            elif isinstance(part, InputImage):
                out.append(part.image_url)
            else:
                out.append(part.input_audio.data)
    return out
