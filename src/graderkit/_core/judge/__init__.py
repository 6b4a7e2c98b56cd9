"""The pure half of model graders: the chat request a judge is sent (built as the service
builds it) and the grade derived from its reply. The calls themselves live in
``graderkit._run.judge``.

Pure: imports ``graderkit.errors`` and ``_core`` only.
"""
