"""Python graders: the supervisor that runs ``grade(sample, item)`` confined, the child-side
worker script, the mapping of an outcome to reward and flags, and turning an ordinary
function into standalone source.

May import ``graderkit.errors``, ``_core`` and ``_run``. The worker script imports nothing
of graderkit: it runs inside the sandbox.
"""
