"""Message inputs of model graders (``EvalItem``) and their sampling parameters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    StrictInt,
    field_validator,
    model_serializer,
    model_validator,
)

from graderkit._core.graders.problems import suggest
from graderkit._core.graders.wiremodel import Number, WireModel
from graderkit._core.templating.template import parse_template
from graderkit.errors import InvalidGrader

__all__ = [
    "ROLES",
    "AudioData",
    "ContentPart",
    "InputAudio",
    "InputImage",
    "InputText",
    "Message",
    "OutputText",
    "SamplingParams",
    "evals_only_roles",
    "is_simple_message",
    "message_templates",
    "plain_string_part",
]

ROLES: tuple[str, ...] = ("user", "assistant", "system", "developer")
"""The roles of an ``EvalItem`` message (any other role only in an Evals simple message)."""


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
    _plain: bool = PrivateAttr(default=False)

    @property
    def plain(self) -> bool:
        """True for a part that was a plain string in a ``content`` list (written back as one)."""
        return self._plain

    @classmethod
    def from_string(cls, text: str) -> InputText:
        """The part a plain string in a ``content`` list stands for (see
        ``plain_string_part``).

        Examples:
            >>> import graderkit as gk
            >>> part = gk.InputText.from_string("Grade {{ sample.output_text }}")
            >>> part.text, part.plain, part.wire()
            ('Grade {{ sample.output_text }}', True, 'Grade {{ sample.output_text }}')
        """
        part = cls(text=text)
        part._plain = True
        return part

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> Any:
        return self.text if self._plain else handler(self)


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

    NULLABLE = frozenset({"file_id"})
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

    ``content`` is a string or a list of content parts (text, image, audio); a plain string
    inside that list is an ``input_text`` part written back as the string. ``role`` is one of
    ``user``, ``assistant``, ``system`` and ``developer``, except in the simple form
    ``{role, content: string}``, which takes any role string (an Evals criterion allows it;
    see ``is_simple_message`` in ``graderkit._core.graders.messages``).

    Examples:
        >>> import graderkit as gk
        >>> gk.Message(role="user", content="Answer: {{ sample.output_text }}").wire()
        {'role': 'user', 'content': 'Answer: {{ sample.output_text }}'}
        >>> parts = [gk.InputText(text="Describe it."), gk.InputImage(image_url="{{ item.url }}")]
        >>> gk.Message(role="user", content=parts).wire()["content"][1]
        {'type': 'input_image', 'image_url': '{{ item.url }}'}
        >>> gk.Message(role="user", content=["Describe it."]).wire()
        {'role': 'user', 'content': ['Describe it.']}
    """

    role: str
    content: str | ContentPart | tuple[ContentPart, ...]
    type: Literal["message"] | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _plain_strings(cls, v: object) -> object:
        if not isinstance(v, (list, tuple)):
            return v
        for index, part in enumerate(v):
            if isinstance(part, str):
                parse_template(part, field=f"[{index}]")  # relative: content[index]
        return [plain_string_part(p) if isinstance(p, str) else p for p in v]

    @field_validator("content")
    @classmethod
    def _template(cls, v: object) -> object:
        if isinstance(v, str):
            parse_template(v, field="content")
        return v

    @model_validator(mode="after")
    def _role(self) -> Message:
        if self.role not in ROLES and not is_simple_message(self):
            raise InvalidGrader(
                "",
                ".role",
                self.role,
                f"is not one of {', '.join(map(repr, ROLES))}{suggest(self.role, ROLES)}; "
                "any other role is allowed only in an Evals criterion's simple message "
                "{role, content: <string>}",
            )
        return self


def plain_string_part(text: str) -> InputText:
    """A plain string inside a message's ``content`` list is an ``input_text`` part.

    Parity [SDK types]: openai-python declares ``str`` among the items of a content list. The
    part renders and grades as ``input_text`` and is written back as the plain string, so the
    JSON round-trips unchanged.

    Examples:
        >>> plain_string_part("Grade it.").text
        'Grade it.'
    """
    return InputText.from_string(text)


def is_simple_message(message: Message) -> bool:
    """Whether ``message`` is the Evals simple form ``{role, content: string}`` (no ``type``).

    Parity [SDK types]: an Evals ``label_model`` / ``score_model`` criterion accepts any role
    string on such a message (openai-python's ``SimpleInputMessage``); everywhere else the
    role must be one of ``ROLES``
    (``check_target`` refuses the rest).

    Examples:
        >>> import graderkit as gk
        >>> is_simple_message(gk.Message(role="critic", content="Judge {{ sample.output_text }}"))
        True
    """
    return isinstance(message.content, str) and message.type is None


def evals_only_roles(messages: tuple[Message, ...]) -> list[tuple[int, str]]:
    """``(index, role)`` of every message whose role only an Evals criterion accepts."""
    return [(i, m.role) for i, m in enumerate(messages) if m.role not in ROLES]


class SamplingParams(WireModel):
    """``sampling_params`` of a model grader. Every field is optional and nullable.

    Only the fields you set are written.

    Examples:
        >>> import graderkit as gk
        >>> gk.SamplingParams(temperature=0, seed=42).wire()
        {'seed': 42, 'temperature': 0}
    """

    NULLABLE = frozenset(
        {"seed", "top_p", "temperature", "max_completions_tokens", "reasoning_effort", "max_tokens"}
    )
    seed: StrictInt | None = None
    top_p: Number | None = None
    temperature: Number | None = None
    max_completions_tokens: Annotated[StrictInt, Field(ge=1)] | None = None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] | None = (
        None
    )
    max_tokens: Annotated[StrictInt, Field(ge=1)] | None = None
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
