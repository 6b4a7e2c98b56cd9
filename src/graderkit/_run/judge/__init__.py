"""The I/O half of model graders: the engine every model call goes through (concurrency,
retries, caching, cassettes, in-flight de-duplication), the one module that imports
``openai``, the transport seam, token accounting, embeddings and the judge grading step.

May import ``graderkit.errors``, ``_core`` and ``_run``.
"""
