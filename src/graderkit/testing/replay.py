"""A runner whose judge engine answers from a reply cache and/or a cassette.

Used by the pytest plugin's ``grader_runner`` fixture and by ``graderkit check`` / ``graderkit
probe`` (``--cache-dir``, ``--cassette``), so model-grader tests and CI runs replay recorded
judge replies instead of paying for them again.

Examples:
    >>> runner = replay_runner()          # neither: the default engine, from the environment
    >>> runner.close()
"""

from __future__ import annotations

import os

from graderkit._run.runner import Runner

__all__ = ["replay_runner"]


def replay_runner(
    cache: str | os.PathLike[str] | None = None,
    cassette: str | os.PathLike[str] | None = None,
    *,
    record: bool = False,
) -> Runner:
    """A [`Runner`][graderkit.Runner] whose judge engine uses this cache and cassette.

    Args:
        cache: a reply cache directory (hits are free; misses go to the model and are stored).
        cassette: a cassette file, replayed (a missing reply raises
            [`CassetteMiss`][graderkit._run.judge.cassette.CassetteMiss]) unless ``record``.
        record: record replies missing from the cassette (sends those requests to the model).

    Returns:
        The runner; with neither ``cache`` nor ``cassette``, the default one (its engine is built
        from the environment on the first judge call).
    """
    if cache is None and cassette is None:
        return Runner()
    from graderkit._run.judge.engine import ModelEngine

    engine = ModelEngine.from_env(
        cache_dir=cache, cassette=cassette, mode="record" if record else "replay"
    )
    return Runner(models=engine)
