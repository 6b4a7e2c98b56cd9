"""The pure core: grader models, wire format, templates, formulas, metrics, results.

Nothing in this package opens a socket, spawns a process, reads the clock or the environment.
A test (tests/test_layering.py) enforces it.
"""
