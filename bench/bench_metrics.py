"""Benchmark: graderkit's text metrics against the reference libraries, same inputs, same run.

For each metric the reference call (nltk, rouge-score, rapidfuzz) runs in a plain loop over a
few thousand (input, reference) pairs, then graderkit's function over the same pairs; both give
the same numbers (checked here too, and by the differential tests). graderkit's METEOR starts
with empty caches on a WordNet reader of its own, so its figure includes warming them.

Usage:
    .venv/bin/python bench/bench_metrics.py            # 3000 pairs
    .venv/bin/python bench/bench_metrics.py --quick    # 300 pairs
    .venv/bin/python bench/bench_metrics.py --only meteor gleu
"""

from __future__ import annotations

import argparse
import random
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

FAMILIES = (
    "cat cats",
    "dog dogs hound",
    "sit sat sitting seat",
    "run runs running ran",
    "car cars auto automobile",
    "big large great",
    "small little",
    "quick fast rapid",
    "happy glad",
    "house home houses",
    "good well better",
    "say said says saying",
    "make made makes making",
    "go went goes going gone",
    "see saw seen sees",
    "know knew known knows",
    "think thought thinks",
    "take took taken takes",
    "answer answers answered reply",
    "question questions query",
    "result results outcome",
    "increase increases increased rise",
    "decrease decreased fall drop",
    "buy bought purchase",
    "use used uses using",
    "show shows showed display",
    "help helps helped aid",
    "start started begin began",
    "end ended finish finished",
    "cell cells",
    "plant plants",
    "energy power",
    "water waters",
    "light lights",
    "city cities town",
    "country nation",
    "people person persons",
    "child children kid",
    "year years",
    "day days",
)
FUNCTION_WORDS = [
    "the",
    "the",
    "the",
    "a",
    "a",
    "an",
    "of",
    "of",
    "to",
    "to",
    "in",
    "in",
    "is",
    "is",
    "was",
    "are",
    "and",
    "and",
    "that",
    "it",
    "for",
    "on",
    "with",
    "as",
    "by",
    "at",
    "from",
    "this",
    "be",
    "or",
    "not",
    "no",
    "but",
    "which",
    "have",
    "has",
    "had",
    "will",
    "can",
]
CONTENT_WORDS = [
    "Paris",
    "London",
    "42",
    "1990",
    "mitochondria",
    "photosynthesis",
    "protein",
    "algorithm",
    "market",
    "price",
    "government",
    "policy",
    "climate",
    "temperature",
    "ocean",
    "river",
    "mountain",
    "history",
    "war",
    "science",
    "theory",
    "model",
    "data",
    "system",
    "network",
    "computer",
    "software",
    "patient",
    "treatment",
    "disease",
    "blood",
    "heart",
    "student",
    "school",
    "teacher",
    "book",
    "story",
    "music",
    "art",
    "company",
    "customer",
    "product",
    "service",
    "money",
    "because",
    "however",
    "therefore",
    "although",
    "while",
    "during",
    "after",
    "before",
    "between",
    "through",
]
PUNCTUATION = (".", ",", "!", "?", ";")


def _vocabulary() -> tuple[list[str], dict[str, list[str]]]:
    related: dict[str, list[str]] = {}
    words: list[str] = []
    for family in FAMILIES:
        members = family.split()
        words += members
        for word in members:
            related[word] = members
    return words + FUNCTION_WORDS * 3 + CONTENT_WORDS, related


def make_pairs(count: int, seed: int = 20261124) -> list[tuple[str, str]]:
    """Realistic (input, reference) pairs: a third short answers, the rest sentences."""
    rng = random.Random(seed)
    words, related = _vocabulary()
    pairs = []
    for k in range(count):
        length = rng.randint(1, 5) if k % 3 == 0 else rng.randint(8, 35)
        tokens = rng.choices(words, k=length)
        if rng.random() < 0.2:
            other = rng.choices(words, k=max(1, length + rng.randint(-3, 3)))
        else:
            other = _edit(rng, tokens, words, related)
        pairs.append((_render(rng, tokens), _render(rng, other)))
    return pairs


def _edit(
    rng: random.Random, tokens: list[str], words: list[str], related: dict[str, list[str]]
) -> list[str]:
    out: list[str] = []
    for token in tokens:
        roll = rng.random()
        if roll < 0.15 and token in related:
            out.append(rng.choice(related[token]))
        elif roll < 0.22:
            continue
        elif roll < 0.30:
            out += [token, rng.choice(words)]
        else:
            out.append(token)
    return out or [rng.choice(words)]


def _render(rng: random.Random, tokens: list[str]) -> str:
    tokens = list(tokens)
    if rng.random() < 0.6:
        tokens[0] = tokens[0].capitalize()
    if rng.random() < 0.6:
        tokens[-1] += rng.choice(PUNCTUATION)
    return " ".join(tokens)


def race(
    reference: Callable[[str, str], float],
    ours: Callable[[str, str], float],
    pairs: Sequence[tuple[str, str]],
    chunk: int = 50,
) -> tuple[float, float, bool]:
    """Total seconds of each side over ``pairs``, and whether all scores agree to 1e-12.

    The sides take turns on small chunks, each going first every other chunk, so both see the
    same machine load (benchmark machines are shared); each keeps its own caches throughout.
    """
    times = {"reference": 0.0, "ours": 0.0}
    scores: dict[str, list[float]] = {"reference": [], "ours": []}
    sides = {"reference": reference, "ours": ours}
    for number, start in enumerate(range(0, len(pairs), chunk)):
        part = pairs[start : start + chunk]
        order = ("reference", "ours") if number % 2 == 0 else ("ours", "reference")
        for side in order:  # alternate who goes first, so neither gains from going second
            fn = sides[side]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # nltk's BLEU warns on missing n-gram orders
                began = time.perf_counter()
                got = [fn(a, b) for a, b in part]
                times[side] += time.perf_counter() - began
            scores[side] += got
    pairs_same = zip(scores["ours"], scores["reference"], strict=True)
    same = all(abs(x - y) <= 1e-12 for x, y in pairs_same)
    return times["reference"], times["ours"], same


def references(wordnet: Any) -> dict[str, Callable[[str, str], float]]:
    """The reference library call for each metric, as Part A of the spec pins it."""
    from nltk.translate.bleu_score import sentence_bleu
    from nltk.translate.gleu_score import sentence_gleu
    from nltk.translate.meteor_score import meteor_score
    from rapidfuzz import fuzz
    from rouge_score.rouge_scorer import RougeScorer

    def bleu(a: str, b: str) -> float:
        return float(sentence_bleu([b.split()], a.split()))

    def rouge(rouge_type: str) -> Callable[[str, str], float]:
        scorer = RougeScorer([rouge_type], use_stemmer=False)
        return lambda a, b: float(scorer.score(b, a)[rouge_type].fmeasure)

    table: dict[str, Callable[[str, str], float]] = {
        "fuzzy_match": lambda a, b: fuzz.ratio(a, b) / 100.0,
        "bleu": bleu,
        "gleu": lambda a, b: float(sentence_gleu([b.split()], a.split())),
        "meteor": lambda a, b: float(meteor_score([b.split()], a.split(), wordnet=wordnet)),
    }
    table |= {f"rouge_{n}": rouge(f"rouge{n}") for n in range(1, 6)}
    table["rouge_l"] = rouge("rougeL")
    return table


def ours() -> dict[str, Callable[[str, str], float]]:
    """graderkit's functions; METEOR on a fresh WordNet reader with empty caches."""
    from graderkit._core.metrics.meteor import porter_stem
    from graderkit._core.metrics.similarity import LOCAL_METRICS
    from graderkit._run.text_metrics.metric_backends import meteor_metric
    from graderkit._run.text_metrics.wordnet import WordNetSynonyms, load_wordnet, locate_wordnet

    porter_stem.cache_clear()
    synonyms = WordNetSynonyms(load_wordnet(locate_wordnet()))
    return {**LOCAL_METRICS, "meteor": meteor_metric(synonyms)}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 pairs, one round")
    parser.add_argument("--pairs", type=int, default=None, help="number of pairs")
    parser.add_argument("--rounds", type=int, default=None, help="passes over the pairs")
    parser.add_argument("--only", nargs="+", default=None, help="metrics to run (default: all)")
    args = parser.parse_args(argv)
    count = args.pairs or (300 if args.quick else 3000)
    rounds = args.rounds or (1 if args.quick else 3)
    pairs = make_pairs(count)

    from nltk.corpus import wordnet

    wordnet.ensure_loaded()  # both sides start with their WordNet reader loaded, caches empty
    reference, graderkit = references(wordnet), ours()
    print(f"{count} pairs (seed 20261124) x {rounds} rounds; seconds in total; the two sides")
    print("run in alternating chunks of 50 pairs so that both see the same machine load")
    print(f"\n{'metric':<16} {'reference s':>12} {'graderkit s':>12} {'speedup':>8}  same")
    for metric in args.only or reference:
        if metric == "meteor":  # the first pass fills both sides' caches, the others reuse them
            report("meteor (cold)", [race(reference[metric], graderkit[metric], pairs)])
            name = "meteor (warm)"
        else:
            name = metric if metric != "fuzzy_match" else "fuzzy_match *"
        repeat = rounds * 10 if metric == "fuzzy_match" else rounds  # ~1 us a call: more rounds
        report(name, [race(reference[metric], graderkit[metric], pairs) for _ in range(repeat)])
    print("\n* fuzzy_match is the reference call itself (rapidfuzz), timed over 10x the rounds;")
    print("  its ratio is noise around 1.")


def report(name: str, runs: list[tuple[float, float, bool]]) -> None:
    ref_time = sum(run[0] for run in runs)
    our_time = sum(run[1] for run in runs)
    same = all(run[2] for run in runs)
    speedup = ref_time / our_time
    print(f"{name:<16} {ref_time:>12.4f} {our_time:>12.4f} {speedup:>7.1f}x  {same}")


if __name__ == "__main__":
    main()
