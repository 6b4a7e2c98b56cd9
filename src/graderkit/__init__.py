"""graderkit: author, compile, run and test OpenAI-compatible graders locally.

Examples:
    >>> import graderkit as gk
    >>> fuzzy = gk.text_similarity("{{sample.output_text}}", "{{item.answer}}", name="fuzzy")
    >>> exact = gk.string_check("{{sample.output_text}}", "{{item.answer}}", name="exact")
    >>> clinical = gk.multi(0.85 * fuzzy + 0.15 * exact, name="clinical")
    >>> gk.grade(clinical, "sepsis", {"answer": "sepsis"}).reward
    1.0
"""

from typing import TYPE_CHECKING

from graderkit._authoring import python_grader
from graderkit._core.formula.arithmetic import Expression
from graderkit._core.formula.functions import abs, ceil, exp, floor, log, max, min, sqrt
from graderkit._core.graders.factories import (
    endpoint,
    label_model,
    multi,
    score_model,
    string_check,
    text_similarity,
)
from graderkit._core.graders.messages import (
    AudioData,
    InputAudio,
    InputImage,
    InputText,
    Message,
    OutputText,
    SamplingParams,
)
from graderkit._core.graders.models import (
    EndpointGrader,
    Grader,
    GraderBase,
    LabelModelGrader,
    MultiGrader,
    PythonGrader,
    ScoreModelGrader,
    StringCheckGrader,
    TextSimilarityGrader,
)
from graderkit._core.graders.wire import from_openai, to_json, to_openai
from graderkit._core.results.batch_result import BatchResult
from graderkit._core.results.grade_result import GradeResult
from graderkit._core.results.summary_builder import Summary, summarize
from graderkit._core.templating.sample import sample_from_text
from graderkit._lazy import lazy_attributes as _lazy_attributes
from graderkit._run.default_runner import grade, grade_many
from graderkit._run.runner import Runner
from graderkit.errors import (
    FormulaError,
    GraderkitError,
    GraderkitWarning,
    InvalidGrader,
    MissingDependency,
    TemplateError,
)

if TYPE_CHECKING:  # real types for type checkers; imported lazily at run time (see below)
    from graderkit._core.datasets.dataset_check import DatasetReport
    from graderkit._run.datasets.batch_run import BatchRun, grade_file
    from graderkit._run.datasets.data_files import DataError, check_dataset
    from graderkit._run.judge.embeddings import EmbeddingBackend, OpenAIEmbeddings
    from graderkit._run.judge.engine import ModelEngine
    from graderkit._run.sandbox.supervisor import PythonSandbox, SandboxUnavailable
    from graderkit._run.text_metrics.wordnet import WordNetMissing

__version__ = "0.1.0"

_LAZY = {
    "BatchRun": "graderkit._run.datasets.batch_run",
    "DataError": "graderkit._run.datasets.data_files",
    "DatasetReport": "graderkit._core.datasets.dataset_check",
    "check_dataset": "graderkit._run.datasets.data_files",
    "grade_file": "graderkit._run.datasets.batch_run",
    "EmbeddingBackend": "graderkit._run.judge.embeddings",
    "ModelEngine": "graderkit._run.judge.engine",
    "OpenAIEmbeddings": "graderkit._run.judge.embeddings",
    "PythonSandbox": "graderkit._run.sandbox.supervisor",
    "SandboxUnavailable": "graderkit._run.sandbox.supervisor",
    "WordNetMissing": "graderkit._run.text_metrics.wordnet",
}
"""The edges, imported on first use so ``import graderkit`` stays fast."""


__getattr__, __dir__ = _lazy_attributes("graderkit", globals(), _LAZY)

__all__ = [
    "AudioData",
    "BatchResult",
    "BatchRun",
    "DataError",
    "DatasetReport",
    "EmbeddingBackend",
    "EndpointGrader",
    "Expression",
    "FormulaError",
    "GradeResult",
    "Grader",
    "GraderBase",
    "GraderkitError",
    "GraderkitWarning",
    "InputAudio",
    "InputImage",
    "InputText",
    "InvalidGrader",
    "LabelModelGrader",
    "Message",
    "MissingDependency",
    "ModelEngine",
    "MultiGrader",
    "OpenAIEmbeddings",
    "OutputText",
    "PythonGrader",
    "PythonSandbox",
    "Runner",
    "SamplingParams",
    "SandboxUnavailable",
    "ScoreModelGrader",
    "StringCheckGrader",
    "Summary",
    "TemplateError",
    "TextSimilarityGrader",
    "WordNetMissing",
    "abs",
    "ceil",
    "check_dataset",
    "endpoint",
    "exp",
    "floor",
    "from_openai",
    "grade",
    "grade_file",
    "grade_many",
    "label_model",
    "log",
    "max",
    "min",
    "multi",
    "python_grader",
    "sample_from_text",
    "score_model",
    "sqrt",
    "string_check",
    "summarize",
    "text_similarity",
    "to_json",
    "to_openai",
]
