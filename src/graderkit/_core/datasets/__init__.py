"""Datasets before anything runs: the RFT file format row by row, how predictions number into
runs, and the dataset check against a grader. Reading files lives in
``graderkit._run.datasets``.

Pure: imports ``graderkit.errors`` and ``_core`` only.
"""
