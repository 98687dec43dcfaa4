"""The one in-memory cache of the web layer: bounded, least recently used, thread-safe.

Released figures are immutable, so what pages derive from them is kept under release ids for as
long as the process lives (``dashboards.published``, ``dashboards.prevention.views``). Every cache
is bounded, so a long-running server with many organisations does not grow without end. Each
gunicorn worker has its own; nothing here is shared or written to disk.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LruCache(Generic[V]):
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        # Made outside the lock: two threads may both make a new value, which is harmless
        # because the inputs are immutable and the results equal.
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
