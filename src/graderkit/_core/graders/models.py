"""The grader kinds, one frozen model each, field names equal to the wire JSON keys.

Build them with the factories ([`string_check`][graderkit.string_check], ...) or load them with
[`from_openai`][graderkit.from_openai]; both validate everything that can be checked statically.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from typing_extensions import Self

from graderkit._core.formula.arithmetic import Arithmetic
from graderkit._core.graders.messages import (
    Message,
    SamplingParams,
    evals_only_roles,
    message_templates,
)
from graderkit._core.graders.wiremodel import Number, WireModel
from graderkit._core.templating.template import Variable, parse_template
from graderkit.errors import InvalidGrader

if TYPE_CHECKING:
    from graderkit._core.formula.evaluation import Formula

__all__ = [
    "EndpointGrader",
    "Grader",
    "GraderBase",
    "LabelModelGrader",
    "MultiGrader",
    "PythonGrader",
    "ScoreModelGrader",
    "StringCheckGrader",
    "SubGrader",
    "TextSimilarityGrader",
]

TextMetric = Literal[
    "cosine", "fuzzy_match", "bleu", "gleu", "meteor",
    "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5", "rouge_l",
]  # fmt: skip


class GraderBase(WireModel, Arithmetic):
    """Behaviour shared by every grader: naming, template listing, arithmetic, repr.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> isinstance(exact, gk.GraderBase), exact.label
        (True, "string_check 'exact'")
        >>> [v.text for v in exact.variables()]
        ['sample.output_text', 'item.answer']
        >>> exact.replace(operation="ilike")
        string_check('{{sample.output_text}}', '{{item.answer}}', name='exact', operation='ilike')
    """

    type: str
    name: str | None = None
    _echo: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def service_echo(self) -> dict[str, Any]:
        """Fields the service added when it stored this grader as a criterion (``id``,
        ``grdr_id``, ``inactive_at``, ...), as loaded: kept by ``wire()`` (so the echo
        round-trips), left out by [`to_openai`][graderkit.to_openai] and by ``replace``.

        Examples:
            >>> import graderkit as gk
            >>> echo = {"type": "string_check", "name": "x", "id": "x-1b2c", "input": "a",
            ...         "reference": "a", "operation": "eq"}
            >>> g = gk.from_openai(echo)
            >>> g.service_echo, "id" in gk.to_openai(g), g.wire() == echo
            ({'id': 'x-1b2c'}, False, True)
        """
        return dict(self._echo)

    def wire(self) -> dict[str, Any]:
        """The JSON object for this grader: its fields, and any service echo it was loaded with
        (in the order loaded)."""
        out = super().wire()
        if not self._echo:
            return out
        merged = {**out, **self._echo}
        order = [k for k in (self._order or ()) if k in merged]
        return {k: merged[k] for k in [*order, *(k for k in merged if k not in order)]}

    def __init__(self, /, **data: Any) -> None:
        """Validate like the loader does: a bad field raises `InvalidGrader`, not pydantic's
        ``ValidationError``, with the same message ``from_openai`` gives."""
        try:
            super().__init__(**data)
        except ValidationError:
            from graderkit._core.graders.problems import build_model

            kind, name = data.get("type", type(self).model_fields["type"].default), data.get("name")
            label = f"{kind} {name!r}" if isinstance(name, str) and name else str(kind)
            build_model(type(self), data, label=label)  # raises the InvalidGrader
            raise  # pragma: no cover - build_model fails on the same data

    # Tell pydantic this __init__ only wraps the base one, so validation (``model_validate``,
    # nested models) never calls it (pydantic marks ``BaseModel.__init__`` the same way).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @property
    def label(self) -> str:
        """How messages refer to this grader, e.g. ``string_check 'exact'``."""
        return f"{self.type} {self.name!r}" if self.name else self.type

    @property
    def result_name(self) -> str:
        """The name results report: ``name``, or a stable generated one when it is absent.

        Parity [OBS]: the service accepts a grader without ``name`` and reports a generated
        ``grader-XXXXXXXXXXXX``. Ours is derived from the grader's JSON, so it is stable.
        """
        if self.name:
            return self.name
        return generated_name(self.wire())

    def templates(self) -> list[str]:
        """Every templated string of this grader (children included for ``multi``)."""
        return []

    def variables(self) -> tuple[Variable, ...]:
        """Every ``{{ namespace.path }}`` this grader reads, in order, without duplicates."""
        seen: dict[str, Variable] = {}
        for text in self.templates():
            for var in parse_template(text).variables:
                seen.setdefault(var.text, var)
        return tuple(seen.values())

    def replace(self, **changes: Any) -> Self:
        """A validated copy with some fields changed, e.g. ``g.replace(pass_threshold=0.8)``;
        ``None`` removes an optional field (``g.replace(pass_threshold=None)``)."""
        from graderkit._core.graders.problems import build_model

        merged = {**{k: getattr(self, k) for k in self.model_fields_set}, **changes}
        data = {k: v for k, v in merged.items() if v is not None}
        return build_model(type(self), data, label=self.label)

    def __repr__(self) -> str:
        from graderkit._core.graders.display import grader_repr

        return grader_repr(self)

    __str__ = __repr__


def generated_name(wire: dict[str, Any]) -> str:
    """``grader-`` plus 12 alphanumerics from a hash of the grader's canonical JSON."""
    digest = hashlib.sha256(json.dumps(wire, sort_keys=True).encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "grader-" + "".join(alphabet[b % len(alphabet)] for b in digest[:12])


def _template_field(value: str, field: str) -> str:
    parse_template(value, field=field)
    return value


class _InputReference(GraderBase):
    """The templated ``input`` / ``reference`` pair shared by string_check and text_similarity."""

    input: str
    reference: str

    @field_validator("input", "reference")
    @classmethod
    def _templates(cls, v: str, info: Any) -> str:
        return _template_field(v, info.field_name)

    def templates(self) -> list[str]:
        return [self.input, self.reference]


class StringCheckGrader(_InputReference):
    """Compares ``input`` with ``reference``: 1.0 when the operation holds, else 0.0.

    Examples:
        >>> import graderkit as gk
        >>> exact = gk.string_check("{{ sample.output_text }}", "{{ item.answer }}", name="exact")
        >>> exact.operation
        'eq'
        >>> wire = {"type": "string_check", "name": "has_yes", "operation": "ilike",
        ...         "input": "{{ sample.output_text }}", "reference": "yes"}
        >>> gk.StringCheckGrader.model_validate(wire).wire() == wire
        True
    """

    type: Literal["string_check"] = "string_check"
    operation: Literal["eq", "ne", "like", "ilike"]


class TextSimilarityGrader(_InputReference):
    """Scores the similarity of ``input`` and ``reference`` with one ``evaluation_metric``.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{ sample.output_text }}", "{{ item.answer }}",
        ...                            name="fuzzy", pass_threshold=0.8)
        >>> fuzzy.evaluation_metric, fuzzy.pass_threshold
        ('fuzzy_match', 0.8)
    """

    type: Literal["text_similarity"] = "text_similarity"
    evaluation_metric: TextMetric
    pass_threshold: Number | None = None


class PythonGrader(GraderBase):
    """Runs ``grade(sample, item)`` from ``source`` in a sandbox; its return value is the reward.

    Examples:
        >>> import graderkit as gk
        >>> source = "def grade(sample, item):\\n    return float(sample['output_text'] == 'y')\\n"
        >>> yes = gk.python_grader(source, name="yes")
        >>> yes.type, yes.image_tag
        ('python', '2025-05-08')
        >>> gk.grade(yes, "y").reward
        1.0
    """

    type: Literal["python"] = "python"
    source: str
    image_tag: str | None = None
    pass_threshold: Number | None = None

    @field_validator("source")
    @classmethod
    def _static_checks(cls, v: str, info: ValidationInfo) -> str:
        """Size (< 256 kB), syntax (line and column) and ``grade(sample, item)``, on every path
        that builds the grader (``from_openai``, ``PythonGrader(...)``, ``python_grader``)."""
        from graderkit._core.graders.python_source import check_source

        name = info.data.get("name")
        check_source(v, grader=f"python {name!r}" if name else "python", imports="ignore")
        return v


class ScoreModelGrader(GraderBase):
    """Asks a judge model for a numeric score, clamped to ``range``.

    Examples:
        >>> import graderkit as gk
        >>> judge = gk.score_model("Score {{ sample.output_text }} from 0 to 10.",
        ...                        model="gpt-4.1", range=(0, 10), name="judge")
        >>> judge.bounds, judge.input[0].role
        ((0, 10), 'user')
    """

    type: Literal["score_model"] = "score_model"
    model: str = Field(min_length=1)
    input: tuple[Message, ...] = Field(min_length=1)
    range: tuple[Number, Number] | None = None
    sampling_params: SamplingParams | None = None
    pass_threshold: Number | None = None

    @field_validator("range")
    @classmethod
    def _range(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError(f"must be [min, max] with min < max, e.g. [0, 1]; got {list(v)}")
        return v

    @property
    def bounds(self) -> tuple[float, float]:
        """``range`` or its documented default ``(0, 1)``."""
        return (0, 1) if self.range is None else self.range

    def templates(self) -> list[str]:
        return message_templates(self.input)


class LabelModelGrader(GraderBase):
    """Asks a judge model for one of ``labels``; reward 1 if it is in ``passing_labels``.

    Examples:
        >>> import graderkit as gk
        >>> judge = gk.label_model("Is {{ sample.output_text }} polite?", model="gpt-4.1",
        ...                        labels=["polite", "rude"], passing_labels=["polite"],
        ...                        name="tone")
        >>> judge.labels, judge.passing_labels
        (('polite', 'rude'), ('polite',))
    """

    type: Literal["label_model"] = "label_model"
    model: str = Field(min_length=1)
    input: tuple[Message, ...] = Field(min_length=1)
    labels: tuple[str, ...] = Field(min_length=1)
    passing_labels: tuple[str, ...] = Field(min_length=1)
    sampling_params: SamplingParams | None = None

    @model_validator(mode="after")
    def _subset(self) -> LabelModelGrader:
        if len(set(self.labels)) != len(self.labels):
            repeated = sorted({lab for lab in self.labels if self.labels.count(lab) > 1})
            raise InvalidGrader(
                "", ".labels", list(self.labels), f"must be distinct; {repeated} repeat"
            )
        extra = [lab for lab in self.passing_labels if lab not in self.labels]
        if extra:
            raise InvalidGrader(
                "",
                ".passing_labels",
                list(self.passing_labels),
                f"must be a subset of labels {list(self.labels)}; {extra} are not labels",
            )
        return self

    def templates(self) -> list[str]:
        return message_templates(self.input)


_URL = re.compile(
    r"^(?P<scheme>https?)://(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s/:?#\[\]@]+)"
    r"(?::[0-9]{1,5})?(?:[/?#]\S*)?$"
)
"""An absolute http(s) URL with a host; the schema's ``endpoint.url`` pattern is the same."""
_LOOPBACK = re.compile(r"^(localhost|127(\.[0-9]{1,3}){3}|\[::1\])$", re.IGNORECASE)


def endpoint_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an endpoint grader's ``url`` (``None`` when it can).

    Parity [AZ]: Azure's ``EndpointGrader`` takes an ``https`` URL. graderkit also accepts
    ``http`` to a loopback host (``localhost``, ``127.x.x.x``, ``[::1]``) so an endpoint can be
    tried locally; ``check_target`` refuses such a
    URL when compiling, since the service would.

    Examples:
        >>> endpoint_url_problem("https://grader.example.com/api/grade") is None
        True
        >>> endpoint_url_problem("http://127.0.0.1:8080/grade") is None
        True
        >>> endpoint_url_problem("http://grader.example.com/grade")
        'must be an https:// URL (http:// only to a loopback host, for local runs)'
    """
    match = _URL.match(url)
    if match is None:
        return "must be an absolute https:// URL, e.g. 'https://grader.example.com/api/grade'"
    if match["scheme"] == "https" or is_loopback_url(url):
        return None
    return "must be an https:// URL (http:// only to a loopback host, for local runs)"


_QUERY_VALUE = re.compile(r"([?&][^=&#]*=)[^&#]*")


def public_url(url: str) -> str:
    """``url`` with its query values masked (an Azure Function takes its key as ``?code=``):
    what reprs, the cache key and cassettes hold instead of the URL itself.

    Examples:
        >>> public_url("https://fn.example.net/api/grade?code=s3cret&v=2")
        'https://fn.example.net/api/grade?code=***&v=***'
    """
    return _QUERY_VALUE.sub(r"\1***", url)


def is_loopback_url(url: str) -> bool:
    """Whether ``url``'s host is ``localhost``, ``127.x.x.x`` or ``[::1]``."""
    match = _URL.match(url)
    return match is not None and _LOOPBACK.match(match["host"]) is not None


class EndpointGrader(GraderBase):
    """POSTs ``{"sample", "item"}`` to ``url``; the ``score`` number it answers is the reward.

    Azure AI Foundry only (preview): OpenAI's own service has no endpoint grader. Locally,
    the request goes through the same retrying, caching engine as judge models.

    Examples:
        >>> import graderkit as gk
        >>> remote = gk.endpoint("https://grader.example.com/api/grade", name="remote",
        ...                      headers={"X-Functions-Key": "secret"}, rate_limit=50)
        >>> remote.wire()
        {'type': 'endpoint', 'name': 'remote', 'url': 'https://grader.example.com/api/grade', 'headers': {'X-Functions-Key': 'secret'}, 'rate_limit': 50}
    """

    type: Literal["endpoint"] = "endpoint"
    url: str
    headers: dict[str, str] | None = None
    rate_limit: Annotated[StrictInt, Field(gt=0)] | None = None
    """Requests per second the service may send."""
    pass_threshold: Number | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        problem = endpoint_url_problem(v)
        if problem is not None:
            raise ValueError(problem)
        return v


SubGrader = Annotated[
    StringCheckGrader
    | TextSimilarityGrader
    | PythonGrader
    | ScoreModelGrader
    | LabelModelGrader
    | EndpointGrader,
    Field(discriminator="type"),
]
"""The kinds allowed inside ``multi.graders`` (never ``multi`` itself)."""


class MultiGrader(GraderBase):
    """Grades with every sub-grader, then combines their rewards with ``calculate_output``.

    Examples:
        >>> import graderkit as gk
        >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
        >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
        >>> both = gk.multi(0.85 * fuzzy + 0.15 * exact, name="clinical")
        >>> both.calculate_output, list(both.graders)
        ('0.85 * fuzzy + 0.15 * exact', ['fuzzy', 'exact'])
        >>> gk.grade(both, "gout", {"answer": "gout"}).sub_rewards
        {'fuzzy': 1.0, 'exact': 1.0}
    """

    type: Literal["multi"] = "multi"
    graders: dict[str, SubGrader] = Field(min_length=1)
    calculate_output: str
    invalid_grade: Number | None = None
    """Azure-only field; kept as given when loaded."""
    pass_threshold: Number | None = None
    """Azure's sample sends one; ``passed = reward >= pass_threshold``."""

    @model_validator(mode="after")
    def _formula(self) -> MultiGrader:
        from graderkit._core.formula.evaluation import parse_formula

        parse_formula(self.calculate_output, grader=self.label, variables=self.graders.keys())
        return self

    @model_validator(mode="after")
    def _no_evals_roles(self) -> MultiGrader:
        for key, child in self.graders.items():
            if isinstance(child, (ScoreModelGrader, LabelModelGrader)):
                for index, role in evals_only_roles(child.input):
                    raise InvalidGrader(
                        self.label,
                        f"graders.{key}.input[{index}].role",
                        role,
                        "is only allowed in an Evals criterion; inside a multi grader use one "
                        "of 'user', 'assistant', 'system', 'developer'",
                    )
        return self

    @property
    def formula(self) -> Formula:
        """The parsed ``calculate_output``."""
        from graderkit._core.formula.evaluation import parse_formula

        return parse_formula(self.calculate_output, variables=self.graders.keys())

    def templates(self) -> list[str]:
        return [text for child in self.graders.values() for text in child.templates()]


Grader = Annotated[
    StringCheckGrader
    | TextSimilarityGrader
    | PythonGrader
    | ScoreModelGrader
    | LabelModelGrader
    | MultiGrader
    | EndpointGrader,
    Field(discriminator="type"),
]
"""Any grader: the union of the seven kinds, told apart by ``type``.

A typing alias (so it carries no docstring of its own): annotate with it, or validate wire
JSON into the right kind with ``pydantic.TypeAdapter(Grader).validate_python(data)``
([`from_openai`][graderkit.from_openai] does that and more).
"""

KINDS: dict[str, type[GraderBase]] = {
    "string_check": StringCheckGrader,
    "text_similarity": TextSimilarityGrader,
    "python": PythonGrader,
    "score_model": ScoreModelGrader,
    "label_model": LabelModelGrader,
    "multi": MultiGrader,
    "endpoint": EndpointGrader,
}
"""Wire ``type`` -> model class."""
