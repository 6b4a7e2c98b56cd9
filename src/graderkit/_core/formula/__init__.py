"""A multi grader's ``calculate_output``: its syntax, its evaluation (one row or whole columns),
the functions it knows, and grader arithmetic (``0.85 * fuzzy + 0.15 * exact``).

Pure: imports ``graderkit.errors`` and ``_core`` only; no I/O.
"""
