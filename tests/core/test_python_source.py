"""Static checks of python grader source: size, syntax, the grade signature, image imports."""

from __future__ import annotations

import keyword
import sys
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graderkit._core.graders.python_source import (
    IMAGE_PACKAGES,
    MAX_SOURCE_BYTES,
    check_source,
    imported_modules,
)
from graderkit.errors import GraderkitWarning, InvalidGrader

OK = "def grade(sample, item):\n    return 1.0\n"


@pytest.mark.parametrize(
    "source",
    [
        OK,
        "def grade(sample, item, /):\n    return 1.0\n",
        "def grade(sample, item=None):\n    return 1.0\n",
        "def grade(sample: dict, item: dict) -> float:\n    return 1.0\n",
        "def fuzzy(a, b):\n    return 0.5\n\ngrade = fuzzy\n",
        "import math\n\ndef _h(x):\n    return math.sqrt(x)\n\ndef grade(s, i):\n    return _h(4)\n",
        "try:\n    import numpy\nexcept ImportError:\n    pass\n\ndef grade(s, i):\n    return 0.0\n",
        "if True:\n    def grade(s, i):\n        return 0.0\n",
        "def grade(s, i):\n    return 1.0\n\nif __name__ == '__main__':\n    print(grade({}, {}))\n",
        "@staticmethod\ndef grade(s, i):\n    return 1.0\n",
    ],
    ids=[
        "plain",
        "positional-only",
        "default-on-second",
        "annotated",
        "alias",
        "helper-and-import",
        "try-import",
        "inside-if",
        "main-block",
        "decorated",
    ],
)
def test_valid_sources_pass(source: str) -> None:
    check_source(source, imports="refuse")


def _padded(total_bytes: int, pad_char: str = "#") -> str:
    head = OK + "#"
    need = total_bytes - len(head.encode()) - 1
    width = len(pad_char.encode())
    body = pad_char * (need // width) + "#" * (need % width)
    source = head + body + "\n"
    assert len(source.encode()) == total_bytes
    return source


@pytest.mark.parametrize("pad", ["#", "é", "漢"], ids=["ascii", "2-byte", "3-byte"])
def test_size_limit_counts_utf8_bytes(pad: str) -> None:
    check_source(_padded(MAX_SOURCE_BYTES - 1, pad))
    with pytest.raises(InvalidGrader, match=f"is {MAX_SOURCE_BYTES} bytes") as e:
        check_source(_padded(MAX_SOURCE_BYTES, pad), grader="python 'big'")
    assert "256 kB" in str(e.value) and e.value.field == "source"


def test_unencodable_source_is_refused() -> None:
    with pytest.raises(InvalidGrader, match="not valid text"):
        check_source(OK + "# \ud800\n")


@pytest.mark.parametrize(
    ("source", "line", "excerpt"),
    [
        ("def grade(sample, item):\n    x = (1,\n    return 1.0\n", 2, "x = (1,"),
        ("import math\n\ndef grade(sample, item)\n    return 1.0\n", 3, "def grade(sample, item)"),
        ("def grade(s, i):\n    return 1.0\nreturn 2\n", 3, "return 2"),
        ("def grade(s, i):\n\treturn 1\n        return 2\n", 3, "return 2"),
    ],
    ids=["unclosed-paren", "missing-colon", "return-outside-function", "bad-indent"],
)
def test_syntax_errors_name_line_column_and_text(source: str, line: int, excerpt: str) -> None:
    with pytest.raises(SyntaxError) as python:
        compile(source, "<s>", "exec")
    column = python.value.offset  # the column is Python's own (it varies across versions)
    with pytest.raises(InvalidGrader) as e:
        check_source(source, grader="python 'g'")
    assert f"line {line}" in e.value.problem
    assert excerpt in e.value.value
    assert str(e.value).startswith("python 'g': source=")
    assert f"column {column}" in e.value.problem


def test_nul_byte_is_reported_with_its_line() -> None:
    with pytest.raises(InvalidGrader, match=r"line 2"):
        check_source("def grade(s, i):\n    return 1.0\0\n")


@pytest.mark.parametrize(
    "source",
    [
        "def other(sample, item):\n    return 1.0\n",
        "class C:\n    def grade(self, sample, item):\n        return 1.0\n",
        "def outer():\n    def grade(sample, item):\n        return 1.0\n",
        "",
    ],
    ids=["other-name", "method", "nested", "empty"],
)
def test_missing_top_level_grade_is_refused(source: str) -> None:
    with pytest.raises(InvalidGrader, match="defines no module-level grade"):
        check_source(source)


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ("sample", "1 positional parameter (sample)"),
        ("", "0 positional parameters"),
        ("sample, item, extra", "3 positional parameters (sample, item, extra)"),
        ("sample, item, extra=None", "3 positional parameters"),
        ("*args", "takes *args"),
        ("sample, *rest", "takes *rest"),
        ("sample, item, **kw", "takes **kw"),
        ("sample, item, *, strict=False", "keyword-only parameters (strict)"),
        ("*, sample, item", "keyword-only parameters (sample, item)"),
    ],
)
def test_grade_signature_must_be_exactly_two_positional(params: str, problem: str) -> None:
    with pytest.raises(InvalidGrader) as e:
        check_source(f"def grade({params}):\n    return 1.0\n")
    assert problem in e.value.problem
    assert "grade(sample, item)" in e.value.problem


def test_alias_is_followed_to_the_function_it_names() -> None:
    with pytest.raises(InvalidGrader, match="1 positional parameter"):
        check_source("def f(x):\n    return 1.0\n\ngrade = f\n")


def test_last_binding_of_grade_wins() -> None:
    check_source("def grade(a):\n    return 1.0\n\ndef grade(a, b):\n    return 1.0\n")
    with pytest.raises(InvalidGrader):
        check_source("def grade(a, b):\n    return 1.0\n\ndef grade(a):\n    return 1.0\n")


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("async def grade(sample, item):\n    return 1.0\n", "an async function"),
        ("class grade:\n    def __init__(self, s, i):\n        pass\n", "a class"),
    ],
)
def test_grade_must_be_a_plain_function(source: str, kind: str) -> None:
    with pytest.raises(InvalidGrader, match=kind):
        check_source(source)


@pytest.mark.parametrize(
    "source",
    [
        "import functools\n\ndef f(a, b, c):\n    return 1.0\n\ngrade = functools.partial(f, 1)\n",
        "from math import fsum as grade\n",
    ],
    ids=["partial", "import"],
)
def test_grade_bound_otherwise_warns_that_it_cannot_be_checked(source: str) -> None:
    with pytest.warns(GraderkitWarning, match="cannot check before running"):
        check_source(source, imports="ignore")


@pytest.mark.parametrize(
    "module",
    ["requests", "torch", "openai", "graderkit", "httpx"],
)
def test_import_missing_from_image_is_refused_with_the_fix(module: str) -> None:
    source = f"import {module}\n\ndef grade(s, i):\n    return 1.0\n"
    with pytest.raises(InvalidGrader) as e:
        check_source(source, imports="refuse", image_tag="2025-05-08", grader="python 'g'")
    problem = e.value.problem
    assert f"'{module}'" in problem and "'2025-05-08'" in problem
    assert "imports='ignore'" in problem and "ModuleNotFoundError" in problem
    assert e.value.value == f"import {module}"


def test_import_missing_from_image_warns_by_default() -> None:
    source = "def grade(s, i):\n    import requests.adapters\n    return 1.0\n"
    with pytest.warns(GraderkitWarning, match=r"line 2 imports 'requests'"):
        check_source(source)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_source(source, imports="ignore")


def test_every_missing_module_is_named() -> None:
    source = "import requests, torch\nfrom . import sibling\ndef grade(s, i):\n    return 1.0\n"
    with pytest.raises(InvalidGrader) as e:
        check_source(source, imports="refuse")
    assert "'requests', 'torch'" in e.value.problem and "relative import" in e.value.problem


@pytest.mark.parametrize(
    "module",
    [
        "numpy",
        "scipy.stats",
        "sympy",
        "pandas",
        "rapidfuzz.fuzz",
        "sklearn.metrics",
        "rouge_score.rouge_scorer",
        "deepdiff",
        "jsonschema",
        "pydantic",
        "yaml",
        "nltk.translate.bleu_score",
        "sqlparse",
        "rdkit.Chem",
        "skbio",
        "ast_grep_py",
        "json",
        "re",
        "collections.abc",
        "__future__",
    ],
)
def test_image_packages_and_stdlib_are_accepted(module: str) -> None:
    for tag in ("2025-05-08", "alpha", None):
        check_source(
            f"import {module}\n\ndef grade(s, i):\n    return 1.0\n",
            image_tag=tag,
            imports="refuse",
        )


def test_alpha_is_assumed_equal_to_2025_05_08() -> None:
    assert IMAGE_PACKAGES["alpha"] == IMAGE_PACKAGES["2025-05-08"]
    assert set(sys.stdlib_module_names) <= IMAGE_PACKAGES["2025-05-08"]


def test_unknown_image_tag_warns_and_skips_the_import_check() -> None:
    source = "import requests\ndef grade(s, i):\n    return 1.0\n"
    with pytest.warns(GraderkitWarning, match="image_tag='2031-01-01' is not known"):
        check_source(source, image_tag="2031-01-01", imports="refuse")


_identifiers = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s) and s not in IMAGE_PACKAGES["2025-05-08"]
)


@given(_identifiers, st.sampled_from(sorted(IMAGE_PACKAGES["2025-05-08"])))
def test_imports_are_refused_exactly_when_not_in_the_image(missing: str, present: str) -> None:
    if not present.isidentifier() or keyword.iskeyword(present):
        present = "json"
    check_source(f"import {present}\ndef grade(s, i):\n    return 1.0\n", imports="refuse")
    with pytest.raises(InvalidGrader, match=f"imports '{missing}'"):
        check_source(
            f"import {present}, {missing}\ndef grade(s, i):\n    return 0\n", imports="refuse"
        )


@given(st.text(max_size=300))
def test_arbitrary_text_either_passes_or_raises_invalid_grader(text: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            check_source(text)
        except InvalidGrader as e:
            assert e.field == "source" and e.problem


def test_imported_modules_finds_imports_anywhere() -> None:
    import ast

    tree = ast.parse(
        "import a.b\nfrom c.d import e\ndef f():\n    import g\nclass K:\n    from h import i\n"
    )
    assert sorted(imported_modules(tree)) == ["a", "c", "g", "h"]
