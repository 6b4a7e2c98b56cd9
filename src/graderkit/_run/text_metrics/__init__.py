"""What local text metrics need from the machine: WordNet 3.0 located and loaded from disk,
its synonym table, and the seam the runner calls for a metric.

May import ``graderkit.errors``, ``_core`` and ``_run``.
"""
