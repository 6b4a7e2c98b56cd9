"""Graders beyond one platform: rewards for open RL trainers, exports, scale-out.

One module per integration; each imports its third-party library lazily, so importing the
module costs nothing and a missing library is reported (with the pip extra to install) only
when a function that needs it is called.

* [`graderkit.integrations.trl`][graderkit.integrations.trl]: a grader as a TRL reward function.
* [`graderkit.integrations.verifiers`][graderkit.integrations.verifiers]: a grader as a
  verifiers ``Rubric``.
* [`graderkit.integrations.promptfoo`][graderkit.integrations.promptfoo]: graders as promptfoo
  assertions.
* [`graderkit.integrations.ray`][graderkit.integrations.ray]: grade a Ray Dataset.
"""
