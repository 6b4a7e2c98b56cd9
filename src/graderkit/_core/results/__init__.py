"""Results: one sample's ``graders/run``-shaped result, a batch stored by column, the
results-file line, and summaries of many results.

Pure: imports ``graderkit.errors`` and ``_core`` only.
"""
