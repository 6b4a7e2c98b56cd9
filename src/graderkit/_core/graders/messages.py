"""Message inputs of model graders (``EvalItem``) and their sampling parameters."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from graderkit._core.graders.wiremodel import Number, WireModel
from graderkit._core.templating.template import parse_template

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


def _checked(text: str) -> str:
    parse_template(text)  # a TemplateError; the loader adds the grader and the JSON path
    return text


TemplateText = Annotated[str, AfterValidator(_checked)]
"""A string that may hold ``{{ namespace.path }}`` templates, checked when the model is built."""


class InputText(WireModel):
    """A text part of a message; ``text`` may contain ``{{ }}`` templates.

    Examples:
        >>> import graderkit as gk
        >>> gk.InputText(text="Reference: {{ item.answer }}").wire()
        {'type': 'input_text', 'text': 'Reference: {{ item.answer }}'}
    """

    type: Literal["input_text"] = "input_text"
    text: TemplateText
    prompt_cache_breakpoint: dict[str, object] | None = None


class OutputText(WireModel):
    """An assistant text part; ``text`` may contain templates.

    Examples:
        >>> import graderkit as gk
        >>> gk.OutputText(text="{{ sample.output_text }}").wire()
        {'type': 'output_text', 'text': '{{ sample.output_text }}'}
    """

    type: Literal["output_text"] = "output_text"
    text: TemplateText


class InputImage(WireModel):
    """An image part; ``image_url`` may be a template such as ``{{ item.image_url }}``.

    Examples:
        >>> import graderkit as gk
        >>> gk.InputImage(image_url="{{ item.image_url }}", detail="low").wire()
        {'type': 'input_image', 'image_url': '{{ item.image_url }}', 'detail': 'low'}
    """

    type: Literal["input_image"] = "input_image"
    image_url: TemplateText
    detail: Literal["high", "low", "auto"] | None = None
    file_id: str | None = None


class AudioData(WireModel):
    """Base64 audio; ``data`` may be a template.

    Examples:
        >>> import graderkit as gk
        >>> gk.AudioData(data="{{ item.audio }}", format="wav").wire()
        {'data': '{{ item.audio }}', 'format': 'wav'}
    """

    data: TemplateText
    format: Literal["mp3", "wav"]


class InputAudio(WireModel):
    """An audio part.

    Examples:
        >>> import graderkit as gk
        >>> part = gk.InputAudio(input_audio=gk.AudioData(data="{{ item.audio }}", format="mp3"))
        >>> part.wire()
        {'type': 'input_audio', 'input_audio': {'data': '{{ item.audio }}', 'format': 'mp3'}}
    """

    type: Literal["input_audio"] = "input_audio"
    input_audio: AudioData


ContentPart = Annotated[
    InputText | OutputText | InputImage | InputAudio, Field(discriminator="type")
]


class Message(WireModel):
    """One input message of a model grader, e.g. ``{"role": "user", "content": "..."}``.

    ``content`` is a string or a list of content parts (text, image, audio).

    Examples:
        >>> import graderkit as gk
        >>> gk.Message(role="user", content="Answer: {{ sample.output_text }}").wire()
        {'role': 'user', 'content': 'Answer: {{ sample.output_text }}'}
        >>> parts = [gk.InputText(text="Describe it."), gk.InputImage(image_url="{{ item.url }}")]
        >>> gk.Message(role="user", content=parts).wire()["content"][1]
        {'type': 'input_image', 'image_url': '{{ item.url }}'}
    """

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
    """``sampling_params`` of a model grader. Every field is optional and nullable.

    Only the fields you set are written.

    Examples:
        >>> import graderkit as gk
        >>> gk.SamplingParams(temperature=0, seed=42).wire()
        {'seed': 42, 'temperature': 0}
    """

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
