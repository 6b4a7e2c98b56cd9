"""Graders beyond one platform: rewards for open RL trainers, exports, scale-out.

One module per integration; each imports its third-party library lazily, so importing the
module costs nothing and a missing library is reported (with the pip extra to install) only
when a function that needs it is called. Modules here may import ``_core`` and ``_run``;
the private ``_completions`` (trainer completions and columns as samples and items),
``_threads`` (grading off a trainer's event loop), ``_linear`` and ``_reward_file`` are shared.

* [`graderkit.integrations.trl`][graderkit.integrations.trl]: a grader as a TRL reward function.
* [`graderkit.integrations.verifiers`][graderkit.integrations.verifiers]: a grader as
  verifiers 0.4 ``@vf.reward`` scoring on a ``verifiers.v1`` Task;
  [`verifiers_legacy`][graderkit.integrations.verifiers_legacy]: as verifiers 0.3's ``Rubric``.
* [`graderkit.integrations.verl`][graderkit.integrations.verl] and
  [`graderkit.integrations.openrlhf`][graderkit.integrations.openrlhf]: the reward files veRL
  (``compute_score``) and OpenRLHF (``reward_func``) load (``graderkit export verl|openrlhf``).
* [`graderkit.integrations.promptfoo`][graderkit.integrations.promptfoo]: graders as promptfoo
  assertions.
* [`graderkit.integrations.ray`][graderkit.integrations.ray]: grade a Ray Dataset.
"""
