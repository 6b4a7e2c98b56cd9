"""``{{ namespace.path }}`` templates and the ``sample`` namespace they read.

Pure: imports ``graderkit.errors`` and ``_core`` only; no I/O.
"""
