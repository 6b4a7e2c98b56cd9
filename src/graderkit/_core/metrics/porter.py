"""The Porter stemmer, exactly as nltk's ``PorterStemmer()`` (its default NLTK_EXTENSIONS mode).

METEOR stems every word the exact stage leaves unmatched, and nltk's stemmer costs about 37 µs
a word: it builds its rule lists and re-derives every measure on each call. This module runs the
same rules in the same order on precomputed tables (rules grouped by last letter, which keeps
the first-match order because a suffix can only match a word that ends in its last letter). A
differential test holds it to nltk's output over the whole WordNet vocabulary, inflected, and
over hypothesis-generated text, quirks included: ``len(word) <= 2`` is tested on the word before
lowercasing, and step 1b's ``*d`` rule also fires, as nltk's does, on a stem ending in the two
characters ``*d``.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["porter_stem_uncached"]

_VOWELS = frozenset("aeiou")

_IRREGULAR = {
    "sky": "sky",
    "skies": "sky",
    "dying": "die",
    "lying": "lie",
    "tying": "tie",
    "news": "news",
    "innings": "inning",
    "inning": "inning",
    "outings": "outing",
    "outing": "outing",
    "cannings": "canning",
    "canning": "canning",
    "howe": "howe",
    "proceed": "proceed",
    "exceed": "exceed",
    "succeed": "succeed",
}
"""nltk's ``pool``: irregular forms stemmed by table, before any rule."""


def _measure(stem: str) -> int:
    """The paper's *m*: the number of vowel-consonant transitions (nltk ``_measure``).

    ``y`` is a consonant at the start and after a vowel, a vowel after a consonant.
    """
    m = 0
    prev_consonant = prev_vowel = False
    for ch in stem:
        if ch in _VOWELS:
            prev_consonant, prev_vowel = False, True
        elif ch != "y" or not prev_consonant:
            if prev_vowel:
                m += 1
            prev_consonant, prev_vowel = True, False
        else:
            prev_consonant, prev_vowel = False, True
    return m


def _contains_vowel(stem: str) -> bool:
    """nltk ``_contains_vowel``: a vowel letter, or a ``y`` after a consonant."""
    prev_consonant = False
    for ch in stem:
        if ch in _VOWELS or (ch == "y" and prev_consonant):
            return True
        prev_consonant = True
    return False


def _is_consonant(word: str, i: int) -> bool:
    """nltk ``_is_consonant(word, i)`` for ``0 <= i < len(word)``."""
    ch = word[i]
    if ch in _VOWELS:
        return False
    if ch != "y":
        return True
    negate = False
    while i > 0 and word[i] == "y":
        negate = not negate
        i -= 1
    return (word[i] not in _VOWELS) != negate


def _ends_double_consonant(word: str) -> bool:
    """Condition *d: the word ends in a doubled consonant."""
    return len(word) >= 2 and word[-1] == word[-2] and _is_consonant(word, len(word) - 1)


def _ends_cvc(word: str) -> bool:
    """Condition *o (consonant, vowel, consonant not w/x/y), plus nltk's two-letter vc case."""
    n = len(word)
    if n >= 3:
        return (
            _is_consonant(word, n - 3)
            and not _is_consonant(word, n - 2)
            and _is_consonant(word, n - 1)
            and word[-1] not in "wxy"
        )
    return n == 2 and not _is_consonant(word, 0) and _is_consonant(word, 1)


Condition = Callable[[str, str], bool]
"""``condition(stem, word)``: whether a rule whose suffix matched applies."""


def _m_positive(stem: str, word: str) -> bool:
    return _measure(stem) > 0


def _m_above_1(stem: str, word: str) -> bool:
    return _measure(stem) > 1


def _logi(stem: str, word: str) -> bool:
    return _measure(word[:-3]) > 0  # nltk measures the stem with its "l"


def _ion(stem: str, word: str) -> bool:
    return _measure(stem) > 1 and stem[-1:] in ("s", "t")


Rule = tuple[str, str, Condition]


def _by_last_letter(rules: list[Rule]) -> dict[str, tuple[Rule, ...]]:
    """Rules grouped by their suffix's last letter, each group in the original order."""
    groups: dict[str, list[Rule]] = {}
    for rule in rules:
        groups.setdefault(rule[0][-1], []).append(rule)
    return {letter: tuple(group) for letter, group in groups.items()}


_STEP2 = _by_last_letter(
    [
        ("ational", "ate", _m_positive),
        ("tional", "tion", _m_positive),
        ("enci", "ence", _m_positive),
        ("anci", "ance", _m_positive),
        ("izer", "ize", _m_positive),
        ("bli", "ble", _m_positive),
        ("alli", "al", _m_positive),
        ("entli", "ent", _m_positive),
        ("eli", "e", _m_positive),
        ("ousli", "ous", _m_positive),
        ("ization", "ize", _m_positive),
        ("ation", "ate", _m_positive),
        ("ator", "ate", _m_positive),
        ("alism", "al", _m_positive),
        ("iveness", "ive", _m_positive),
        ("fulness", "ful", _m_positive),
        ("ousness", "ous", _m_positive),
        ("aliti", "al", _m_positive),
        ("iviti", "ive", _m_positive),
        ("biliti", "ble", _m_positive),
        ("fulli", "ful", _m_positive),
        ("logi", "log", _logi),
    ]
)
_STEP3 = _by_last_letter(
    [
        ("icate", "ic", _m_positive),
        ("ative", "", _m_positive),
        ("alize", "al", _m_positive),
        ("iciti", "ic", _m_positive),
        ("ical", "ic", _m_positive),
        ("ful", "", _m_positive),
        ("ness", "", _m_positive),
    ]
)
_STEP4 = _by_last_letter(
    [
        (suffix, "", _ion if suffix == "ion" else _m_above_1)
        for suffix in [
            "al",
            "ance",
            "ence",
            "er",
            "ic",
            "able",
            "ible",
            "ant",
            "ement",
            "ment",
            "ent",
            "ion",
            "ou",
            "ism",
            "ate",
            "iti",
            "ous",
            "ive",
            "ize",
        ]
    ]
)


def _apply(word: str, rules: dict[str, tuple[Rule, ...]]) -> str:
    """nltk ``_apply_rule_list``: the first rule whose suffix matches decides."""
    for suffix, replacement, condition in rules.get(word[-1:], ()):
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            return stem + replacement if condition(stem, word) else word
    return word


def _step1a(word: str) -> str:
    if word.endswith("s"):
        if word.endswith("ies"):
            return word[:-3] + ("ie" if len(word) == 4 else "i")
        if word.endswith("sses"):
            return word[:-2]
        if not word.endswith("ss"):
            return word[:-1]
    return word


def _step1b(word: str) -> str:
    if word.endswith("ied"):
        return word[:-3] + ("ie" if len(word) == 4 else "i")
    if word.endswith("eed"):
        stem = word[:-3]
        return stem + "ee" if _measure(stem) > 0 else word
    if word.endswith("ed"):
        stem = word[:-2]
    elif word.endswith("ing"):
        stem = word[:-3]
    else:
        return word
    if not _contains_vowel(stem):
        return word
    return _step1b_tidy(stem)


def _step1b_tidy(stem: str) -> str:
    """After -ed/-ing: at/bl/iz -> +e, undouble (*d, nltk's ``*d`` quirk), or (m=1, *o) +e."""
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    last = stem[-1:]
    if _ends_double_consonant(stem):
        return stem[:-1] if last not in ("l", "s", "z") else stem
    if stem.endswith("*d"):  # nltk tries the rule's name "*d" as a literal suffix too
        return stem[:-2] + last if last not in ("l", "s", "z") else stem
    return stem + "e" if _measure(stem) == 1 and _ends_cvc(stem) else stem


def _step1c(word: str) -> str:
    if word.endswith("y") and len(word) > 2 and _is_consonant(word, len(word) - 2):
        return word[:-1] + "i"
    return word


def _step2(word: str) -> str:
    if word.endswith("alli") and _measure(word[:-4]) > 0:
        return _step2(word[:-2])
    return _apply(word, _STEP2)


def _step5a(word: str) -> str:
    if word.endswith("e"):
        stem = word[:-1]
        m = _measure(stem)
        if m > 1 or (m == 1 and not _ends_cvc(stem)):
            return stem
    return word


def _step5b(word: str) -> str:
    if word.endswith("ll") and _measure(word[:-1]) > 1:
        return word[:-1]
    return word


def porter_stem_uncached(word: str) -> str:
    """nltk ``PorterStemmer().stem(word)``, reimplemented rule for rule.

    Args:
        word: a token, in any case.

    Returns:
        Its stem, lowercased, exactly nltk's.

    Examples:
        >>> [porter_stem_uncached(w) for w in ("Caresses", "ponies", "sitting", "relational")]
        ['caress', 'poni', 'sit', 'relat']
    """
    stem = word.lower()
    irregular = _IRREGULAR.get(stem)
    if irregular is not None:
        return irregular
    if len(word) <= 2:  # nltk tests the length of the word as given, not of its lowercase
        return stem
    stem = _step1c(_step1b(_step1a(stem)))
    stem = _apply(_apply(_step2(stem), _STEP3), _STEP4)
    return _step5b(_step5a(stem))
