"""Identical calls made at the same time, run once: the later ones wait for the first.

The engine keys each cacheable model request by the hash of its body; a request whose twin is
still in flight waits for the twin's outcome instead of sending a duplicate. If the first call
is cancelled, a waiter runs its own; cancelling a waiter leaves the first call alone.

Examples:
    >>> import asyncio
    >>> async def main():
    ...     calls = InFlight()
    ...     sent = []
    ...     async def ask():
    ...         sent.append(1)
    ...         await asyncio.sleep(0.01)
    ...         return "reply"
    ...     outcomes = await asyncio.gather(*(calls.run("key", ask) for _ in range(3)))
    ...     return outcomes, len(sent)
    >>> asyncio.run(main())
    ([('reply', False), ('reply', True), ('reply', True)], 1)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["InFlight"]

T = TypeVar("T")


class InFlight:
    """Calls in flight in one event loop, by key."""

    def __init__(self) -> None:
        self._futures: dict[str, asyncio.Future[Any]] = {}

    def __len__(self) -> int:
        return len(self._futures)

    async def run(self, key: str, call: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """``call()``'s outcome, or the outcome of the identical call already in flight.

        Args:
            key: what makes two calls identical.
            call: makes the call (only invoked when no twin is in flight).

        Returns:
            The outcome, and whether it was shared from a twin (``call`` was not invoked).
            An exception raised by the first call propagates to it alone; its waiters then
            run their own calls.
        """
        while (leader := self._futures.get(key)) is not None:
            try:
                return await asyncio.shield(leader), True
            except asyncio.CancelledError:
                if leader.cancelled() and not _cancelling():
                    continue  # the first call stopped, not this one: run it here
                raise
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._futures[key] = future
        try:
            outcome = await call()
        except BaseException:
            future.cancel()
            raise
        finally:
            del self._futures[key]
        future.set_result(outcome)
        return outcome, False


def _cancelling() -> bool:
    """Whether the current task has been asked to stop (always False before Python 3.11)."""
    task = asyncio.current_task()
    return bool(task is not None and getattr(task, "cancelling", lambda: 0)())
