"""What the fakes share: API keys, an injectable run of 429 answers, a request log, fake public addresses."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request


@dataclass
class Seen:
    method: str
    path: str
    body: Any = None


@dataclass
class FakeState:
    keys: set[str] = field(default_factory=set)
    requests: list[Seen] = field(default_factory=list)
    throttle_left: int = 0
    retry_after: str = "0"
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ips: Any = field(default_factory=lambda: itertools.count(10))

    def throttle(self, count: int, retry_after: str = "0") -> None:
        """The next ``count`` requests are answered 429 with this Retry-After."""
        with self.lock:
            self.throttle_left, self.retry_after = count, retry_after

    def take_throttle(self) -> bool:
        with self.lock:
            if self.throttle_left > 0:
                self.throttle_left -= 1
                return True
            return False

    def next_ip(self) -> str:
        # TEST-NET-3 (RFC 5737): documentation addresses, never routable.
        return f"203.0.113.{next(self._ips)}"

    def count(self, method: str, path_part: str) -> int:
        return sum(1 for r in self.requests if r.method == method and path_part in r.path)


def bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:] if header.startswith("Bearer ") else None
