"""The text metrics of ``text_similarity``, each equal to its reference library: fuzzy_match
(rapidfuzz), bleu, gleu and meteor (nltk, reimplemented), rouge (rouge-score, reimplemented),
with their tokenisation, n-gram counting and Porter stemmer.

Pure: imports ``graderkit.errors`` and ``_core`` only; WordNet is passed in by ``_run``.
"""
