"""The pure rules of workflow steps: hosted Evals definitions, rows, pass rules and counts.
Running them lives in ``graderkit._run.workflow``.

Pure: imports ``graderkit.errors`` and ``_core`` only.
"""
