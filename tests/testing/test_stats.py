"""Agreement statistics, checked against scipy and scikit-learn on generated data."""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy import stats as scipy_stats
from sklearn.metrics import cohen_kappa_score
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from graderkit.testing.stats import (
    cohen_kappa,
    confusion_matrix,
    kendall_tau_b,
    pearson,
    ranks,
    recommend_threshold,
    spearman,
)

# rewards repeat a lot in practice (0, 0.5, 1): mix a few fixed levels with free floats
REWARD = st.one_of(st.sampled_from([0.0, 0.25, 0.5, 1.0]), st.floats(0, 1))
PAIRS = st.integers(2, 40).flatmap(
    lambda n: st.tuples(
        st.lists(REWARD, min_size=n, max_size=n), st.lists(REWARD, min_size=n, max_size=n)
    )
)


def _same(ours: float, theirs: float) -> bool:
    return (math.isnan(ours) and math.isnan(theirs)) or abs(ours - theirs) <= 1e-9


def _quiet(fn, *args):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():  # scipy warns on constant input; we return nan silently
        warnings.simplefilter("ignore")
        return fn(*args)


@given(PAIRS)
def test_spearman_matches_scipy(pair: tuple[list[float], list[float]]) -> None:
    x, y = pair
    assert _same(spearman(x, y), _quiet(scipy_stats.spearmanr, x, y).statistic)


@given(PAIRS)
def test_kendall_tau_b_matches_scipy(pair: tuple[list[float], list[float]]) -> None:
    x, y = pair
    assert _same(kendall_tau_b(x, y), _quiet(scipy_stats.kendalltau, x, y).statistic)


@example(([0.0, 0.25], [0.0, 4.9e-286]))  # distinct values whose squares underflow
@given(PAIRS)
def test_pearson_matches_scipy(pair: tuple[list[float], list[float]]) -> None:
    x, y = pair
    if len(set(x)) > 1 and len(set(y)) > 1:
        assert abs(pearson(x, y) - scipy_stats.pearsonr(x, y).statistic) <= 1e-9
    else:
        assert math.isnan(pearson(x, y))


def test_kendall_is_fast_on_large_inputs() -> None:
    x = [(i * 7919) % 1000 / 1000 for i in range(20000)]
    y = [(i * 104729) % 997 / 997 for i in range(20000)]
    assert _same(kendall_tau_b(x, y), scipy_stats.kendalltau(x, y).statistic)


def test_ranks_average_ties() -> None:
    values = [3.0, 1.0, 3.0, 2.0, 3.0]
    assert ranks(values) == list(scipy_stats.rankdata(values))


LABELS = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.sampled_from("abc"), min_size=n, max_size=n),
        st.lists(st.sampled_from("abc"), min_size=n, max_size=n),
    )
)


@given(LABELS)
def test_cohen_kappa_matches_sklearn(pair: tuple[list[str], list[str]]) -> None:
    a, b = pair
    assert _same(cohen_kappa(a, b), _quiet(cohen_kappa_score, a, b))


@given(LABELS)
def test_confusion_matrix_matches_sklearn(pair: tuple[list[str], list[str]]) -> None:
    a, b = pair
    labels, matrix = confusion_matrix(a, b, ["a", "b", "c"])
    assert labels == ["a", "b", "c"]
    assert matrix == sk_confusion_matrix(a, b, labels=["a", "b", "c"]).tolist()


def test_textbook_kappa() -> None:
    # Cohen (1960)-style example: 50 items, raters agree on 20 yes and 15 no
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)  # p_o = 0.7, p_e = 0.5


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        spearman([1, 2], [1])


@given(st.lists(st.tuples(REWARD, st.booleans()), min_size=1, max_size=40))
def test_recommended_threshold_is_the_best_cut(rows: list[tuple[float, bool]]) -> None:
    rewards = [r for r, _ in rows]
    passed = [p for _, p in rows]
    choice = recommend_threshold(rewards, passed)
    rule = [r >= choice.threshold for r in rewards]
    kappa = cohen_kappa(passed, rule, [False, True])
    assert _same(choice.kappa, kappa)
    assert choice.accuracy == sum(a == b for a, b in zip(passed, rule, strict=False)) / len(rows)
    # no threshold at all (each observed reward, and above the top) beats it
    for cut in [*set(rewards), math.inf]:
        other = cohen_kappa(passed, [r >= cut for r in rewards], [False, True])
        assert (0.0 if math.isnan(other) else other) <= (
            0.0 if math.isnan(kappa) else kappa
        ) + 1e-12


def test_separable_labels_get_a_clean_simple_threshold() -> None:
    rewards = [0.12, 0.31, 0.48, 0.71, 0.86, 0.97]
    choice = recommend_threshold(rewards, [False, False, False, True, True, True])
    assert choice.threshold == 0.6 and choice.kappa == 1.0 and choice.f1 == 1.0
    assert choice.candidates == len(rewards) + 1


def test_kappa_ties_are_broken_by_f1() -> None:
    # cuts 0.15 and 0.35 both reach kappa 0.5; 0.15 has the higher F1 of the pass class
    choice = recommend_threshold([0.1, 0.2, 0.3, 0.4], [False, True, False, True])
    assert (choice.threshold, choice.kappa, choice.f1) == (0.15, 0.5, 0.8)
    # one reward level: "everything passes" and "nothing passes" both have kappa 0
    flat = recommend_threshold([0.4, 0.4, 0.4], [True, False, True])
    assert (flat.threshold, flat.kappa, flat.f1) == (0.4, 0.0, 0.8)
    with pytest.raises(ValueError, match="at least one"):
        recommend_threshold([], [])
