"""Throttled logins (docs/security.md, workbench promise 15): after a few wrong tokens, passwords or
bearer tokens from one address, or for one user name, further attempts get 429 with Retry-After,
the wait doubling with every further failure. A correct login after the wait works and clears the
user name's count (an address's count fades after a quiet spell, so a login of one's own cannot
wipe the record of guesses from that address). The counts live in memory: a restart forgives, and
scrypt still makes every guess cost."""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

FREE_FAILURES = 5  # failures allowed before any wait
FIRST_WAIT = 2.0  # seconds after the first failure past the free ones; doubles each time
LONGEST_WAIT = 15 * 60.0


@dataclass
class _Count:
    failures: int = 0
    blocked_until: float = 0.0
    last: float = 0.0


@dataclass
class Throttle:
    """Failure counts per key (``addr:…`` and ``user:…``); ``clock`` is injectable for tests."""

    free: int = FREE_FAILURES
    first_wait: float = FIRST_WAIT
    longest_wait: float = LONGEST_WAIT
    clock: Callable[[], float] = time.monotonic
    _counts: dict[str, _Count] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, keys: Iterable[str]) -> int:
        """Seconds to wait before an attempt with these keys may be tried (0: go ahead)."""
        now = self.clock()
        with self._lock:
            wait = max((c.blocked_until - now for k in keys if (c := self._counts.get(k))), default=0.0)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, keys: Iterable[str]) -> None:
        now = self.clock()
        with self._lock:
            self._forget_old(now)
            for key in keys:
                count = self._counts.setdefault(key, _Count())
                if now - count.last > self.longest_wait:
                    count.failures = 0  # quiet long enough: counting starts again
                count.failures += 1
                count.last = now
                over = count.failures - self.free
                if over > 0:
                    count.blocked_until = now + min(self.first_wait * 2 ** (over - 1), self.longest_wait)

    def succeeded(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._counts.pop(key, None)

    def _forget_old(self, now: float) -> None:
        """A key quiet for twice the longest wait starts again from zero (bounded memory)."""
        if len(self._counts) < 10_000:
            return
        self._counts = {k: c for k, c in self._counts.items() if now - c.last < 2 * self.longest_wait}


def keys(address: str, user: str | None = None) -> list[str]:
    found = [f"addr:{address}"]
    if user:
        found.append(f"user:{user.lower()}")
    return found
