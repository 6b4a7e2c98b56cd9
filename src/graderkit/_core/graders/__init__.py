"""Grader models and their JSON: one frozen model per grader kind, the factories that build
them, message inputs, honest reprs, static checks of python sources, and the wire format
(``from_openai``/``to_openai``).

Pure: imports ``graderkit.errors`` and the other ``_core`` packages only; no I/O.
"""
