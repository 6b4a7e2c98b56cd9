"""The public surface: explicit, sorted, documented."""

from __future__ import annotations

import inspect

import graderkit as gk


def test_all_is_sorted_and_unique() -> None:
    assert list(gk.__all__) == sorted(set(gk.__all__))


def test_all_is_complete() -> None:
    public = {name for name in vars(gk) if not name.startswith("_")}
    modules = {name for name in public if inspect.ismodule(getattr(gk, name))}
    assert public - modules == set(gk.__all__)


def test_every_public_name_has_a_docstring() -> None:
    missing = [name for name in gk.__all__ if not getattr(gk, name).__doc__ and name != "Grader"]
    assert missing == []
