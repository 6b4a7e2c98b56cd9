"""Grading without I/O: string_check, local text_similarity, the multi combination step, and
the columnar (whole-batch) path for local graders.

Pure: imports ``graderkit.errors`` and ``_core`` only.
"""
