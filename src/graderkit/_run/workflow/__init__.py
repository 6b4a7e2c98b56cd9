"""Workflow steps that talk to the outside: baseline sampling, fine-tuning job payloads and
submission, calls to the service's graders API, golden parity records, hosted Evals
migration.

May import ``graderkit.errors``, ``_core`` and ``_run``.
"""
