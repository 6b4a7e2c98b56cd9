"""Datasets on disk: reading JSONL items and predictions, grading a whole file into a
resumable, append-only results file, and the progress line.

May import ``graderkit.errors``, ``_core`` and ``_run``.
"""
